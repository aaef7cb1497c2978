// Node scores, 0 (worst) to 100 (best).
//
// "bin-pack": how full the node would be with the job: the mean over CPUs, memory and (on nodes
//             with GPUs) GPUs of the fraction allocated after the placement. Fills nodes up so
//             whole nodes stay idle and can be powered down; a CPU job scores lower on a node
//             whose GPUs stay idle, so GPU nodes are kept for GPU work.
// "spread":   100 minus bin-pack: the emptiest node first. For a CPU job GPUs do not count, so
//             idle GPUs never draw it to a GPU node.
// "topology": how tightly the job fits the node's hardware: 100 when its CPUs fit in one NUMA
//             node and its GPUs (with CPUs beside them) on one NUMA node; 100/k when they need k.
#ifndef SHARC_POLICIES_PLUGINS_NODE_SCORES_H_
#define SHARC_POLICIES_PLUGINS_NODE_SCORES_H_

#include "policies/framework.h"

namespace sharc::policies {

class BinPackScore final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "bin-pack";
  std::string_view Name() const override { return kName; }
  int64_t Score(const PendingJob& job, const NodeView& node,
                const CycleContext& context) const override;
};

class SpreadScore final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "spread";
  std::string_view Name() const override { return kName; }
  int64_t Score(const PendingJob& job, const NodeView& node,
                const CycleContext& context) const override;
};

class TopologyScore final : public ScorePlugin {
 public:
  static constexpr std::string_view kName = "topology";
  std::string_view Name() const override { return kName; }
  int64_t Score(const PendingJob& job, const NodeView& node,
                const CycleContext& context) const override;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PLUGINS_NODE_SCORES_H_
