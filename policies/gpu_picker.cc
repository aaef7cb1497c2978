#include "policies/gpu_picker.h"

#include <algorithm>
#include <cassert>
#include <tuple>

#include "policies/group_order.h"

namespace sharc::policies {
namespace {

// Positions in topology.gpus, ascending (so by GPU index).
using Positions = std::vector<size_t>;

char LowerAscii(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

// The NUMA nodes of `picked` GPUs, most GPUs first, ties by lowest index; unknown left out.
std::vector<int> NumaOf(const NodeTopology& topology, const Positions& picked) {
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

bool CpuRoom(const std::map<int, int>& free_pus_per_numa, int numa, int cpus) {
  auto pus = free_pus_per_numa.find(numa);
  return numa >= 0 && pus != free_pus_per_numa.end() && pus->second >= cpus;
}

// Up to `n` of `members` across the fewest islands (FewestGroups; an island is named by its
// lowest member, so ties go to the lowest GPU index), lowest indices first within an island;
// members of unknown island (-1) after all others, lowest first. With no island known this is
// simply the `n` lowest members.
Positions TakeFewestIslands(const NodeTopology& topology, const Positions& members, size_t n) {
  std::map<int, Positions> by_island;
  Positions unknown;
  for (size_t p : members) {
    int island = topology.gpus[p].island;
    (island >= 0 ? by_island[island] : unknown).push_back(p);
  }
  std::map<int, const Positions*> by_first;
  std::vector<GroupFree> groups;
  for (const auto& [island, free] : by_island) {
    int first = static_cast<int>(free.front());
    by_first[first] = &free;
    groups.push_back({first, static_cast<int>(free.size())});
  }
  Positions taken;
  auto take = [&](const Positions& from) {
    for (size_t p : from) {
      if (taken.size() < n) taken.push_back(p);
    }
  };
  for (int first : FewestGroups(std::move(groups), static_cast<int>(n))) take(*by_first[first]);
  take(unknown);
  return taken;
}

// `count` of `candidates` by NUMA node: all from one NUMA node if one holds them (CPU room for
// the job first, then fewest free, then lowest index), else across the fewest NUMA nodes and
// unknown NUMA last; within a NUMA node, across the fewest islands.
Positions PickByNuma(const NodeTopology& topology, const Positions& candidates, int count,
                     const std::map<int, int>& free_pus_per_numa, int cpus) {
  std::map<int, Positions> by_numa;
  Positions unknown;
  for (size_t p : candidates) {
    int numa = topology.gpus[p].numa;
    (numa >= 0 ? by_numa[numa] : unknown).push_back(p);
  }
  const Positions* single = nullptr;
  std::tuple<bool, size_t, int> best_key;
  for (const auto& [numa, free] : by_numa) {
    if (static_cast<int>(free.size()) < count) continue;
    std::tuple<bool, size_t, int> key{!CpuRoom(free_pus_per_numa, numa, cpus), free.size(), numa};
    if (single == nullptr || key < best_key) {
      single = &free;
      best_key = key;
    }
  }
  if (single != nullptr) return TakeFewestIslands(topology, *single, count);

  std::vector<GroupFree> groups;
  for (const auto& [numa, free] : by_numa) {
    groups.push_back({numa, static_cast<int>(free.size())});
  }
  Positions picked;
  auto take = [&](const Positions& from) {
    Positions part = TakeFewestIslands(topology, from, count - picked.size());
    picked.insert(picked.end(), part.begin(), part.end());
  };
  for (int numa : FewestGroups(std::move(groups), count)) take(by_numa[numa]);
  take(unknown);  // unknown NUMA: last
  return picked;
}

// The island to take all `count` GPUs from: of the known islands with that many free
// (`by_island`), the one whose NUMA node has CPU room for the job, then the fewest free GPUs,
// then (as PickByNuma would) the NUMA node with the fewest free GPUs, then the lowest NUMA
// index, then the lowest GPU index. An island's NUMA node is the one all its free GPUs share
// (-1 if they span several or it is unknown: no CPU room, ranked after known ones).
// nullptr when no island holds `count`.
const Positions* BestIsland(const NodeTopology& topology, const std::map<int, Positions>& by_island,
                            const std::map<int, int>& free_gpus_per_numa, int count,
                            const std::map<int, int>& free_pus_per_numa, int cpus) {
  const Positions* best = nullptr;
  std::tuple<bool, size_t, bool, int, int, size_t> best_key;
  for (const auto& [island, free] : by_island) {
    if (static_cast<int>(free.size()) < count) continue;
    int numa = topology.gpus[free.front()].numa;
    for (size_t p : free) {
      if (topology.gpus[p].numa != numa) numa = -1;
    }
    auto numa_free = free_gpus_per_numa.find(numa);
    std::tuple<bool, size_t, bool, int, int, size_t> key{
        !CpuRoom(free_pus_per_numa, numa, cpus),
        free.size(),
        numa < 0,
        numa_free != free_gpus_per_numa.end() ? numa_free->second : 0,
        numa,
        free.front()};
    if (best == nullptr || key < best_key) {
      best = &free;
      best_key = key;
    }
  }
  return best;
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
  // The free matching GPUs, and the same per known island and counted per known NUMA node.
  Positions free;
  std::map<int, Positions> by_island;
  std::map<int, int> free_gpus_per_numa;
  for (size_t i = 0; i < topology.gpus.size(); ++i) {
    if (!gpu_free[i] || !GpuModelMatches(topology.gpus[i], model)) continue;
    free.push_back(i);
    if (topology.gpus[i].island >= 0) by_island[topology.gpus[i].island].push_back(i);
    if (topology.gpus[i].numa >= 0) ++free_gpus_per_numa[topology.gpus[i].numa];
  }
  if (static_cast<int>(free.size()) < count) return std::nullopt;

  const Positions* island =
      BestIsland(topology, by_island, free_gpus_per_numa, count, free_pus_per_numa, cpus);
  Positions picked =
      PickByNuma(topology, island != nullptr ? *island : free, count, free_pus_per_numa, cpus);
  assert(static_cast<int>(picked.size()) == count);

  GpuPick pick;
  pick.numa = NumaOf(topology, picked);
  for (size_t p : picked) pick.gpus.push_back(topology.gpus[p].index);
  std::sort(pick.gpus.begin(), pick.gpus.end());
  return pick;
}

}  // namespace sharc::policies
