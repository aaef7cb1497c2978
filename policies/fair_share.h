// Fair-share arithmetic: usage that decays with a half-life, and the factor that orders tenants
// by how much they used against what they are entitled to.
//
// Usage is counted in dominant-share seconds: a job holding the fraction f_r of the cluster's
// resource r (CPUs, memory, GPUs) for t seconds adds max_r(f_r) x t, so an hour of one GPU out
// of 8 weighs as much as an hour of 12 CPUs out of 96: the scarce resource counts. Usage decays
// by half every half-life, continuously.
//
// The factor is Slurm's classic multifactor formula at one level of the tenant tree:
//   F = 2^(-(U / sum U) / (S / sum S))
// over a tenant and its siblings, with U their decayed usage and S their shares. F is in (0, 1]:
// 1 for a tenant that used nothing (or when no sibling used anything), 0.5 for one that used
// exactly its share, less the more it used beyond it.
#ifndef SHARC_POLICIES_FAIR_SHARE_H_
#define SHARC_POLICIES_FAIR_SHARE_H_

#include <cstdint>

#include "core/resources.h"

namespace sharc::policies {

// max over cpu, memory and gpu of request / capacity (resources the cluster lacks are skipped).
double DominantShare(const Resources& request, const Resources& capacity);

// `value` decayed over `elapsed_ms`: value x 2^(-elapsed / half_life). No decay when half_life_ms
// is 0 or elapsed is not positive.
double Decay(double value, int64_t elapsed_ms, int64_t half_life_ms);

// What holding `rate` (a dominant share) from `start_ms` to `now_ms` adds to usage as of now,
// each moment decayed by its age: the integral of rate x 2^(-(now - t) / H) dt, in seconds.
// Without decay (half_life 0), rate x (now - start).
double DecayedHolding(double rate, int64_t start_ms, int64_t now_ms, int64_t half_life_ms);

// The factor above. `share` and `shares_sum` > 0.
double FairShareFactor(double usage, double usage_sum, int64_t share, int64_t shares_sum);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_FAIR_SHARE_H_
