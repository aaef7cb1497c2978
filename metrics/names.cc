#include "metrics/names.h"

namespace sharc::metrics {

std::vector<double> LatencyBuckets() {
  std::vector<double> buckets;
  double bound = 0.0001;
  for (int i = 0; i < 18; ++i, bound *= 2) buckets.push_back(bound);
  return buckets;
}

std::vector<double> QueueWaitBuckets() {
  std::vector<double> buckets;
  double bound = 0.01;
  for (int i = 0; i < 11; ++i, bound *= 4) buckets.push_back(bound);
  return buckets;
}

}  // namespace sharc::metrics
