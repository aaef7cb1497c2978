#include "policies/plugins/node_scores.h"

#include <algorithm>
#include <functional>
#include <map>

#include "policies/gpu_picker.h"

namespace sharc::policies {
namespace {

// Per mille of `total` that would be taken once `more` is taken too.
int64_t FilledPerMille(int64_t total, int64_t free, int64_t more) {
  if (total <= 0) return 0;
  int64_t taken = std::clamp<int64_t>(total - free + more, 0, total);
  return taken * 1000 / total;
}

// 0..100: the mean fullness of the node's CPUs, memory and, if `gpus`, GPUs with the job on it.
int64_t FullnessAfter(const PendingJob& job, const NodeView& node, bool gpus) {
  const NodeTopology& t = *node.topology;
  int64_t sum = FilledPerMille(static_cast<int64_t>(t.pus.size()), node.free_pus, job.spec->cpus) +
                FilledPerMille(t.memory_bytes, node.memory_free, job.spec->memory_bytes);
  int64_t parts = 2;
  if (gpus && !t.gpus.empty()) {
    sum += FilledPerMille(static_cast<int64_t>(t.gpus.size()), node.free_gpus, job.spec->gpus);
    ++parts;
  }
  return sum / parts / 10;  // 0..100
}

}  // namespace

int64_t BinPackScore::Score(const PendingJob& job, const NodeView& node,
                            const CycleContext& /*context*/) const {
  return FullnessAfter(job, node, /*gpus=*/true);
}

int64_t SpreadScore::Score(const PendingJob& job, const NodeView& node,
                           const CycleContext& /*context*/) const {
  // A CPU job's spread ignores GPUs: idle GPUs must not draw it to a GPU node.
  return 100 - FullnessAfter(job, node, /*gpus=*/job.spec->gpus > 0);
}

int64_t TopologyScore::Score(const PendingJob& job, const NodeView& node,
                             const CycleContext& /*context*/) const {
  const JobSpec& spec = *job.spec;
  const std::vector<std::pair<int, int>>& per_numa = node.free_pus_by_numa;
  if (spec.gpus > 0) {
    std::map<int, int> free_pus(per_numa.begin(), per_numa.end());
    std::optional<GpuPick> pick =
        PickGpus(*node.topology, node.gpu_free, spec.gpus, spec.gpu_model, free_pus, spec.cpus);
    if (!pick) return 0;
    size_t spans = std::max<size_t>(1, pick->numa.size());
    // CPUs beside the GPUs: the picked NUMA nodes should hold the job's CPUs too.
    int beside = 0;
    for (int numa : pick->numa) beside += free_pus[numa];
    if (beside < spec.cpus) ++spans;
    return static_cast<int64_t>(100 / spans);
  }
  // How many NUMA nodes the CPUs need, the fullest-free first (FewestGroups's count).
  int most = 0;
  for (const auto& [numa, free] : per_numa) most = std::max(most, free);
  if (most >= spec.cpus) return 100;
  std::vector<int> frees;
  for (const auto& [numa, free] : per_numa) frees.push_back(free);
  std::sort(frees.begin(), frees.end(), std::greater<int>());
  int64_t spans = 0;
  for (int need = spec.cpus; need > 0 && spans < static_cast<int64_t>(frees.size()); ++spans) {
    need -= frees[spans];
  }
  return 100 / std::max<int64_t>(1, spans);
}

}  // namespace sharc::policies
