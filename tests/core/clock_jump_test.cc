#include "core/clock_jump.h"

#include <gtest/gtest.h>

namespace sharc {
namespace {

using namespace std::chrono_literals;

TEST(ClockJumpDetectorTest, SeesTheWallClockJumpBothWaysButNotTimePassing) {
  FakeClock clock;
  ClockJumpDetector jumps(clock);
  clock.Advance(10min);  // both clocks move: no jump
  EXPECT_EQ(jumps.Check(), std::nullopt);
  clock.JumpWall(1h);
  clock.Advance(5s);
  EXPECT_EQ(jumps.Check(), std::optional(std::chrono::milliseconds(1h)));
  EXPECT_EQ(jumps.Check(), std::nullopt);  // reported once
  clock.JumpWall(-90s);
  EXPECT_EQ(jumps.Check(), std::optional(std::chrono::milliseconds(-90s)));
  clock.JumpWall(900ms);  // within the tolerance (NTP slews smaller steps)
  EXPECT_EQ(jumps.Check(), std::nullopt);
}

TEST(ClockJumpDetectorTest, TheLogLineSaysWhichWayHowFarAndWhen) {
  std::string line = DescribeClockJump(-std::chrono::milliseconds(90s), 1'800'000'000'000);
  EXPECT_NE(line.find("jumped back by 0:01:30 (now 2027-01-15T08:00:00.000Z)"), std::string::npos)
      << line;
  EXPECT_NE(line.find("time limits, heartbeats and timeouts are unaffected"), std::string::npos);
}

}  // namespace
}  // namespace sharc
