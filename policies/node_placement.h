// The exact placement of one job on one node: which GPUs, then which CPUs (NUMA-local to
// those GPUs), and the memory. Shared by placement policies that differ only in which node
// they choose.
#ifndef SHARC_POLICIES_NODE_PLACEMENT_H_
#define SHARC_POLICIES_NODE_PLACEMENT_H_

#include <cstddef>
#include <optional>

#include "core/job.h"
#include "policies/cluster_snapshot.h"
#include "policies/policy.h"

namespace sharc::policies {

// The placement of `spec` on `node` given what is free there, or nullopt if it does not fit
// now: memory_free >= spec.memory_bytes, enough free PUs, and enough free GPUs matching
// spec.gpu_model. GPUs are picked first (PickGpus, told how many CPUs the job needs), then
// CPUs starting at the granted GPUs' NUMA nodes (PickCpus). Memory is node-level: the
// placement gets spec.memory_bytes, with no per-NUMA accounting. Ignores the node's state and
// labels (the caller filters those). Pure.
// Precondition: node.pu_free and node.gpu_free have the sizes of the topology's pus and gpus.
std::optional<Placement> PlaceExactly(const NodeSnapshot& node, size_t node_index,
                                      const JobSpec& spec);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_NODE_PLACEMENT_H_
