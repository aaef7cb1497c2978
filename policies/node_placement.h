// The exact placement of one job on one node: which GPUs, then which CPUs (NUMA-local to those
// GPUs), and the memory. Shared by the scheduling cycle, preemption and backfill.
#ifndef SHARC_POLICIES_NODE_PLACEMENT_H_
#define SHARC_POLICIES_NODE_PLACEMENT_H_

#include <cstddef>
#include <cstdint>
#include <optional>
#include <vector>

#include "core/job.h"
#include "core/node.h"
#include "policies/placement.h"

namespace sharc::policies {

// What is free on a node, as the exact placement reads it. Views of a node now (NodeView) or at
// some future time (backfill) convert to this.
struct FreeResources {
  const std::vector<bool>* pu_free = nullptr;   // by PU position
  const std::vector<bool>* gpu_free = nullptr;  // by GPU position
  int64_t memory_free = 0;
};

// The placement of `spec` on a node with `topology` given what is free there, or nullopt if it
// does not fit: memory_free - memory_kept >= spec.memory_bytes, enough free PUs, and enough free
// GPUs matching spec.gpu_model, none of them excluded. GPUs are picked first (PickGpus, told how
// many CPUs the job needs), then CPUs starting at the granted GPUs' NUMA nodes (PickCpus). Memory
// is node-level. Pure.
// Preconditions: the free and excluded vectors have the topology's PU and GPU counts (excluded
// ones may be empty: nothing excluded).
std::optional<NodePlacement> PlaceOnNode(const NodeTopology& topology, const FreeResources& free,
                                         size_t node_index, const JobSpec& spec,
                                         const std::vector<bool>& excluded_pus = {},
                                         const std::vector<bool>& excluded_gpus = {},
                                         int64_t memory_kept = 0);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_NODE_PLACEMENT_H_
