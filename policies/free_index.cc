#include "policies/free_index.h"

#include <algorithm>
#include <cassert>
#include <optional>

namespace sharc::policies {
namespace {

bool EqualsIgnoringCase(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; };
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [&](char x, char y) { return lower(x) == lower(y); });
}

// Walks [first, last) of an ordered set forwards (kTightest) or backwards; `node_of` gives an
// entry's node. False when the visitor said kStop; `next_pool` is set when it said kNextPool.
template <typename Iterator, typename NodeOf>
bool Walk(Iterator first, Iterator last, NodeOrder order, NodeOf node_of,
          const FreeIndex::Visitor& visit, bool& next_pool) {
  auto step = [&](const auto& entry) {
    VisitNext next = visit(node_of(entry));
    if (next == VisitNext::kNextPool) next_pool = true;
    return next == VisitNext::kContinue;
  };
  if (order == NodeOrder::kTightest) {
    for (auto it = first; it != last; ++it) {
      if (!step(*it)) return next_pool;
    }
    return true;
  }
  for (auto it = last; it != first;) {
    if (!step(*--it)) return next_pool;
  }
  return true;
}

}  // namespace

int FreeIndex::PoolIdOf(const PoolKey& key) {
  auto [it, added] = pool_ids_.try_emplace(key, static_cast<int>(pools_.size()));
  if (added) pools_.push_back(Pool{key, {}, {}});
  return it->second;
}

void FreeIndex::SetPool(size_t index, const PoolKey& pool, int gpus) {
  if (index >= entries_.size()) entries_.resize(index + 1);
  Entry& entry = entries_[index];
  bool was_indexed = entry.indexed;
  if (was_indexed) Update(index, false, 0, 0);
  entry.pool = PoolIdOf(pool);
  pools_[entry.pool].max_gpus = std::max(pools_[entry.pool].max_gpus, gpus);
  if (was_indexed) Update(index, true, entry.free_pus, entry.free_gpus);
}

void FreeIndex::Update(size_t index, bool schedulable, int free_pus, int free_gpus) {
  Entry& entry = entries_[index];
  assert(entry.pool >= 0);
  Pool& pool = pools_[entry.pool];
  if (entry.indexed) {
    if (schedulable && entry.free_pus == free_pus && entry.free_gpus == free_gpus) return;
    pool.by_pus.erase({entry.free_pus, index});
    pool.by_gpus.erase({entry.free_gpus, entry.free_pus, index});
    entry.indexed = false;
    --indexed_;
  }
  if (!schedulable) return;
  entry.free_pus = free_pus;
  entry.free_gpus = free_gpus;
  entry.indexed = true;
  pool.by_pus.insert({free_pus, index});
  if (!pool.key.gpu_models.empty()) pool.by_gpus.insert({free_gpus, free_pus, index});
  ++indexed_;
}

bool FreeIndex::Matches(const Pool& pool, const CapacityQuery& query) const {
  if (query.labels != nullptr) {
    for (const auto& [key, value] : *query.labels) {
      auto it = pool.key.labels.find(key);
      if (it == pool.key.labels.end() || it->second != value) return false;
    }
  }
  if (query.gpus <= 0) return true;
  if (pool.key.gpu_models.empty()) return false;
  if (query.gpu_model.empty()) return true;
  return std::any_of(pool.key.gpu_models.begin(), pool.key.gpu_models.end(),
                     [&](const std::string& m) { return EqualsIgnoringCase(m, query.gpu_model); });
}

bool FreeIndex::VisitPool(const Pool& pool, const CapacityQuery& query, NodeOrder order,
                          const Visitor& visit) const {
  bool next_pool = false;
  if (query.gpus > 0) {
    // One range per count of free GPUs, each starting at the nodes with enough free PUs, so
    // that nodes with free GPUs but too few free PUs are never walked.
    auto node_of = [](const std::tuple<int, int, size_t>& e) { return std::get<2>(e); };
    auto range = [&](int gpus) {
      return std::make_pair(pool.by_gpus.lower_bound({gpus, query.pus, 0}),
                            pool.by_gpus.lower_bound({gpus + 1, 0, 0}));
    };
    for (int i = 0; i <= pool.max_gpus - query.gpus; ++i) {
      int gpus = order == NodeOrder::kTightest ? query.gpus + i : pool.max_gpus - i;
      auto [first, last] = range(gpus);
      if (!Walk(first, last, order, node_of, visit, next_pool)) return false;
      if (next_pool) return true;
    }
    return true;
  }
  auto node_of = [](const std::pair<int, size_t>& e) { return e.second; };
  return Walk(pool.by_pus.lower_bound({query.pus, 0}), pool.by_pus.end(), order, node_of, visit,
              next_pool);
}

void FreeIndex::Visit(const CapacityQuery& query, NodeOrder order, const Visitor& visit) const {
  // A CPU-only job: pools without GPUs first. Pools keep their creation order otherwise, so the
  // visit is deterministic.
  for (int pass = 0; pass < 2; ++pass) {
    bool gpu_pools = pass == 1;
    if (query.gpus > 0 && !gpu_pools) continue;
    for (const Pool& pool : pools_) {
      if (query.gpus == 0 && pool.key.gpu_models.empty() == gpu_pools) continue;
      if (!Matches(pool, query)) continue;
      if (!VisitPool(pool, query, order, visit)) return;
    }
  }
}

}  // namespace sharc::policies
