#include "policies/usage_tracker.h"

#include "policies/fair_share.h"

namespace sharc::policies {

void UsageTracker::Restore(const std::map<std::string, DecayedUsage>& saved) {
  for (const auto& [tenant, usage] : saved) tenants_[tenant].usage = usage;
}

void UsageTracker::AddRate(const std::string& tenant, double rate) {
  Entry& entry = tenants_[tenant];
  if (entry.usage.as_of == 0) entry.usage.as_of = now_;  // new: accrues from the last Advance
  entry.rate += rate;
  if (entry.rate < 1e-12) entry.rate = 0;  // rounding after the last job ends
  entry.changed = true;
}

void UsageTracker::Advance(UnixMillis now) {
  if (now > now_) now_ = now;
  for (auto& [tenant, entry] : tenants_) {
    DecayedUsage& u = entry.usage;
    if (now <= u.as_of) continue;
    if (u.as_of == 0) {  // never advanced: starts now
      u.as_of = now;
      continue;
    }
    double before = u.value;
    u.value = Decay(u.value, now - u.as_of, half_life_ms_) +
              DecayedHolding(entry.rate, u.as_of, now, half_life_ms_);
    u.as_of = now;
    if (u.value != before) entry.changed = true;
  }
}

double UsageTracker::UsageOf(std::string_view tenant) const {
  auto it = tenants_.find(tenant);
  return it == tenants_.end() ? 0 : it->second.usage.value;
}

double UsageTracker::UsageAt(std::string_view tenant, UnixMillis now) const {
  auto it = tenants_.find(tenant);
  if (it == tenants_.end()) return 0;
  const DecayedUsage& u = it->second.usage;
  if (u.as_of == 0 || now <= u.as_of) return u.value;
  return Decay(u.value, now - u.as_of, half_life_ms_) +
         DecayedHolding(it->second.rate, u.as_of, now, half_life_ms_);
}

std::map<std::string, DecayedUsage> UsageTracker::Snapshot() const {
  std::map<std::string, DecayedUsage> out;
  for (const auto& [tenant, entry] : tenants_) out[tenant] = entry.usage;
  return out;
}

std::map<std::string, DecayedUsage> UsageTracker::TakeChanged() {
  std::map<std::string, DecayedUsage> out;
  for (auto& [tenant, entry] : tenants_) {
    if (!entry.changed) continue;
    out[tenant] = entry.usage;
    entry.changed = false;
  }
  return out;
}

}  // namespace sharc::policies
