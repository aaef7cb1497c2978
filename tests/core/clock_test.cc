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

// timegm rolls impossible dates forward: 2026-02-30 was taken for March 2 and a report covered
// days nobody asked for.
TEST(Rfc3339Test, RefusesDaysAMonthDoesNotHaveAndLeapSeconds) {
  for (const char* text : {"2026-02-29", "2026-02-30", "2026-04-31", "2026-11-31",
                           "2026-12-31T23:59:60Z", "2026-12-32"}) {
    StatusOr<UnixMillis> parsed = ParseRfc3339(text);
    EXPECT_FALSE(parsed.ok()) << text << " read as " << FormatRfc3339(*parsed);
  }
  EXPECT_NE(ParseRfc3339("2026-02-30").status().message().find("no such day"), std::string::npos);
  EXPECT_TRUE(ParseRfc3339("2028-02-29").ok());   // a leap year
  EXPECT_TRUE(ParseRfc3339("2000-02-29").ok());   // divisible by 400
  EXPECT_FALSE(ParseRfc3339("2100-02-29").ok());  // by 100, not 400
  EXPECT_EQ(*ParseRfc3339("2026-04-30T23:59:59Z"), *ParseRfc3339("2026-05-01") - 1000);
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
