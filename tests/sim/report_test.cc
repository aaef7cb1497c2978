#include "sim/report.h"

#include <gtest/gtest.h>

#include <numeric>

#include "tests/sim/report_scenario.h"

namespace sharc::sim {
namespace {

using testing::kMinute;
using testing::Outcome;
using testing::Scenario;

WaitStats Wait(int64_t count, int64_t p50, int64_t p95, int64_t p99, int64_t max) {
  return {count, p50 * kMinute, p95 * kMinute, p99 * kMinute, max * kMinute};
}

TEST(SimNearestRankPercentileTest, IsTheValueAtRankCeilPTimesN) {
  std::vector<int64_t> ten(10);
  std::iota(ten.begin(), ten.end(), 1);           // 1..10
  EXPECT_EQ(NearestRankPercentile(ten, 50), 5);   // rank ceil(5) = 5
  EXPECT_EQ(NearestRankPercentile(ten, 95), 10);  // rank ceil(9.5) = 10
  EXPECT_EQ(NearestRankPercentile(ten, 1), 1);    // rank ceil(0.1) = 1
  std::vector<int64_t> twenty(20);
  std::iota(twenty.begin(), twenty.end(), 1);
  EXPECT_EQ(NearestRankPercentile(twenty, 95), 19);  // rank 19: no interpolation to 19.05
  EXPECT_EQ(NearestRankPercentile(twenty, 99), 20);  // rank ceil(19.8) = 20
  std::vector<int64_t> hundred(100);
  std::iota(hundred.begin(), hundred.end(), 1);
  EXPECT_EQ(NearestRankPercentile(hundred, 99), 99);
  EXPECT_EQ(NearestRankPercentile(hundred, 100), 100);
  EXPECT_EQ(NearestRankPercentile({7}, 50), 7);
  EXPECT_EQ(NearestRankPercentile({1, 2, 3}, 50), 2);  // rank ceil(1.5) = 2
}

TEST(SimSizeClassTest, ClassesByCpusAndGpus) {
  EXPECT_EQ(SizeClass(1, 0), "1");
  EXPECT_EQ(SizeClass(2, 0), "2-4");
  EXPECT_EQ(SizeClass(4, 0), "2-4");
  EXPECT_EQ(SizeClass(5, 0), "5-16");
  EXPECT_EQ(SizeClass(16, 0), "5-16");
  EXPECT_EQ(SizeClass(17, 0), "17+");
  EXPECT_EQ(SizeClass(1, 1), "gpu");
}

TEST(SimComputeReportTest, ScenarioWorkedByHand) {
  SimReport r = ComputeReport(Scenario());
  EXPECT_EQ(r.profile, "fifo");
  EXPECT_EQ(r.jobs, (JobCounts{.total = 5, .completed = 3, .timed_out = 1, .pending = 1}));
  // Makespan: last end 200 - first arrival 0.
  EXPECT_EQ(r.makespan_ms, 200 * kMinute);
  // CPU-minutes: J1 2x100 + J2 3x100 + J3 1x80 + J4 1x100 = 680, of 8 CPUs x 200 = 1600.
  ASSERT_TRUE(r.cpu_utilisation.has_value());
  EXPECT_DOUBLE_EQ(*r.cpu_utilisation, 680.0 / 1600);  // 0.425
  // GPU-minutes: J3 1x80, of 2 GPUs x 200 = 400.
  ASSERT_TRUE(r.gpu_utilisation.has_value());
  EXPECT_DOUBLE_EQ(*r.gpu_utilisation, 0.2);
  // Waits of the started jobs: J1 0, J2 20, J3 40, J4 60 (J5 never started).
  // n = 4: p50 = rank ceil(2) = 2 -> 20; p95 = rank ceil(3.8) = 4 -> 60; p99 rank 4 -> 60.
  EXPECT_EQ(r.wait, Wait(4, 20, 60, 60, 60));
  // Tenant a: [0, 20] -> p50 rank 1 = 0, p95 rank ceil(1.9) = 2 = 20. b: [40, 60]. c: none.
  EXPECT_EQ(r.wait_by_tenant.size(), 3u);
  EXPECT_EQ(r.wait_by_tenant["a"], Wait(2, 0, 20, 20, 20));
  EXPECT_EQ(r.wait_by_tenant["b"], Wait(2, 40, 60, 60, 60));
  EXPECT_EQ(r.wait_by_tenant["c"], WaitStats{});
  // Sizes: J4 "1"; J1 (2 CPUs) and J2 (3) "2-4"; J3 "gpu"; J5 (16) "5-16", never started.
  EXPECT_EQ(r.wait_by_size.size(), 4u);
  EXPECT_EQ(r.wait_by_size["1"], Wait(1, 60, 60, 60, 60));
  EXPECT_EQ(r.wait_by_size["2-4"], Wait(2, 0, 20, 20, 20));
  EXPECT_EQ(r.wait_by_size["5-16"], WaitStats{});
  EXPECT_EQ(r.wait_by_size["gpu"], Wait(1, 40, 40, 40, 40));
  EXPECT_EQ(r.wait_by_size.count("17+"), 0u);
  // Jain: a GPU counts as 8 CPUs / 2 GPUs = 4 CPUs.
  //   a: (2x100 + 3x100) / share 2 = 250; b: (1x80 + 1x100 + 4 x 1x80) / 1 = 500; c: 0.
  //   J = (250 + 500 + 0)^2 / (3 x (250^2 + 500^2)) = 562500 / 937500 = 0.6.
  ASSERT_TRUE(r.jain_fairness.has_value());
  EXPECT_DOUBLE_EQ(*r.jain_fairness, 0.6);
  EXPECT_EQ(r.preemptions, 1);
  EXPECT_EQ(r.jobs_preempted, 1);
  // Powered on: 330 node-minutes = 5.5 h; every node for the makespan: 2 x 200 = 400.
  EXPECT_EQ(r.powered_on_node_ms, 330 * kMinute);
  EXPECT_EQ(r.makespan_node_ms, 400 * kMinute);
}

TEST(SimComputeReportTest, EqualUseByShareIsPerfectlyFair) {
  RunInputs inputs;
  inputs.cluster = {.cpus = 4, .gpus = 0, .nodes = 1};
  // x: a 2x60/2 = 60, b 1x60/1 = 60 -> J = 1. The GPU job counts no CPUs for its GPU here.
  inputs.jobs = {Outcome("a", 2, 0, 0, 0, 60, 60, 0, "COMPLETED"),
                 Outcome("b", 1, 0, 0, 0, 60, 60, 0, "COMPLETED")};
  inputs.tenant_shares = {{"a", 2}};
  SimReport r = ComputeReport(inputs);
  EXPECT_DOUBLE_EQ(*r.jain_fairness, 1.0);
  // One tenant using everything of n = 2: J = 1/2.
  inputs.jobs[1].run_ms = 0;
  EXPECT_DOUBLE_EQ(*ComputeReport(inputs).jain_fairness, 0.5);
}

TEST(SimComputeReportTest, AbsentFigures) {
  RunInputs inputs;
  inputs.cluster = {.cpus = 4, .gpus = 0, .nodes = 1};
  SimReport empty = ComputeReport(inputs);
  EXPECT_EQ(empty.makespan_ms, 0);
  EXPECT_FALSE(empty.cpu_utilisation.has_value());
  EXPECT_FALSE(empty.gpu_utilisation.has_value());
  EXPECT_FALSE(empty.jain_fairness.has_value());
  EXPECT_EQ(empty.wait, WaitStats{});

  // Nothing ran; the simulation stopped at 30 min with the job still pending.
  inputs.jobs = {Outcome("a", 1, 0, 10, -1, -1, 0, 0, "PENDING")};
  inputs.stopped_ms = 30 * kMinute;
  SimReport pending = ComputeReport(inputs);
  EXPECT_EQ(pending.makespan_ms, 20 * kMinute);
  EXPECT_DOUBLE_EQ(*pending.cpu_utilisation, 0.0);
  EXPECT_FALSE(pending.gpu_utilisation.has_value());  // the cluster has no GPUs
  EXPECT_FALSE(pending.jain_fairness.has_value());    // nobody used anything
  EXPECT_EQ(pending.jobs, (JobCounts{.total = 1, .pending = 1}));
}

TEST(SimComputeReportTest, StoppedTimeExtendsTheMakespanForRunningJobs) {
  RunInputs inputs;
  inputs.cluster = {.cpus = 2, .gpus = 0, .nodes = 1};
  // J1 ran 0-10; J2 started at 10 and still runs when the simulation stops at 50.
  inputs.jobs = {Outcome("a", 2, 0, 0, 0, 10, 10, 0, "COMPLETED"),
                 Outcome("a", 2, 0, 0, 10, -1, 40, 0, "RUNNING")};
  inputs.stopped_ms = 50 * kMinute;
  SimReport r = ComputeReport(inputs);
  EXPECT_EQ(r.makespan_ms, 50 * kMinute);
  EXPECT_DOUBLE_EQ(*r.cpu_utilisation, 1.0);  // (2x10 + 2x40) / (2 x 50)
  EXPECT_EQ(r.jobs, (JobCounts{.total = 2, .completed = 1, .running = 1}));
}

}  // namespace
}  // namespace sharc::sim
