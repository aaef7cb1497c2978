#include <gtest/gtest.h>

#include "agent/energy/attribution.h"

namespace sharc::agent {
namespace {

AttemptId Attempt(int64_t job, int32_t attempt = 1) { return {.job = {job}, .attempt = attempt}; }

// Attributed + idle == total, whatever the inputs.
void ExpectBalanced(const Attribution& result) {
  int64_t attributed = 0;
  for (const auto& [attempt, microjoules] : result.job_microjoules) attributed += microjoules;
  EXPECT_EQ(attributed + result.idle_microjoules, result.total_microjoules);
}

TEST(AttributeTest, SplitsAPackageByCpuTimeOutOfItsCapacity) {
  // One 4-PU package over 1000 ms can give 4 x 1,000,000 = 4,000,000 µs of CPU time.
  IntervalEnergy energy{.interval_ms = 1000,
                        .package_microjoules = {{0, 40'000'000}},  // 40 J
                        .package_cpus = {{0, 4}}};
  std::vector<JobActivity> jobs = {
      {.attempt = Attempt(1), .package_cpu_us = {{0, 2'000'000}}},  // 2 CPUs busy
      {.attempt = Attempt(2), .package_cpu_us = {{0, 1'000'000}}},  // 1 CPU busy
  };
  Attribution result = Attribute(energy, jobs);
  // A: 40 J x 2,000,000 / 4,000,000 = 20 J; B: 40 J x 1,000,000 / 4,000,000 = 10 J;
  // the unused quarter: 10 J idle.
  EXPECT_EQ(result.job_microjoules.at(Attempt(1)), 20'000'000);
  EXPECT_EQ(result.job_microjoules.at(Attempt(2)), 10'000'000);
  EXPECT_EQ(result.idle_microjoules, 10'000'000);
  EXPECT_EQ(result.total_microjoules, 40'000'000);
  EXPECT_EQ(result.job_microjoules.size(), 2u);
}

TEST(AttributeTest, GivesGpusToTheirHoldersAndSpansPackages) {
  // Two 2-PU packages over 500 ms: each can give 2 x 500,000 = 1,000,000 µs.
  IntervalEnergy energy{.interval_ms = 500,
                        .package_microjoules = {{0, 10'000'000}, {1, 20'000'000}},
                        .package_cpus = {{0, 2}, {1, 2}},
                        .gpu_microjoules = {{0, 7'000'000}, {1, 3'000'000}}};
  std::vector<JobActivity> jobs = {
      // A runs on both packages and holds no GPU.
      {.attempt = Attempt(1), .package_cpu_us = {{0, 250'000}, {1, 500'000}}},
      // B runs on package 1 and holds GPU 0; GPU 1 is held by nobody.
      {.attempt = Attempt(2), .package_cpu_us = {{1, 250'000}}, .gpus = {0}},
  };
  Attribution result = Attribute(energy, jobs);
  // A: package 0: 10 J x 250,000 / 1,000,000 = 2.5 J; package 1: 20 J x 500,000 / 1,000,000
  //    = 10 J; 12.5 J in all.
  // B: package 1: 20 J x 250,000 / 1,000,000 = 5 J; GPU 0: 7 J; 12 J in all.
  // Idle: package 0 7.5 J + package 1 5 J + unheld GPU 1 3 J = 15.5 J.
  // Total: 10 + 20 + 7 + 3 = 40 J.
  EXPECT_EQ(result.job_microjoules.at(Attempt(1)), 12'500'000);
  EXPECT_EQ(result.job_microjoules.at(Attempt(2)), 12'000'000);
  EXPECT_EQ(result.idle_microjoules, 15'500'000);
  EXPECT_EQ(result.total_microjoules, 40'000'000);
}

TEST(AttributeTest, RoundsSharesDownAndGivesTheRemainderToIdle) {
  // 100 µJ on a 3-PU package over 1 ms (3,000 µs of capacity), three jobs of 1,000 µs each:
  // each gets floor(100 x 1,000 / 3,000) = floor(33.33) = 33 µJ; idle is the leftover 1 µJ.
  IntervalEnergy energy{
      .interval_ms = 1, .package_microjoules = {{0, 100}}, .package_cpus = {{0, 3}}};
  std::vector<JobActivity> jobs = {
      {.attempt = Attempt(1), .package_cpu_us = {{0, 1000}}},
      {.attempt = Attempt(2), .package_cpu_us = {{0, 1000}}},
      {.attempt = Attempt(3), .package_cpu_us = {{0, 1000}}},
  };
  Attribution result = Attribute(energy, jobs);
  EXPECT_EQ(result.job_microjoules.at(Attempt(1)), 33);
  EXPECT_EQ(result.job_microjoules.at(Attempt(2)), 33);
  EXPECT_EQ(result.job_microjoules.at(Attempt(3)), 33);
  EXPECT_EQ(result.idle_microjoules, 1);
  EXPECT_EQ(result.total_microjoules, 100);
  ExpectBalanced(result);

  // 10 µJ on 1 PU over 1000 ms (1,000,000 µs); 333,333 µs -> floor(3.33333) = 3 µJ, idle 7.
  IntervalEnergy small{
      .interval_ms = 1000, .package_microjoules = {{0, 10}}, .package_cpus = {{0, 1}}};
  result = Attribute(small, {{.attempt = Attempt(4), .package_cpu_us = {{0, 333'333}}}});
  EXPECT_EQ(result.job_microjoules.at(Attempt(4)), 3);
  EXPECT_EQ(result.idle_microjoules, 7);
}

TEST(AttributeTest, CapsCpuTimeBeyondThePackagesCapacity) {
  // A 2-PU package over 1000 ms can give 2,000,000 µs; 8 J.
  IntervalEnergy energy{
      .interval_ms = 1000, .package_microjoules = {{0, 8'000'000}}, .package_cpus = {{0, 2}}};
  // One job measured at 2,500,000 µs (skew): its share is 2,500,000 / 2,500,000 of 8 J, all of
  // it, not 8 J x 2.5 / 2 = 10 J.
  Attribution result =
      Attribute(energy, {{.attempt = Attempt(1), .package_cpu_us = {{0, 2'500'000}}}});
  EXPECT_EQ(result.job_microjoules.at(Attempt(1)), 8'000'000);
  EXPECT_EQ(result.idle_microjoules, 0);
  ExpectBalanced(result);

  // Two jobs adding up to 3,000,000 + 1,000,000 = 4,000,000 µs: the energy is split by their
  // CPU time: A 8 J x 3/4 = 6 J, B 8 J x 1/4 = 2 J, nothing left for idle.
  result = Attribute(energy, {{.attempt = Attempt(1), .package_cpu_us = {{0, 3'000'000}}},
                              {.attempt = Attempt(2), .package_cpu_us = {{0, 1'000'000}}}});
  EXPECT_EQ(result.job_microjoules.at(Attempt(1)), 6'000'000);
  EXPECT_EQ(result.job_microjoules.at(Attempt(2)), 2'000'000);
  EXPECT_EQ(result.idle_microjoules, 0);
  EXPECT_EQ(result.total_microjoules, 8'000'000);
}

TEST(AttributeTest, ComputesLargeFiguresWithoutOverflow) {
  // 9e15 µJ (9 GJ) on a 128-PU package over an hour: capacity 128 x 3,600,000,000 µs
  // = 460,800,000,000 µs. A job using half of it gets 4.5e15 µJ; 9e15 x 2.304e11 ~ 2e27 would
  // overflow 64 bits.
  IntervalEnergy energy{.interval_ms = 3'600'000,
                        .package_microjoules = {{0, 9'000'000'000'000'000}},
                        .package_cpus = {{0, 128}}};
  Attribution result =
      Attribute(energy, {{.attempt = Attempt(1), .package_cpu_us = {{0, 230'400'000'000}}}});
  EXPECT_EQ(result.job_microjoules.at(Attempt(1)), 4'500'000'000'000'000);
  EXPECT_EQ(result.idle_microjoules, 4'500'000'000'000'000);
}

TEST(AttributeTest, ListsIdleJobsAndTreatsUnknownPackagesAsIdle) {
  IntervalEnergy energy{.interval_ms = 1000,
                        .package_microjoules = {{0, 5'000'000}, {1, 6'000'000}},
                        .package_cpus = {{0, 4}}};  // package 1's CPU count is unknown
  std::vector<JobActivity> jobs = {
      {.attempt = Attempt(1), .package_cpu_us = {{1, 1'000'000}}},  // only on package 1
      {.attempt = Attempt(2, 3)},                                   // did nothing
      {.attempt = Attempt(3), .package_cpu_us = {{7, 1'000'000}}},  // a package with no figure
  };
  Attribution result = Attribute(energy, jobs);
  EXPECT_EQ(result.job_microjoules.at(Attempt(1)), 0);
  EXPECT_EQ(result.job_microjoules.at(Attempt(2, 3)), 0);
  EXPECT_EQ(result.job_microjoules.at(Attempt(3)), 0);
  EXPECT_EQ(result.idle_microjoules, 11'000'000);
  EXPECT_EQ(result.total_microjoules, 11'000'000);

  Attribution empty = Attribute(IntervalEnergy{}, {});
  EXPECT_TRUE(empty.job_microjoules.empty());
  EXPECT_EQ(empty.idle_microjoules, 0);
  EXPECT_EQ(empty.total_microjoules, 0);
}

}  // namespace
}  // namespace sharc::agent
