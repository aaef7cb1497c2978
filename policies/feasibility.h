// Whether a job could ever run on some node, and why not: what a submit checks, and the cycle's
// UNSATISFIABLE reason. Pure.
#ifndef SHARC_POLICIES_FEASIBILITY_H_
#define SHARC_POLICIES_FEASIBILITY_H_

#include <string_view>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "policies/cluster_view.h"

namespace sharc::policies {

// True if `node` carries every label of `spec` with the same value.
bool LabelsMatch(const NodeView& node, const JobSpec& spec);

// True if `node`, with nothing running, has the labels, PUs, memory and matching GPUs `spec`
// asks for. Ignores the node's state.
bool FitsWhenEmpty(const NodeView& node, const JobSpec& spec);

// Whether one of `nodes`, with nothing running, could run `spec`: OK, or Unsatisfiable with a
// message naming the limit. `noun` names the nodes ("node", "UP node"). Messages, checked in
// this order (with labels, the rest only consider the nodes carrying all of them):
//   "no node has label zone=eu"
//   "no node has labels rack=a, zone=eu together"
//   "no node has 512 CPUs; the largest has 64"               (or "no node with label ...")
//   "no node has 2 TiB of memory; the largest has 256 GiB"
//   "no node has 3 GPUs; the largest has 2"
//   "no node has 2 GPUs of model H100; the most is 1"
//   "no single node has 64 CPUs and 4 GPUs together"  (the first pair that never fits
//     together of CPUs+GPUs, CPUs+memory, memory+GPUs; else all three)
// OK when `nodes` is empty. Precondition: no pointer is null.
Status CheckFitsSomeNode(const std::vector<const NodeView*>& nodes, const JobSpec& spec,
                         std::string_view noun);

// Whether any node of `view` (any state), empty, could run `spec`: OK, or Unsatisfiable with the
// message of CheckFitsSomeNode. With no nodes at all it returns OK (nothing is known yet, so
// nothing is refused). O(distinct node shapes); for a gang (num_nodes > 1) also O(nodes): it
// needs that many nodes that fit, sharing one value of its topology_group label:
//   "this gang needs 4 nodes that each can hold a part of 8 CPUs, 1 GiB of memory; there are 3"
//   "this gang needs 4 nodes with one value of label rack that each ...; the most there are is
//    2 (rack=r1)"
Status CheckEverFits(const ClusterView& view, const JobSpec& spec);
// The same over the schedulable nodes (UP and connected), with "UP node" in the message.
Status CheckFitsSchedulable(const ClusterView& view, const JobSpec& spec);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_FEASIBILITY_H_
