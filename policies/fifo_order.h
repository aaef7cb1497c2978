// Queue order "fifo": the oldest submission first; equal submit times by job id.
#ifndef SHARC_POLICIES_FIFO_ORDER_H_
#define SHARC_POLICIES_FIFO_ORDER_H_

#include "policies/policy.h"

namespace sharc::policies {

// Stateless; safe to share between threads.
class FifoOrder final : public QueueOrder {
 public:
  static constexpr std::string_view kName = "fifo";

  std::string_view name() const override { return kName; }
  // By (submit_time, id) ascending; ignores the snapshot and `now`. Stable, so even duplicate
  // (submit_time, id) pairs keep a deterministic order.
  void Sort(std::vector<PendingJob>& jobs, const ClusterSnapshot& snapshot,
            UnixMillis now) const override;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_FIFO_ORDER_H_
