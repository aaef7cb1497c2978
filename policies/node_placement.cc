#include "policies/node_placement.h"

#include <cassert>

#include "policies/cpu_picker.h"
#include "policies/gpu_picker.h"

namespace sharc::policies {
namespace {

// `free` less `excluded` (which may be empty).
std::vector<bool> Without(const std::vector<bool>& free, const std::vector<bool>& excluded) {
  std::vector<bool> out = free;
  for (size_t i = 0; i < excluded.size() && i < out.size(); ++i) {
    if (excluded[i]) out[i] = false;
  }
  return out;
}

}  // namespace

std::optional<NodePlacement> PlaceOnNode(const NodeTopology& topology, const FreeResources& free,
                                         size_t node_index, const JobSpec& spec,
                                         const std::vector<bool>& excluded_pus,
                                         const std::vector<bool>& excluded_gpus,
                                         int64_t memory_kept) {
  assert(free.pu_free != nullptr && free.gpu_free != nullptr);
  assert(free.pu_free->size() == topology.pus.size());
  assert(free.gpu_free->size() == topology.gpus.size());
  if (spec.cpus < 0 || spec.gpus < 0 || spec.memory_bytes < 0) return std::nullopt;
  if (free.memory_free - memory_kept < spec.memory_bytes) return std::nullopt;

  const std::vector<bool> pu_free =
      excluded_pus.empty() ? *free.pu_free : Without(*free.pu_free, excluded_pus);
  const std::vector<bool> gpu_free =
      excluded_gpus.empty() ? *free.gpu_free : Without(*free.gpu_free, excluded_gpus);
  std::map<int, int> free_pus = FreePusPerNuma(topology, pu_free);
  std::optional<GpuPick> gpus =
      PickGpus(topology, gpu_free, spec.gpus, spec.gpu_model, free_pus, spec.cpus);
  if (!gpus.has_value()) return std::nullopt;
  std::optional<std::vector<int>> cpus =
      PickCpus(topology, pu_free, spec.cpus, gpus->numa, free_pus);
  if (!cpus.has_value()) return std::nullopt;

  NodePlacement placement;
  placement.node_index = node_index;
  placement.cpus = std::move(*cpus);
  placement.gpus = std::move(gpus->gpus);
  placement.memory_bytes = spec.memory_bytes;
  return placement;
}

}  // namespace sharc::policies
