#include "policies/fifo_order.h"

#include <algorithm>

namespace sharc::policies {

void FifoOrder::Sort(std::vector<PendingJob>& jobs, const ClusterSnapshot& /*snapshot*/,
                     UnixMillis /*now*/) const {
  std::stable_sort(jobs.begin(), jobs.end(), [](const PendingJob& a, const PendingJob& b) {
    if (a.submit_time != b.submit_time) return a.submit_time < b.submit_time;
    return a.id < b.id;
  });
}

}  // namespace sharc::policies
