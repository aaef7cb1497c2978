#include "core/resources.h"

#include <gtest/gtest.h>

namespace sharc {
namespace {

TEST(ResourcesTest, AbsentEntriesAreZeroAndZeroEntriesAreNotStored) {
  Resources r{{"cpu", 2000}, {"gpu", 0}};
  EXPECT_EQ(r.Get("cpu"), 2000);
  EXPECT_EQ(r.Get("memory"), 0);
  EXPECT_EQ(r, (Resources{{"cpu", 2000}}));
  r.Set("cpu", 0);
  EXPECT_TRUE(r.empty());
}

TEST(ResourcesTest, AddReportsOverflowAndLeavesValueUnchanged) {
  Resources a{{"memory", INT64_MAX - 1}, {"cpu", 1}};
  Resources before = a;
  EXPECT_FALSE(a.Add(Resources{{"memory", 2}, {"cpu", 1}}).ok());
  EXPECT_EQ(a, before);
  ASSERT_TRUE(a.Add(Resources{{"memory", 1}, {"gpu", 2}}).ok());
  EXPECT_EQ(a.Get("memory"), INT64_MAX);
  EXPECT_EQ(a.Get("gpu"), 2);
}

TEST(ResourcesTest, SubtractClampsAndReportsInconsistency) {
  Resources a{{"cpu", 1000}};
  EXPECT_TRUE(a.Subtract(Resources{{"cpu", 400}}));
  EXPECT_EQ(a.Get("cpu"), 600);
  EXPECT_FALSE(a.Subtract(Resources{{"cpu", 700}, {"gpu", 1}}));
  EXPECT_TRUE(a.empty());
}

TEST(ResourcesTest, FitsWithinComparesEveryEntry) {
  Resources capacity{{"cpu", 4000}, {"memory", 1 << 30}, {"gpu", 2}, {"gpu/H100", 2}};
  EXPECT_TRUE((Resources{{"cpu", 4000}, {"gpu/H100", 1}}).FitsWithin(capacity));
  EXPECT_FALSE((Resources{{"gpu/A100", 1}}).FitsWithin(capacity));  // absent capacity = 0
  EXPECT_FALSE((Resources{{"cpu", 4001}}).FitsWithin(capacity));
  EXPECT_TRUE(Resources().FitsWithin(Resources()));
}

TEST(ResourceLimitsTest, AbsentMeansUnlimited) {
  ResourceLimits limits{{"gpu", 2}};
  EXPECT_FALSE(limits.Get("cpu").has_value());
  EXPECT_EQ(limits.FirstExceeded(Resources{{"cpu", 1'000'000}, {"gpu", 2}}), std::nullopt);
  EXPECT_EQ(limits.FirstExceeded(Resources{{"gpu", 3}}), "gpu");
  limits.Set("cpu", 0);  // an explicit zero is a limit, not "unlimited"
  EXPECT_EQ(limits.FirstExceeded(Resources{{"cpu", 1}}), "cpu");
  limits.Clear("cpu");
  EXPECT_EQ(limits.FirstExceeded(Resources{{"cpu", 1}}), std::nullopt);
}

}  // namespace
}  // namespace sharc
