#include "policies/usage_tracker.h"

#include "policies/fair_share.h"

namespace sharc::policies {

void UsageTracker::Restore(const std::map<std::string, DecayedUsage>& saved) {
  for (const auto& [tenant, usage] : saved) {
    Entry& entry = tenants_[tenant];
    entry.usage = usage;
    entry.dated = true;
  }
}

void UsageTracker::AddRate(const std::string& tenant, double rate) {
  Entry& entry = tenants_[tenant];
  if (!entry.dated && advanced_) {  // new: accrues from the last Advance
    entry.usage.as_of = now_;
    entry.dated = true;
  }
  entry.rate += rate;
  if (entry.rate < 1e-12) entry.rate = 0;  // rounding after the last job ends
  entry.changed = true;
}

void UsageTracker::Advance(UnixMillis now) {
  if (!advanced_ || now > now_) now_ = now;
  advanced_ = true;
  for (auto& [tenant, entry] : tenants_) {
    DecayedUsage& u = entry.usage;
    if (!entry.dated) {  // rates added before the first Advance: they start now
      u.as_of = now;
      entry.dated = true;
      continue;
    }
    if (now <= u.as_of) continue;
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
  if (!it->second.dated || now <= u.as_of) return u.value;
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
