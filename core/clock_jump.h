// Notices the wall clock jumping (an NTP step, `date -s`, a VM resumed after a pause): each
// Check compares how far the wall clock and the steady clock moved since the previous one.
// Timeouts, heartbeats and time limits run on the steady clock and are not affected; what a
// jump shifts is the wall times stamped on records (a job's start and end), so the daemons say
// when it happened. Not thread-safe: one caller.
#ifndef SHARC_CORE_CLOCK_JUMP_H_
#define SHARC_CORE_CLOCK_JUMP_H_

#include <chrono>
#include <optional>
#include <string>

#include "core/clock.h"

namespace sharc {

class ClockJumpDetector {
 public:
  explicit ClockJumpDetector(const Clock& clock,
                             std::chrono::milliseconds tolerance = std::chrono::seconds(1));

  // How far the wall clock moved beyond (or short of, negative) the steady clock since the
  // previous call, if more than the tolerance either way.
  std::optional<std::chrono::milliseconds> Check();

 private:
  const Clock& clock_;
  const std::chrono::milliseconds tolerance_;
  UnixMillis last_wall_;
  SteadyTime last_steady_;
};

// "the wall clock jumped forward by 1:00:00 (now 2026-12-06T01:40:00.000Z): ..." for logs.
std::string DescribeClockJump(std::chrono::milliseconds jump, UnixMillis now);

}  // namespace sharc

#endif  // SHARC_CORE_CLOCK_JUMP_H_
