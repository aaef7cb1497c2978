// Each tenant's decayed usage (fair_share.h), kept up to date as time passes: every running job
// adds its dominant share (its rate) for as long as it runs, and everything decays with the
// half-life. Pure: time is passed in. Used by the scheduler (which persists what it returns)
// and by sharc-sim.
//
// Usage is accrued exactly between calls for the rates that held over the interval: call
// Advance(now) before a rate changes (a job starts or ends) and before reading.
#ifndef SHARC_POLICIES_USAGE_TRACKER_H_
#define SHARC_POLICIES_USAGE_TRACKER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "core/clock.h"

namespace sharc::policies {

// A tenant's usage as of a time, as the store keeps it.
struct DecayedUsage {
  double value = 0;  // dominant-share seconds
  UnixMillis as_of = 0;
  friend bool operator==(const DecayedUsage&, const DecayedUsage&) = default;
};

class UsageTracker {
 public:
  // half_life_ms 0: usage never decays.
  explicit UsageTracker(int64_t half_life_ms) : half_life_ms_(half_life_ms) {}

  // Usage saved earlier; each value is decayed from its own as_of at the next Advance.
  void Restore(const std::map<std::string, DecayedUsage>& saved);
  // A job of `tenant` starts (+rate) or stops (-rate) holding `rate`. Call Advance first.
  void AddRate(const std::string& tenant, double rate);
  // Decays every tenant's usage to `now` and adds what its running jobs held since the last
  // Advance. Times before the last Advance are ignored (the clock never runs backwards here).
  void Advance(UnixMillis now);

  double UsageOf(std::string_view tenant) const;
  // The usage `tenant` will have at `now` (>= the last Advance), without advancing.
  double UsageAt(std::string_view tenant, UnixMillis now) const;
  // Every tenant's usage as of the last Advance, for the store.
  std::map<std::string, DecayedUsage> Snapshot() const;
  // Only the tenants whose usage or rate changed since the last call, for the store.
  std::map<std::string, DecayedUsage> TakeChanged();

 private:
  struct Entry {
    DecayedUsage usage;
    double rate = 0;  // sum of the dominant shares its running jobs hold
    bool changed = false;
    bool dated = false;  // usage.as_of is a time it accrued to (0 is a time, too: sharc-sim's)
  };
  int64_t half_life_ms_;
  bool advanced_ = false;
  UnixMillis now_ = 0;  // the latest Advance, once advanced_
  std::map<std::string, Entry, std::less<>> tenants_;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_USAGE_TRACKER_H_
