#include "policies/fair_share.h"

#include <algorithm>
#include <cmath>

namespace sharc::policies {

double DominantShare(const Resources& request, const Resources& capacity) {
  double share = 0;
  for (std::string_view resource : {kCpuResource, kMemoryResource, kGpuResource}) {
    int64_t total = capacity.Get(resource);
    if (total > 0) {
      share = std::max(share, static_cast<double>(request.Get(resource)) / total);
    }
  }
  return share;
}

double Decay(double value, int64_t elapsed_ms, int64_t half_life_ms) {
  if (half_life_ms <= 0 || elapsed_ms <= 0) return value;
  return value * std::exp2(-static_cast<double>(elapsed_ms) / half_life_ms);
}

double DecayedHolding(double rate, int64_t start_ms, int64_t now_ms, int64_t half_life_ms) {
  if (now_ms <= start_ms) return 0;
  double held_s = static_cast<double>(now_ms - start_ms) / 1000;
  if (half_life_ms <= 0) return rate * held_s;
  double half_life_s = static_cast<double>(half_life_ms) / 1000;
  // integral over [0, T] of 2^(-a/H) da = H / ln 2 x (1 - 2^(-T/H))
  return rate * half_life_s / std::log(2.0) * (1 - std::exp2(-held_s / half_life_s));
}

double FairShareFactor(double usage, double usage_sum, int64_t share, int64_t shares_sum) {
  if (usage_sum <= 0 || share <= 0 || shares_sum <= 0) return 1;
  double normalized_usage = usage / usage_sum;
  double normalized_share = static_cast<double>(share) / shares_sum;
  return std::exp2(-normalized_usage / normalized_share);
}

}  // namespace sharc::policies
