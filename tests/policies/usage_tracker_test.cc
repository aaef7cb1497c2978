#include "policies/usage_tracker.h"

#include <gtest/gtest.h>

namespace sharc::policies {
namespace {

constexpr int64_t kNoDecay = 0;
constexpr UnixMillis kUnixNow = 1'800'000'000'000;

TEST(UsageTrackerTest, AccruesRateTimesSecondsWithoutDecay) {
  UsageTracker tracker(kNoDecay);
  tracker.Advance(kUnixNow);
  tracker.AddRate("acme", 0.5);
  tracker.Advance(kUnixNow + 10'000);
  EXPECT_DOUBLE_EQ(tracker.UsageOf("acme"), 5.0);
  EXPECT_DOUBLE_EQ(tracker.UsageAt("acme", kUnixNow + 20'000), 10.0);
  EXPECT_DOUBLE_EQ(tracker.UsageOf("acme"), 5.0);  // UsageAt does not advance
}

// Virtual time (sharc-sim) starts at 0: a job started at time 0 accrues from 0.
TEST(UsageTrackerTest, TimeZeroIsATime) {
  UsageTracker tracker(kNoDecay);
  tracker.Advance(0);
  tracker.AddRate("early", 1.0);
  tracker.Advance(60'000);
  EXPECT_DOUBLE_EQ(tracker.UsageOf("early"), 60.0);
}

// A rate added before any Advance starts at the first Advance, not at the epoch.
TEST(UsageTrackerTest, RatesAddedBeforeTheFirstAdvanceStartThere) {
  UsageTracker tracker(kNoDecay);
  tracker.AddRate("acme", 1.0);
  tracker.Advance(kUnixNow);
  EXPECT_DOUBLE_EQ(tracker.UsageOf("acme"), 0.0);
  tracker.Advance(kUnixNow + 1'000);
  EXPECT_DOUBLE_EQ(tracker.UsageOf("acme"), 1.0);
}

TEST(UsageTrackerTest, RestoredUsageDecaysFromItsOwnTime) {
  const int64_t half_life = 3'600'000;
  UsageTracker tracker(half_life);
  tracker.Restore({{"acme", {100.0, kUnixNow - half_life}}});
  tracker.Advance(kUnixNow);
  EXPECT_DOUBLE_EQ(tracker.UsageOf("acme"), 50.0);
  std::map<std::string, DecayedUsage> changed = tracker.TakeChanged();
  ASSERT_EQ(changed.count("acme"), 1u);
  EXPECT_EQ(changed["acme"].as_of, kUnixNow);
  EXPECT_TRUE(tracker.TakeChanged().empty());
}

}  // namespace
}  // namespace sharc::policies
