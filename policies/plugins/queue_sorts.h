// The queue orders. Both put higher priority classes first and, last, older jobs first (then
// lower ids), so that each is a deterministic total order.
//
// "fifo":       priority, then submit time.
// "fair-share": priority, then the fair-share factor (fair_share.h) of the job's enterprise
//               among the enterprises, then of its project among the enterprise's projects
//               (higher first: the tenant furthest below its share goes first), then submit time.
//               Like Slurm's fair tree, the tree is compared level by level: an enterprise's
//               projects never overtake a more deserving enterprise. Jobs an enterprise submits
//               itself compete with its projects as one more child of share 1.
#ifndef SHARC_POLICIES_PLUGINS_QUEUE_SORTS_H_
#define SHARC_POLICIES_PLUGINS_QUEUE_SORTS_H_

#include <map>
#include <string>
#include <utility>

#include "policies/framework.h"

namespace sharc::policies {

class FifoSort final : public QueueSortPlugin {
 public:
  static constexpr std::string_view kName = "fifo";
  std::string_view Name() const override { return kName; }
  void Sort(std::vector<PendingJob>& jobs, size_t limit,
            const CycleContext& context) const override;
};

class FairShareSort final : public QueueSortPlugin {
 public:
  static constexpr std::string_view kName = "fair-share";
  std::string_view Name() const override { return kName; }
  void BeginCycle(const CycleContext& context) override;
  void Sort(std::vector<PendingJob>& jobs, size_t limit,
            const CycleContext& context) const override;

  // (enterprise factor, project factor) of `tenant` in this cycle; (1, 1) if unknown.
  std::pair<double, double> FactorsOf(std::string_view tenant) const;

 private:
  std::map<std::string, std::pair<double, double>, std::less<>> factors_;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PLUGINS_QUEUE_SORTS_H_
