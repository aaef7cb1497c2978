// Where a job goes: exactly which CPUs (hwloc PU OS indices), GPUs and memory on which nodes.
// A placement is a list of per-node parts so that a job spanning several nodes needs no other
// type; single-node jobs have one part.
#ifndef SHARC_POLICIES_PLACEMENT_H_
#define SHARC_POLICIES_PLACEMENT_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace sharc::policies {

// What a job gets on one node.
struct NodePlacement {
  size_t node_index = 0;  // into ClusterView::nodes()
  std::vector<int> cpus;  // PU OS indices, sorted
  std::vector<int> gpus;  // GPU indices (GpuInfo::index), sorted
  int64_t memory_bytes = 0;
  friend bool operator==(const NodePlacement&, const NodePlacement&) = default;
};

struct Placement {
  std::vector<NodePlacement> nodes;  // one part per node, in rank order
  friend bool operator==(const Placement&, const Placement&) = default;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PLACEMENT_H_
