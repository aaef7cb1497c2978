#include "core/clock_jump.h"

#include <cstdlib>

#include "core/units.h"

namespace sharc {

ClockJumpDetector::ClockJumpDetector(const Clock& clock, std::chrono::milliseconds tolerance)
    : clock_(clock),
      tolerance_(tolerance),
      last_wall_(clock.WallMillis()),
      last_steady_(clock.SteadyNow()) {}

std::optional<std::chrono::milliseconds> ClockJumpDetector::Check() {
  const UnixMillis wall = clock_.WallMillis();
  const SteadyTime steady = clock_.SteadyNow();
  const auto steady_moved =
      std::chrono::duration_cast<std::chrono::milliseconds>(steady - last_steady_);
  const std::chrono::milliseconds jump{(wall - last_wall_) - steady_moved.count()};
  last_wall_ = wall;
  last_steady_ = steady;
  if (std::chrono::abs(jump) <= tolerance_) return std::nullopt;
  return jump;
}

std::string DescribeClockJump(std::chrono::milliseconds jump, UnixMillis now) {
  return std::string("the wall clock jumped ") + (jump.count() > 0 ? "forward" : "back") + " by " +
         FormatDuration(std::chrono::duration_cast<std::chrono::seconds>(std::chrono::abs(jump))) +
         " (now " + FormatRfc3339(now) +
         "): time limits, heartbeats and timeouts are unaffected (they use the monotonic "
         "clock); start and end times stamped around this moment are off by that much";
}

}  // namespace sharc
