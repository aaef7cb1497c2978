#include "policies/cpu_picker.h"

#include <algorithm>
#include <cassert>

#include "policies/group_order.h"

namespace sharc::policies {
namespace {

struct CoreState {
  int numa = 0;
  int size = 0;  // all of its PUs
  int free = 0;  // its free PUs: free_positions[first_free, first_free + free)
  int first_free = 0;
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
  if (count <= 0) return std::vector<int>{};
  return PickCpus(topology, pu_free, count, first_numa, FreePusPerNuma(topology, pu_free));
}

std::optional<std::vector<int>> PickCpus(const NodeTopology& topology,
                                         const std::vector<bool>& pu_free, int count,
                                         const std::vector<int>& first_numa,
                                         const std::map<int, int>& free_per_numa) {
  assert(pu_free.size() == topology.pus.size());
  if (count <= 0) return std::vector<int>{};
  int total_free = 0;
  for (const auto& [numa, free] : free_per_numa) total_free += free;
  if (total_free < count) return std::nullopt;

  std::vector<int> numa_order = ChooseNuma(free_per_numa, count, first_numa);
  auto rank_of = [&](int numa) -> size_t {
    auto it = std::find(numa_order.begin(), numa_order.end(), numa);
    return static_cast<size_t>(it - numa_order.begin());  // numa_order.size(): not chosen
  };

  // Cores by index (flat arrays, no per-core allocation): their size, NUMA node and free PUs.
  int max_core = 0;
  for (const PuInfo& pu : topology.pus) max_core = std::max(max_core, pu.core);
  std::vector<CoreState> cores(static_cast<size_t>(max_core) + 1);
  std::vector<int> free_offset(cores.size() + 1, 0);
  for (size_t i = 0; i < topology.pus.size(); ++i) {
    CoreState& core = cores[topology.pus[i].core];
    core.numa = topology.pus[i].numa;
    ++core.size;
    if (pu_free[i]) ++free_offset[topology.pus[i].core + 1];
  }
  for (size_t c = 1; c < free_offset.size(); ++c) free_offset[c] += free_offset[c - 1];
  std::vector<size_t> free_positions(static_cast<size_t>(free_offset.back()));
  {
    std::vector<int> fill(free_offset.begin(), free_offset.end() - 1);
    for (size_t i = 0; i < topology.pus.size(); ++i) {
      if (pu_free[i]) free_positions[fill[topology.pus[i].core]++] = i;  // by OS index per core
    }
  }
  for (size_t c = 0; c < cores.size(); ++c) {
    cores[c].first_free = free_offset[c];
    cores[c].free = free_offset[c + 1] - free_offset[c];
  }
  // The cores with a free PU in the chosen NUMA nodes: by NUMA rank, then core index.
  std::vector<const CoreState*> ordered;
  for (const CoreState& core : cores) {
    if (core.free > 0 && rank_of(core.numa) < numa_order.size()) ordered.push_back(&core);
  }
  std::stable_sort(ordered.begin(), ordered.end(), [&](const CoreState* a, const CoreState* b) {
    return rank_of(a->numa) < rank_of(b->numa);
  });

  std::vector<bool> taken(topology.pus.size(), false);
  int need = count;
  auto take = [&](size_t position) {
    if (need > 0 && !taken[position]) {
      taken[position] = true;
      --need;
    }
  };
  auto whole = [](const CoreState* c) { return c->free == c->size; };
  auto take_core = [&](const CoreState* c) {
    for (int k = 0; k < c->free; ++k) take(free_positions[c->first_free + k]);
  };
  for (const CoreState* core : ordered) {  // 1. whole cores
    if (whole(core) && core->size <= need) take_core(core);
  }
  for (const CoreState* core : ordered) {  // 2. the remainder on partially used cores
    if (!whole(core)) take_core(core);
  }
  for (const CoreState* core : ordered) take_core(core);  // 3. then break a whole core
  assert(need == 0);  // the chosen NUMA nodes hold at least `count` free PUs

  std::vector<int> cpus;
  for (size_t i = 0; i < taken.size(); ++i) {
    if (taken[i]) cpus.push_back(topology.pus[i].os_index);
  }
  std::sort(cpus.begin(), cpus.end());
  return cpus;
}

}  // namespace sharc::policies
