#include "scheduler/node_energy_tracker.h"

#include <gtest/gtest.h>

#include <cstdint>

#include "store/stored_records.h"

namespace sharc::scheduler {
namespace {

constexpr UnixMillis kMinute0 = 1'800'000'000'000;  // a whole minute
static_assert(kMinute0 % kEnergyBucketMillis == 0);

protocol::NodeSample Sample(int64_t cpu_uj, int64_t gpu_uj, int64_t idle_uj,
                            UnixMillis agent_start = 1) {
  protocol::NodeSample s;
  s.agent_start_time = agent_start;
  s.cpu_energy_uj = cpu_uj;
  s.gpu_energy_uj = gpu_uj;
  s.idle_energy_uj = idle_uj;
  s.cpu_energy_source = "rapl";
  s.gpu_energy_source = "nvml";
  return s;
}

TEST(NodeEnergyTrackerTest, AnIntervalIsSplitOverTheMinutesItCoversByTime) {
  NodeEnergyTracker tracker;
  EXPECT_TRUE(tracker.AddSample("n1", kMinute0 + 30'000, Sample(1'000, 500, 100), 4000, 1).empty());
  EXPECT_TRUE(tracker.OpenBuckets().empty()) << "the first sample is only a baseline";
  // 60 s later: 60 J of CPU energy, 12 J of GPU energy, 30 J of it idle; half in each minute.
  std::vector<NodeEnergyBucket> closed =
      tracker.AddSample("n1", kMinute0 + 90'000,
                        Sample(1'000 + 60'000'000, 500 + 12'000'000, 100 + 30'000'000), 4000, 1);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].start, kMinute0);
  EXPECT_EQ(closed[0].node, "n1");
  EXPECT_EQ(closed[0].covered_ms, 30'000);
  EXPECT_EQ(closed[0].cpu_energy_uj, 30'000'000);
  EXPECT_EQ(closed[0].gpu_energy_uj, 6'000'000);
  EXPECT_EQ(closed[0].idle_energy_uj, 15'000'000);
  EXPECT_EQ(closed[0].millicpus, 4000);
  EXPECT_EQ(closed[0].gpus, 1);
  EXPECT_EQ(closed[0].cpu_source, "rapl");
  EXPECT_EQ(closed[0].gpu_source, "nvml");
  std::vector<NodeEnergyBucket> open = tracker.OpenBuckets();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].start, kMinute0 + kEnergyBucketMillis);
  EXPECT_EQ(open[0].covered_ms, 30'000);
  EXPECT_EQ(open[0].cpu_energy_uj, 30'000'000);
}

TEST(NodeEnergyTrackerTest, UnevenSplitsAddUpToTheMicrojoule) {
  NodeEnergyTracker tracker;
  tracker.AddSample("n1", kMinute0 + 59'999, Sample(0, 0, 0), 1000, 0);
  std::vector<NodeEnergyBucket> closed =
      tracker.AddSample("n1", kMinute0 + 60'002, Sample(1'000'001, 0, 7), 1000, 0);
  ASSERT_EQ(closed.size(), 1u);
  std::vector<NodeEnergyBucket> open = tracker.OpenBuckets();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(closed[0].cpu_energy_uj + open[0].cpu_energy_uj, 1'000'001);
  EXPECT_EQ(closed[0].idle_energy_uj + open[0].idle_energy_uj, 7);
  EXPECT_EQ(closed[0].covered_ms + open[0].covered_ms, 3);
}

TEST(NodeEnergyTrackerTest, ANewAgentSessionOrARegistrationIsOnlyABaseline) {
  NodeEnergyTracker tracker;
  tracker.AddSample("n1", kMinute0 + 1'000, Sample(100, 0, 0, /*agent_start=*/1), 1000, 0);
  // The agent restarted: its counters began again from zero.
  tracker.AddSample("n1", kMinute0 + 2'000, Sample(5, 0, 0, /*agent_start=*/2), 1000, 0);
  EXPECT_TRUE(tracker.OpenBuckets().empty());
  tracker.AddSample("n1", kMinute0 + 3'000, Sample(1'005, 0, 0, 2), 1000, 0);
  ASSERT_EQ(tracker.OpenBuckets().size(), 1u);
  EXPECT_EQ(tracker.OpenBuckets()[0].cpu_energy_uj, 1'000);

  tracker.Restart("n1");  // it registered again: the gap is not counted
  tracker.AddSample("n1", kMinute0 + 40'000, Sample(9'005, 0, 0, 2), 1000, 0);
  EXPECT_EQ(tracker.OpenBuckets()[0].cpu_energy_uj, 1'000);
  EXPECT_EQ(tracker.OpenBuckets()[0].covered_ms, 1'000);
}

TEST(NodeEnergyTrackerTest, ACounterThatWentBackwardsCountsNothing) {
  NodeEnergyTracker tracker;
  tracker.AddSample("n1", kMinute0 + 1'000, Sample(100, 0, 50), 1000, 0);
  tracker.AddSample("n1", kMinute0 + 2'000, Sample(90, 0, 50), 1000, 0);
  EXPECT_TRUE(tracker.OpenBuckets().empty());
}

TEST(NodeEnergyTrackerTest, SilentNodesBucketsAreClosedAndNeverReopened) {
  NodeEnergyTracker tracker;
  tracker.AddSample("n1", kMinute0 + 1'000, Sample(0, 0, 0), 1000, 0);
  tracker.AddSample("n1", kMinute0 + 2'000, Sample(1'000, 0, 0), 1000, 0);
  EXPECT_TRUE(tracker.CloseBefore(kMinute0 + 59'000).empty()) << "its minute has not ended";
  std::vector<NodeEnergyBucket> closed = tracker.CloseBefore(kMinute0 + 3 * kEnergyBucketMillis);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].cpu_energy_uj, 1'000);
  // A late sample reaching back into closed minutes only counts from where they end.
  tracker.AddSample("n1", kMinute0 + 3 * kEnergyBucketMillis + 2'000, Sample(1'000 + 3'000, 0, 0),
                    1000, 0);
  std::vector<NodeEnergyBucket> open = tracker.OpenBuckets();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].start, kMinute0 + 3 * kEnergyBucketMillis);
  EXPECT_EQ(open[0].covered_ms, 2'000);
  EXPECT_LT(open[0].cpu_energy_uj, 3'000);
  EXPECT_GT(open[0].cpu_energy_uj, 0);
}

// Every bucket the tracker gives out is one the store takes: a bucket it refuses fails its
// whole commit, and the scheduler exits on a failed commit.
void ExpectStorable(const std::vector<NodeEnergyBucket>& buckets) {
  for (const NodeEnergyBucket& bucket : buckets) {
    StatusOr<std::string> stored = store::EncodeStoredRecord(store::PutNodeEnergy{bucket});
    EXPECT_TRUE(stored.ok()) << "bucket " << bucket.start << " of " << bucket.node << ": "
                             << stored.status().ToString();
  }
}

// An idle node's energy is all idle energy. Rounding each counter's share of a split interval
// down on its own once gave a minute more idle energy than CPU and GPU energy together, which
// the store refuses: the scheduler exited when that minute closed.
TEST(NodeEnergyTrackerTest, AnIdleNodesSplitIntervalNeverHasMoreIdleThanTotalEnergy) {
  NodeEnergyTracker tracker;
  tracker.AddSample("gpu1", kMinute0 + 59'000, Sample(0, 0, 0), 8000, 4);
  std::vector<NodeEnergyBucket> closed =
      tracker.AddSample("gpu1", kMinute0 + 61'000, Sample(1, 1, 2), 8000, 4);
  ASSERT_EQ(closed.size(), 1u);
  std::vector<NodeEnergyBucket> open = tracker.OpenBuckets();
  ASSERT_EQ(open.size(), 1u);
  for (const NodeEnergyBucket& b : {closed[0], open[0]}) {
    EXPECT_LE(b.idle_energy_uj, b.cpu_energy_uj + b.gpu_energy_uj) << "bucket " << b.start;
  }
  EXPECT_EQ(closed[0].idle_energy_uj + open[0].idle_energy_uj, 2) << "nothing lost";
  ExpectStorable(closed);
  ExpectStorable(open);
}

// The decoder checks each sample's counters, not the difference of two: an agent whose idle
// counter grew more than its CPU and GPU counters together gets its idle energy capped.
TEST(NodeEnergyTrackerTest, IdleEnergyGrowingFasterThanTheTotalIsCappedAtIt) {
  NodeEnergyTracker tracker;
  tracker.AddSample("n1", kMinute0 + 1'000, Sample(100, 0, 0), 1000, 0);
  tracker.AddSample("n1", kMinute0 + 2'000, Sample(110, 0, 100), 1000, 0);
  std::vector<NodeEnergyBucket> open = tracker.OpenBuckets();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].cpu_energy_uj, 10);
  EXPECT_EQ(open[0].idle_energy_uj, 10);
  ExpectStorable(open);
}

// A wall clock set back makes the same minute covered again; it stays at most a minute.
TEST(NodeEnergyTrackerTest, AClockSetBackNeverCoversAMinuteMoreThanOnce) {
  NodeEnergyTracker tracker;
  tracker.AddSample("n1", kMinute0 + 1'000, Sample(0, 0, 0), 1000, 0);
  tracker.AddSample("n1", kMinute0 + 59'000, Sample(58, 0, 0), 1000, 0);
  tracker.AddSample("n1", kMinute0 + 2'000, Sample(60, 0, 0), 1000, 0);  // set back
  tracker.AddSample("n1", kMinute0 + 59'500, Sample(118, 0, 0), 1000, 0);
  std::vector<NodeEnergyBucket> closed =
      tracker.AddSample("n1", kMinute0 + 60'500, Sample(119, 0, 0), 1000, 0);
  ASSERT_EQ(closed.size(), 1u);
  EXPECT_EQ(closed[0].covered_ms, kEnergyBucketMillis);
  ExpectStorable(closed);
}

// An interval that lies wholly in minutes already closed (the wall clock was set back past
// them) counts nothing, whatever its counters say.
TEST(NodeEnergyTrackerTest, AnIntervalInsideClosedMinutesCountsNothing) {
  NodeEnergyTracker tracker;
  tracker.AddSample("n1", kMinute0 + 61'000, Sample(0, 0, 0), 1000, 0);
  tracker.AddSample("n1", kMinute0 + 125'000, Sample(0, 0, 0), 1000, 0);  // closes minute 1
  tracker.AddSample("n1", kMinute0 + 10'000, Sample(0, 0, 0), 1000, 0);   // set back
  tracker.AddSample("n1", kMinute0 + 11'000, Sample(int64_t{1} << 62, 0, 0), 1000, 0);
  std::vector<NodeEnergyBucket> open = tracker.OpenBuckets();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].start, kMinute0 + 2 * kEnergyBucketMillis);
  EXPECT_EQ(open[0].cpu_energy_uj, 0);
  ExpectStorable(open);
}

// Counters near the top of their range, from several agent sessions in one minute: sums stop
// at the largest value instead of overflowing.
TEST(NodeEnergyTrackerTest, HugeCountersSaturateInsteadOfOverflowing) {
  NodeEnergyTracker tracker;
  for (UnixMillis session = 1; session <= 3; ++session) {
    UnixMillis t = kMinute0 + session * 10'000;
    tracker.AddSample("n1", t, Sample(0, 0, 0, session), 1000, 1);
    tracker.AddSample("n1", t + 1'000, Sample(INT64_MAX, INT64_MAX, INT64_MAX, session), 1000, 1);
  }
  std::vector<NodeEnergyBucket> open = tracker.OpenBuckets();
  ASSERT_EQ(open.size(), 1u);
  EXPECT_EQ(open[0].cpu_energy_uj, INT64_MAX);
  EXPECT_EQ(open[0].gpu_energy_uj, INT64_MAX);
  EXPECT_EQ(open[0].covered_ms, 3'000);
  ExpectStorable(open);
}

TEST(NodeEnergyTrackerTest, TheLastSampleIsKeptPerNode) {
  NodeEnergyTracker tracker;
  EXPECT_EQ(tracker.LastSample("n1"), nullptr);
  protocol::NodeSample s = Sample(1, 2, 0);
  s.cpu_used_millis = 1500;
  tracker.AddSample("n1", kMinute0, s, 1000, 0);
  ASSERT_NE(tracker.LastSample("n1"), nullptr);
  EXPECT_EQ(tracker.LastSample("n1")->cpu_used_millis, 1500);
  EXPECT_EQ(tracker.LastSample("n2"), nullptr);
}

}  // namespace
}  // namespace sharc::scheduler
