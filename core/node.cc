#include "core/node.h"

namespace sharc {

Resources NodeTopology::Capacity() const {
  Resources r;
  r.Set(kCpuResource, static_cast<int64_t>(pus.size()) * kMilliCpusPerCpu);
  r.Set(kMemoryResource, memory_bytes);
  r.Set(kGpuResource, static_cast<int64_t>(gpus.size()));
  std::map<std::string, int64_t> by_model;
  for (const GpuInfo& gpu : gpus) {
    if (!gpu.model.empty()) ++by_model[gpu.model];
  }
  for (const auto& [model, count] : by_model) r.Set(GpuModelResource(model), count);
  return r;
}

std::string_view NodeStateName(NodeState state) {
  switch (state) {
    case NodeState::kUp: return "UP";
    case NodeState::kDown: return "DOWN";
    case NodeState::kDrain: return "DRAIN";
  }
  return "UNKNOWN";
}

std::optional<NodeState> ParseNodeState(std::string_view name) {
  for (NodeState s : {NodeState::kUp, NodeState::kDown, NodeState::kDrain}) {
    if (NodeStateName(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace sharc
