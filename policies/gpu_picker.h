// Picking the exact GPUs a job gets on one node. Pure; unit-testable on its own.
#ifndef SHARC_POLICIES_GPU_PICKER_H_
#define SHARC_POLICIES_GPU_PICKER_H_

#include <map>
#include <optional>
#include <string_view>
#include <vector>

#include "core/node.h"

namespace sharc::policies {

// Whether a job asking for GPUs of `model` can use `gpu`: "" matches every GPU; otherwise the
// models compare equal ignoring ASCII case ("h100" matches "H100"; "H100" does not match "").
bool GpuModelMatches(const GpuInfo& gpu, std::string_view model);

// How many GPUs of `topology` (free or not) match `model`.
int CountMatchingGpus(const NodeTopology& topology, std::string_view model);

struct GpuPick {
  std::vector<int> gpus;  // GpuInfo::index of the picked GPUs, sorted
  // The NUMA nodes the picked GPUs are attached to: most picked GPUs first, ties by lowest
  // index; unknown NUMA (-1) left out. The CPU picker starts there.
  std::vector<int> numa;
};

// Picks exactly `count` free GPUs matching `model`, or nullopt if fewer are free (an empty
// pick when count <= 0). "CPU room" below means that `free_pus_per_numa` of the NUMA node
// holds `cpus` (the whole job's CPUs).
//   1. All from one island (GpuInfo::island) when one can supply them all; among those, one
//      whose NUMA node has CPU room (an island's NUMA node: the one all its free matching GPUs
//      share, else none), then the one with the fewest free matching GPUs (tightest fit: larger
//      islands stay whole), then the NUMA node with the fewest free matching GPUs, then the
//      lowest NUMA index, then the island holding the lowest GPU index. Within the island, the
//      GPUs are chosen as in 2.
//   2. Otherwise all on one NUMA node when one can supply them all; among those, one with CPU
//      room, then the one with the fewest free matching GPUs, then the lowest index;
//   3. otherwise across the fewest NUMA nodes (FewestGroups), and GPUs whose NUMA node is
//      unknown (-1) only after every GPU with a known one.
// Within a NUMA node, across the fewest islands (FewestGroups; ties to the island holding the
// lowest GPU index), lowest GPU indices first within an island, GPUs of unknown island (-1)
// last. GPUs of unknown island take no part in 1, so with no island known this is the NUMA
// rule alone (2, 3, lowest indices first); with each GPU its own island (no two share a
// switch) it picks the same GPUs as that rule too.
// Precondition: gpu_free.size() == topology.gpus.size(), topology.gpus sorted by index.
std::optional<GpuPick> PickGpus(const NodeTopology& topology, const std::vector<bool>& gpu_free,
                                int count, std::string_view model,
                                const std::map<int, int>& free_pus_per_numa, int cpus);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_GPU_PICKER_H_
