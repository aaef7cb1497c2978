// Time, injected. Wall time (Unix milliseconds) stamps records people read; steady time
// measures intervals (heartbeat ages, timeouts) and never jumps. Tests use FakeClock and
// never sleep.
#ifndef SHARC_CORE_CLOCK_H_
#define SHARC_CORE_CLOCK_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sharc {

// Milliseconds since the Unix epoch, UTC.
using UnixMillis = int64_t;
using SteadyTime = std::chrono::steady_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  virtual UnixMillis WallMillis() const = 0;
  virtual SteadyTime SteadyNow() const = 0;
};

// The real clocks. Thread-safe.
class SystemClock final : public Clock {
 public:
  UnixMillis WallMillis() const override;
  SteadyTime SteadyNow() const override;
};

// A clock that moves only when told to. Thread-safe; both clocks advance together.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(UnixMillis wall_start = 1'800'000'000'000) : wall_(wall_start) {}
  UnixMillis WallMillis() const override { return wall_.load(); }
  SteadyTime SteadyNow() const override { return SteadyTime(std::chrono::milliseconds(steady_)); }
  void Advance(std::chrono::milliseconds by) {
    wall_ += by.count();
    steady_ += by.count();
  }
  // The wall clock alone, as an NTP step or `date -s` moves it.
  void JumpWall(std::chrono::milliseconds by) { wall_ += by.count(); }

 private:
  std::atomic<UnixMillis> wall_;
  std::atomic<int64_t> steady_{1'000'000};
};

// "2026-11-30T06:03:40.123Z".
std::string FormatRfc3339(UnixMillis t);
// 9999-12-31T23:59:59.999Z: the last time FormatRfc3339's four-digit year can carry.
inline constexpr UnixMillis kMaxRfc3339Millis = 253'402'300'799'999;

// Parses "2026-11-30T06:03:40.123Z", "2026-11-30T06:03:40Z", "2026-11-30T06:03:40+02:00" and
// a bare date "2026-11-30" (midnight UTC).
StatusOr<UnixMillis> ParseRfc3339(std::string_view text);

}  // namespace sharc

#endif  // SHARC_CORE_CLOCK_H_
