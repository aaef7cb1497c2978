#include "core/clock.h"

#include <gtest/gtest.h>

namespace sharc {
namespace {

TEST(Rfc3339Test, FormatsAndParsesMilliseconds) {
  UnixMillis t = 1'796'018'620'123;  // 2026-11-30T06:03:40.123Z
  EXPECT_EQ(FormatRfc3339(t), "2026-11-30T06:03:40.123Z");
  EXPECT_EQ(*ParseRfc3339("2026-11-30T06:03:40.123Z"), t);
  EXPECT_EQ(*ParseRfc3339("2026-11-30T08:03:40.123+02:00"), t);
  EXPECT_EQ(*ParseRfc3339("2026-11-30"), 1'795'996'800'000);
  EXPECT_FALSE(ParseRfc3339("30/11/2026").ok());
  EXPECT_FALSE(ParseRfc3339("2026-13-01").ok());
  EXPECT_FALSE(ParseRfc3339("2026-11-30T06:03").ok());
}

// Found by fuzzing: sscanf took signs and spaces where digits belong, and offsets went
// unchecked.
TEST(Rfc3339Test, RefusesSignsSpacesAndOffsetsOutOfRange) {
  for (const char* text :
       {"2026-11-30T06:03:40+99:99", "2026-11-30T06:03:40+24:00", "2026-11-30T-1:-5:-9Z",
        "2026-11-30T06:03:40+-1:00", "2026- 1-30", "+026-11-30", "2026-11-30T 6:03:40Z"}) {
    EXPECT_FALSE(ParseRfc3339(text).ok()) << text;
  }
  EXPECT_TRUE(ParseRfc3339("2026-11-30T06:03:40+23:59").ok());
}

TEST(FakeClockTest, MovesOnlyWhenAdvanced) {
  FakeClock clock;
  UnixMillis wall = clock.WallMillis();
  SteadyTime steady = clock.SteadyNow();
  clock.Advance(std::chrono::seconds(5));
  EXPECT_EQ(clock.WallMillis(), wall + 5000);
  EXPECT_EQ(clock.SteadyNow() - steady, std::chrono::seconds(5));
}

}  // namespace
}  // namespace sharc
