// An index of the schedulable nodes' free capacity, so that a placement visits only nodes that
// might take the job, in the order the profile prefers, and never a full or unsuitable node.
//
// Nodes are grouped into pools of identical labels and GPU models (few in practice: a pool is
// a kind of machine in a rack or partition). Within a pool, nodes are ordered by free PUs and,
// for nodes with GPUs, by free GPUs then free PUs. A query walks only the pools whose labels
// include the job's and (for a GPU job) that have its GPU model, and in each pool only the nodes
// with at least the free PUs (or GPUs) it needs: O(pools x log nodes) plus the nodes visited.
//
// Order of visit:
//   kTightest: least free first (bin-pack: fill nodes up, so whole nodes stay idle);
//   kLoosest:  most free first (spread).
// Ties by node index. A CPU-only job visits pools without GPUs before pools with GPUs (the
// scheduling cycle stops there once it found a node), so it does not take the CPUs that GPU
// jobs need when other nodes can hold it.
#ifndef SHARC_POLICIES_FREE_INDEX_H_
#define SHARC_POLICIES_FREE_INDEX_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace sharc::policies {

enum class NodeOrder { kTightest, kLoosest };

// What a visitor tells the index after seeing a node.
enum class VisitNext { kContinue, kNextPool, kStop };

struct CapacityQuery {
  int pus = 0;
  int gpus = 0;
  std::string_view gpu_model;                                  // "" = any (GPU jobs only)
  const std::map<std::string, std::string>* labels = nullptr;  // must all be on the node
};

class FreeIndex {
 public:
  // The node's pool: its labels and the models of its GPUs (case-insensitive).
  struct PoolKey {
    std::map<std::string, std::string> labels;
    std::vector<std::string> gpu_models;  // distinct, lower case, sorted
    friend auto operator<=>(const PoolKey&, const PoolKey&) = default;
  };

  // Node `index` belongs to `pool` (its labels or hardware changed, or it is new) and has
  // `gpus` GPUs in all.
  void SetPool(size_t index, const PoolKey& pool, int gpus);
  // Puts node `index` under these free counts (schedulable), or takes it out (`schedulable`
  // false). Call on every change of a node's free counts or schedulability.
  // Precondition: SetPool was called for the node.
  void Update(size_t index, bool schedulable, int free_pus, int free_gpus);

  using Visitor = std::function<VisitNext(size_t node_index)>;
  // Calls `visit` for the indexed nodes that have at least query.pus free PUs (and, for a GPU
  // job, query.gpus free GPUs of any model), pool by pool, in the given order within a pool,
  // until it says kStop (kNextPool skips the rest of the current pool). The visitor checks what
  // the index does not (memory, the GPU model's own count).
  void Visit(const CapacityQuery& query, NodeOrder order, const Visitor& visit) const;

  size_t size() const { return indexed_; }
  // Whether pool `pool` (PoolOf) is of nodes with GPUs.
  bool PoolHasGpus(int pool) const { return !pools_[pool].key.gpu_models.empty(); }
  // The pool node `index` is in, or -1 if it is not indexed.
  int PoolOf(size_t index) const {
    return index < entries_.size() && entries_[index].indexed ? entries_[index].pool : -1;
  }

 private:
  struct Pool {
    PoolKey key;
    std::set<std::pair<int, size_t>> by_pus;         // (free PUs, node)
    std::set<std::tuple<int, int, size_t>> by_gpus;  // (free GPUs, free PUs, node)
    int max_gpus = 0;                                // the most GPUs a node of the pool has
  };
  struct Entry {
    int pool = -1;
    bool indexed = false;
    int free_pus = 0;
    int free_gpus = 0;
  };
  int PoolIdOf(const PoolKey& key);
  bool Matches(const Pool& pool, const CapacityQuery& query) const;
  // False when the visitor said kStop.
  bool VisitPool(const Pool& pool, const CapacityQuery& query, NodeOrder order,
                 const Visitor& visit) const;

  std::vector<Pool> pools_;
  std::map<PoolKey, int> pool_ids_;
  std::vector<Entry> entries_;  // by node index
  size_t indexed_ = 0;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_FREE_INDEX_H_
