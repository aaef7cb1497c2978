#include "policies/cpu_picker.h"

#include <algorithm>
#include <cassert>

#include "policies/group_order.h"

namespace sharc::policies {
namespace {

struct CoreState {
  int numa = 0;
  int size = 0;              // all of its PUs
  std::vector<size_t> free;  // positions in topology.pus of its free PUs, by OS index
};

// The NUMA nodes to draw `count` PUs from, in order; see PickCpus.
std::vector<int> ChooseNuma(const std::map<int, int>& free_per_numa, int count,
                            const std::vector<int>& first_numa) {
  std::vector<int> chosen;
  int have = 0;
  for (int numa : first_numa) {
    if (have >= count) break;
    auto it = free_per_numa.find(numa);
    if (it == free_per_numa.end() || it->second == 0) continue;
    if (std::find(chosen.begin(), chosen.end(), numa) != chosen.end()) continue;
    chosen.push_back(numa);
    have += it->second;
  }
  if (have < count) {
    std::vector<GroupFree> others;
    for (const auto& [numa, free] : free_per_numa) {
      if (std::find(chosen.begin(), chosen.end(), numa) == chosen.end()) {
        others.push_back({numa, free});
      }
    }
    for (int numa : FewestGroups(std::move(others), count - have)) chosen.push_back(numa);
  }
  return chosen;
}

}  // namespace

std::map<int, int> FreePusPerNuma(const NodeTopology& topology, const std::vector<bool>& pu_free) {
  assert(pu_free.size() == topology.pus.size());
  std::map<int, int> free;
  for (size_t i = 0; i < topology.pus.size(); ++i) {
    free[topology.pus[i].numa] += pu_free[i] ? 1 : 0;
  }
  return free;
}

std::optional<std::vector<int>> PickCpus(const NodeTopology& topology,
                                         const std::vector<bool>& pu_free, int count,
                                         const std::vector<int>& first_numa) {
  assert(pu_free.size() == topology.pus.size());
  if (count <= 0) return std::vector<int>{};
  std::map<int, int> free_per_numa = FreePusPerNuma(topology, pu_free);
  int total_free = 0;
  for (const auto& [numa, free] : free_per_numa) total_free += free;
  if (total_free < count) return std::nullopt;

  std::vector<int> numa_order = ChooseNuma(free_per_numa, count, first_numa);
  std::map<int, size_t> numa_rank;
  for (size_t r = 0; r < numa_order.size(); ++r) numa_rank[numa_order[r]] = r;

  std::map<int, CoreState> cores;  // by core index
  for (size_t i = 0; i < topology.pus.size(); ++i) {
    const PuInfo& pu = topology.pus[i];
    CoreState& core = cores[pu.core];
    core.numa = pu.numa;
    ++core.size;
    if (pu_free[i]) core.free.push_back(i);
  }
  // The cores with a free PU in the chosen NUMA nodes: by NUMA rank, then core index.
  std::vector<const CoreState*> ordered;
  for (const auto& [index, core] : cores) {
    if (!core.free.empty() && numa_rank.contains(core.numa)) ordered.push_back(&core);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [&](const CoreState* a, const CoreState* b) {
    return numa_rank.at(a->numa) < numa_rank.at(b->numa);
  });

  std::vector<bool> taken(topology.pus.size(), false);
  int need = count;
  auto take = [&](size_t position) {
    if (need > 0 && !taken[position]) {
      taken[position] = true;
      --need;
    }
  };
  auto whole = [](const CoreState* c) { return static_cast<int>(c->free.size()) == c->size; };
  for (const CoreState* core : ordered) {  // 1. whole cores
    if (whole(core) && core->size <= need) {
      for (size_t p : core->free) take(p);
    }
  }
  for (const CoreState* core : ordered) {  // 2. the remainder on partially used cores
    if (!whole(core)) {
      for (size_t p : core->free) take(p);
    }
  }
  for (const CoreState* core : ordered) {  // 3. then break a whole core
    for (size_t p : core->free) take(p);
  }
  assert(need == 0);  // the chosen NUMA nodes hold at least `count` free PUs

  std::vector<int> cpus;
  for (size_t i = 0; i < taken.size(); ++i) {
    if (taken[i]) cpus.push_back(topology.pus[i].os_index);
  }
  std::sort(cpus.begin(), cpus.end());
  return cpus;
}

}  // namespace sharc::policies
