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
// pick when count <= 0):
//   - all on one NUMA node when one can supply them all; among those, one whose
//     `free_pus_per_numa` also holds `cpus` (the whole job's CPUs), then the one with the
//     fewest free matching GPUs (best fit: larger groups stay intact), then the lowest index;
//   - otherwise across the fewest NUMA nodes (FewestGroups), and GPUs whose NUMA node is
//     unknown (-1) only after every GPU with a known one.
// Within a NUMA node, the lowest GPU indices first.
// Precondition: gpu_free.size() == topology.gpus.size().
std::optional<GpuPick> PickGpus(const NodeTopology& topology, const std::vector<bool>& gpu_free,
                                int count, std::string_view model,
                                const std::map<int, int>& free_pus_per_numa, int cpus);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_GPU_PICKER_H_
