#include "policies/gpu_picker.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "policies/group_order.h"

namespace sharc::policies {
namespace {

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The NUMA nodes of `picked` GPUs, most GPUs first, ties by lowest index; unknown left out.
std::vector<int> NumaOf(const NodeTopology& topology, const std::vector<size_t>& picked) {
  std::map<int, int> per_numa;
  for (size_t p : picked) {
    if (topology.gpus[p].numa >= 0) ++per_numa[topology.gpus[p].numa];
  }
  std::vector<std::pair<int, int>> counted(per_numa.begin(), per_numa.end());
  std::stable_sort(counted.begin(), counted.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::vector<int> numa;
  for (const auto& [id, n] : counted) numa.push_back(id);
  return numa;
}

}  // namespace

bool GpuModelMatches(const GpuInfo& gpu, std::string_view model) {
  if (model.empty()) return true;
  return std::equal(gpu.model.begin(), gpu.model.end(), model.begin(), model.end(),
                    [](char a, char b) { return LowerAscii(a) == LowerAscii(b); });
}

int CountMatchingGpus(const NodeTopology& topology, std::string_view model) {
  return static_cast<int>(
      std::count_if(topology.gpus.begin(), topology.gpus.end(),
                    [&](const GpuInfo& g) { return GpuModelMatches(g, model); }));
}

std::optional<GpuPick> PickGpus(const NodeTopology& topology, const std::vector<bool>& gpu_free,
                                int count, std::string_view model,
                                const std::map<int, int>& free_pus_per_numa, int cpus) {
  assert(gpu_free.size() == topology.gpus.size());
  if (count <= 0) return GpuPick{};
  // Free matching GPUs (positions in topology.gpus, by index) per known NUMA node, and those
  // whose NUMA node is unknown.
  std::map<int, std::vector<size_t>> by_numa;
  std::vector<size_t> unknown;
  int total = 0;
  for (size_t i = 0; i < topology.gpus.size(); ++i) {
    if (!gpu_free[i] || !GpuModelMatches(topology.gpus[i], model)) continue;
    ++total;
    if (topology.gpus[i].numa >= 0) {
      by_numa[topology.gpus[i].numa].push_back(i);
    } else {
      unknown.push_back(i);
    }
  }
  if (total < count) return std::nullopt;

  std::vector<size_t> picked;
  // One NUMA node for all: CPU room for the whole job first, then best fit, then lowest index.
  const std::vector<size_t>* single = nullptr;
  std::tuple<bool, size_t, int> best_key;
  for (const auto& [numa, free] : by_numa) {
    if (static_cast<int>(free.size()) < count) continue;
    auto pus = free_pus_per_numa.find(numa);
    bool cpu_room = pus != free_pus_per_numa.end() && pus->second >= cpus;
    std::tuple<bool, size_t, int> key{!cpu_room, free.size(), numa};
    if (single == nullptr || key < best_key) {
      single = &free;
      best_key = key;
    }
  }
  if (single != nullptr) {
    picked.assign(single->begin(), single->begin() + count);
  } else {
    std::vector<GroupFree> groups;
    for (const auto& [numa, free] : by_numa) {
      groups.push_back({numa, static_cast<int>(free.size())});
    }
    for (int numa : FewestGroups(std::move(groups), count)) {
      for (size_t p : by_numa[numa]) {
        if (static_cast<int>(picked.size()) < count) picked.push_back(p);
      }
    }
    for (size_t p : unknown) {  // unknown NUMA: last
      if (static_cast<int>(picked.size()) < count) picked.push_back(p);
    }
  }
  assert(static_cast<int>(picked.size()) == count);

  GpuPick pick;
  pick.numa = NumaOf(topology, picked);
  for (size_t p : picked) pick.gpus.push_back(topology.gpus[p].index);
  std::sort(pick.gpus.begin(), pick.gpus.end());
  return pick;
}

}  // namespace sharc::policies
