#include "policies/node_placement.h"

#include <cassert>

#include "policies/cpu_picker.h"
#include "policies/gpu_picker.h"

namespace sharc::policies {

std::optional<Placement> PlaceExactly(const NodeSnapshot& node, size_t node_index,
                                      const JobSpec& spec) {
  assert(node.topology != nullptr);
  const NodeTopology& topology = *node.topology;
  assert(node.pu_free.size() == topology.pus.size());
  assert(node.gpu_free.size() == topology.gpus.size());
  if (spec.cpus < 0 || spec.gpus < 0 || spec.memory_bytes < 0) return std::nullopt;
  if (node.memory_free < spec.memory_bytes) return std::nullopt;

  std::map<int, int> free_pus = FreePusPerNuma(topology, node.pu_free);
  std::optional<GpuPick> gpus =
      PickGpus(topology, node.gpu_free, spec.gpus, spec.gpu_model, free_pus, spec.cpus);
  if (!gpus.has_value()) return std::nullopt;
  std::optional<std::vector<int>> cpus = PickCpus(topology, node.pu_free, spec.cpus, gpus->numa);
  if (!cpus.has_value()) return std::nullopt;

  Placement placement;
  placement.node_index = node_index;
  placement.cpus = std::move(*cpus);
  placement.gpus = std::move(gpus->gpus);
  placement.memory_bytes = spec.memory_bytes;
  return placement;
}

}  // namespace sharc::policies
