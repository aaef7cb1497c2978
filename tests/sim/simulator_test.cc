// Tests of the simulation loop (sim/simulator.h) on small hand-worked runs, plus determinism
// and errors.
//
// The rules the hand-worked tables rely on (sim/simulator.h, policies/scheduling_cycle.h,
// policies/plugins/backfill.h, policies/plugins/queue_sorts.h, policies/registry.cc):
//  - Cycles. At each moment every event is applied first (arrivals, ends, stops), then one cycle
//    runs. If resources were freed it is a full cycle (every pending job, reservations made
//    anew), since every event here is minutes after the last full cycle (full_cycle_interval is
//    1 s); otherwise it looks at the new arrivals only and keeps the last full cycle's
//    reservations, and if it left a job without room (RESOURCES) a full cycle follows at once
//    (the interval being over), which gives that job its reservation.
//  - A job runs for min(runtime, time limit) from its start; past its limit it is TIMEOUT.
//  - "fifo": queue by priority, then submit time, then id; first-fit over the nodes in order;
//    no reservations and no "reservations" filter, so any later job that fits starts (a large
//    blocked job can be overtaken indefinitely).
//  - "default": fair-share order (equal factors fall back to submit time, then id); EASY
//    backfill: in a full cycle a blocked job gets a reservation at the earliest time some node
//    could hold it for its whole time limit, counting the running jobs' time limits (not their
//    real runtimes); another job may take the reserved CPUs only if its start + time limit is at
//    or before the reservation's start.
//
// Scenario 1 (tables in minutes). Two nodes of 4 CPUs (A, B; 16 GiB each); every job asks for
// 1 GiB, so memory never binds. Tenant b has J1, tenant a the others (shares 1); a's and b's jobs
// are pending together only at 0, before anyone used anything, so fair share orders a's jobs
// among themselves only: by submit time.
//
//   job  tenant cpus arrival runtime limit
//   J1   b      4    0       100     120
//   J2   a      2    0       40      60
//   J3   a      2    0       20      30
//   J4   a      4    20      30      60     the large job
//   J5   a      2    30      50      60     would delay J4 under default
//   J6   a      1    30      20      15     overruns its limit; ends before J4's reservation
//
// Under "default":
//   t=0   arrival cycle: J1 -> A, J2 -> B, J3 -> B (cluster full).
//   t=20  J3 ends, J4 arrives: full cycle. J4 (4 CPUs) finds no node; reservation at the
//         earliest time counted from limits: B at 60 (J2's limit; A only at 120).
//   t=30  arrival cycle (J4's reservation kept): J5 would end at 90 > 60 on B's reserved CPUs:
//         refused (PRIORITY). J6 would end at 45 <= 60: starts on B.
//   t=40  J2 ends: full cycle. J4 still finds no node (J6 holds 1 CPU of B); reservation B at 45
//         (J6's limit). J5 would end at 100 > 45: refused; reserved B at 105.
//   t=45  J6 is killed at its limit (TIMEOUT): J4 starts on B; J5 reserved B at 105.
//   t=75  J4 ends: J5 starts on B.  t=100 J1 ends.  t=125 J5 ends.
// Under "fifo":
//   t=0   J1 -> A, J2 -> B, J3 -> B.   t=20 J3 ends; J4 finds no node and just waits.
//   t=30  J5 starts on B (2 CPUs free); J6 finds no room.
//   t=40  J2 ends: J4 (first in the queue) finds only 2 free CPUs; J6 starts on B.
//   t=55  J6 TIMEOUT; J4 still does not fit.   t=80 J5 ends: J4 starts.
//   t=100 J1 ends.   t=110 J4 ends.
//
//         default                          fifo
//   job   start end  run  wait state       start end  run  wait state
//   J1    0     100  100  0    COMPLETED   0     100  100  0    COMPLETED
//   J2    0     40   40   0    COMPLETED   0     40   40   0    COMPLETED
//   J3    0     20   20   0    COMPLETED   0     20   20   0    COMPLETED
//   J4    45    75   30   25   COMPLETED   80    110  30   60   COMPLETED
//   J5    75    125  50   45   COMPLETED   30    80   50   0    COMPLETED
//   J6    30    45   15   0    TIMEOUT     40    55   15   10   TIMEOUT
//
// Report figures:
//   makespan: default 125, fifo 110 (first arrival 0, last end).
//   CPU time: 4x100 + 2x40 + 2x20 + 4x30 + 2x50 + 1x15 = 755 CPU-minutes under both, so
//     utilisation 755 / (8 x 125) = 0.755 (default) and 755 / (8 x 110) = 0.8579.. (fifo).
//   waits (nearest rank over 6): default 0,0,0,0,25,45: p50 (rank 3) 0, p95 (rank 6) 45, max 45;
//     fifo 0,0,0,0,10,60: p50 0, p95 60, max 60. Size class "1" (J6 alone): 0 vs 10.
//   Jain over tenants (shares 1): a 355, b 400 CPU-minutes under both: 755^2 / (2 x (355^2 +
//     400^2)) = 570025 / 572050.
//   powered on: A 0-100 under both; B busy without a gap 0-125 (default; at 45 and 75 a job ends
//     and the next starts at once, so B is idle for no time) or 0-110 (fifo): 225 and 210
//     node-minutes (3.75 and 3.5 node-hours).
#include "sim/simulator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "scheduler/scheduling_config.h"
#include "sim/cluster_spec.h"
#include "sim/generator.h"
#include "sim/report.h"
#include "sim/report_render.h"
#include "tests/testing/status_macros.h"

namespace sharc::sim {
namespace {

constexpr int64_t kSecond = 1000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kGiB = 1LL << 30;

// Two nodes of 4 CPUs and 16 GiB: A and B of the tables ("n1", "n2").
std::vector<NodeInventory> TwoSmallNodes() {
  StatusOr<std::vector<NodeInventory>> nodes = ParseClusterSpec(
      R"({"nodes": [{"name": "n", "count": 2,
                     "synthetic": "pack:1 numa:1(memory=16GiB) core:4 pu:1"}]})",
      "cluster.json", "");
  EXPECT_OK(nodes);
  return nodes.ok() ? *nodes : std::vector<NodeInventory>{};
}

// What sim/main.cc passes for `profile` without --config: the scheduler's defaults.
SimulationOptions OptionsFor(const std::string& profile) {
  scheduler::SchedulingConfig scheduling;
  SimulationOptions options;
  options.profile = scheduling.profiles.at(profile);
  options.priority_classes = scheduling.priority_classes;
  options.default_priority_class = scheduling.default_priority_class;
  options.fair_share_half_life_ms = scheduling.fair_share_half_life.count();
  options.queue_depth = scheduling.queue_depth;
  options.full_cycle_interval_ms = scheduling.full_cycle_interval.count();
  return options;
}

// A job of 1 GiB; times in minutes.
WorkloadJob Job(std::string tenant, int32_t cpus, int64_t arrival_min, int64_t runtime_min,
                int64_t limit_min, std::string priority = "") {
  WorkloadJob job;
  job.arrival_ms = arrival_min * kMinute;
  job.tenant = std::move(tenant);
  job.cpus = cpus;
  job.memory_bytes = kGiB;
  job.runtime_ms = runtime_min * kMinute;
  job.time_limit_s = limit_min * 60;
  job.priority = std::move(priority);
  return job;
}

// Scenario 1 (see the top of the file).
std::vector<WorkloadJob> LargeJobBehindSmallOnes() {
  return {Job("b", 4, 0, 100, 120), Job("a", 2, 0, 40, 60),  Job("a", 2, 0, 20, 30),
          Job("a", 4, 20, 30, 60),  Job("a", 2, 30, 50, 60), Job("a", 1, 30, 20, 15)};
}

// One row of a table, in milliseconds.
struct Expected {
  int64_t first_start_ms;
  int64_t end_ms;
  int64_t run_ms;
  int32_t preemptions;
  std::string final_state;
};

Expected Minutes(int64_t start, int64_t end, int64_t run, std::string state) {
  return {start * kMinute, end * kMinute, run * kMinute, 0, std::move(state)};
}

void ExpectJobs(const RunInputs& run, const std::vector<Expected>& expected) {
  ASSERT_EQ(run.jobs.size(), expected.size());
  for (size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("J" + std::to_string(i + 1));
    const JobOutcome& job = run.jobs[i];
    EXPECT_EQ(job.first_start_ms, expected[i].first_start_ms);
    EXPECT_EQ(job.end_ms, expected[i].end_ms);
    EXPECT_EQ(job.run_ms, expected[i].run_ms);
    EXPECT_EQ(job.preemptions, expected[i].preemptions);
    EXPECT_EQ(job.final_state, expected[i].final_state);
  }
}

StatusOr<RunInputs> RunScenario(const std::string& profile) {
  return Simulate(TwoSmallNodes(), LargeJobBehindSmallOnes(), OptionsFor(profile));
}

TEST(SimSimulatorTest, FifoLetsSmallJobsOvertakeABlockedLargeJob) {
  StatusOr<RunInputs> run = RunScenario("fifo");
  ASSERT_OK(run);
  EXPECT_EQ(run->profile, "fifo");
  ExpectJobs(*run, {Minutes(0, 100, 100, "COMPLETED"), Minutes(0, 40, 40, "COMPLETED"),
                    Minutes(0, 20, 20, "COMPLETED"), Minutes(80, 110, 30, "COMPLETED"),
                    Minutes(30, 80, 50, "COMPLETED"), Minutes(40, 55, 15, "TIMEOUT")});
}

TEST(SimSimulatorTest, DefaultReservesForTheLargeJobAndBackfillsOnlyJobsEndingBeforeIt) {
  StatusOr<RunInputs> run = RunScenario("default");
  ASSERT_OK(run);
  EXPECT_EQ(run->profile, "default");
  ExpectJobs(*run, {Minutes(0, 100, 100, "COMPLETED"), Minutes(0, 40, 40, "COMPLETED"),
                    Minutes(0, 20, 20, "COMPLETED"), Minutes(45, 75, 30, "COMPLETED"),
                    Minutes(75, 125, 50, "COMPLETED"), Minutes(30, 45, 15, "TIMEOUT")});
}

// A large job arriving into a full cluster gets its reservation at once, not at the next end.
// Nodes A, B of 4 CPUs; minutes:
//   J1 b 4 CPUs, 0, runtime 100, limit 120: A 0-100.
//   J2 a 2 CPUs, 0, runtime 40, limit 60:   B 0-40.
//   J3 a 4 CPUs, 10, runtime 30, limit 60:  no room in the arrival cycle at 10 (RESOURCES), so a
//      full cycle follows at 10 and reserves B from 60 (J2's limit).
//   J4 a 1 CPU, 20, runtime 50, limit 50:   would end at 70 > 60 on B's reserved CPUs: held.
//   At 40 J2 ends: J3 starts on B (40-70); J4 gets no room. At 70 J3 ends: J4 on B 70-120.
// Without the follow-up full cycle J4 would start at 20 and hold B until 70, and J3 start at 70.
TEST(SimSimulatorTest, AJobWithoutRoomOnArrivalIsReservedAtOnce) {
  std::vector<WorkloadJob> jobs = {Job("b", 4, 0, 100, 120), Job("a", 2, 0, 40, 60),
                                   Job("a", 4, 10, 30, 60), Job("a", 1, 20, 50, 50)};
  StatusOr<RunInputs> run = Simulate(TwoSmallNodes(), jobs, OptionsFor("default"));
  ASSERT_OK(run);
  ExpectJobs(*run, {Minutes(0, 100, 100, "COMPLETED"), Minutes(0, 40, 40, "COMPLETED"),
                    Minutes(40, 70, 30, "COMPLETED"), Minutes(70, 120, 50, "COMPLETED")});
}

TEST(SimSimulatorTest, RunInputsDescribeTheClusterAndTheTenants) {
  StatusOr<RunInputs> run = RunScenario("default");
  ASSERT_OK(run);
  EXPECT_EQ(run->cluster.cpus, 8);
  EXPECT_EQ(run->cluster.gpus, 0);
  EXPECT_EQ(run->cluster.nodes, 2);
  EXPECT_EQ(run->stopped_ms, -1);
  EXPECT_EQ(run->tenant_shares, (std::map<std::string, double>{{"a", 1.0}, {"b", 1.0}}));
  ASSERT_EQ(run->jobs.size(), 6u);
  EXPECT_EQ(run->jobs[0].tenant, "b");
  EXPECT_EQ(run->jobs[3].cpus, 4);
  EXPECT_EQ(run->jobs[3].arrival_ms, 20 * kMinute);
  EXPECT_EQ(run->jobs[5].memory_bytes, kGiB);
}

WaitStats Wait(int64_t count, int64_t p50, int64_t p95, int64_t p99, int64_t max) {
  return {count, p50 * kMinute, p95 * kMinute, p99 * kMinute, max * kMinute};
}

constexpr double kJain = 570025.0 / 572050.0;  // 755^2 / (2 x (355^2 + 400^2))

TEST(SimSimulatorTest, ReportOfTheDefaultRunMatchesTheHandWorkedFigures) {
  StatusOr<RunInputs> run = RunScenario("default");
  ASSERT_OK(run);
  SimReport report = ComputeReport(*run);
  EXPECT_EQ(report.jobs, (JobCounts{.total = 6, .completed = 5, .timed_out = 1}));
  EXPECT_EQ(report.makespan_ms, 125 * kMinute);
  ASSERT_TRUE(report.cpu_utilisation.has_value());
  EXPECT_DOUBLE_EQ(*report.cpu_utilisation, 755.0 / 1000.0);
  EXPECT_FALSE(report.gpu_utilisation.has_value());
  EXPECT_EQ(report.wait, Wait(6, 0, 45, 45, 45));
  EXPECT_EQ(report.wait_by_size.at("1"), Wait(1, 0, 0, 0, 0));
  EXPECT_EQ(report.wait_by_tenant.at("a"), Wait(5, 0, 45, 45, 45));
  ASSERT_TRUE(report.jain_fairness.has_value());
  EXPECT_DOUBLE_EQ(*report.jain_fairness, kJain);
  EXPECT_EQ(report.preemptions, 0);
  EXPECT_EQ(report.powered_on_node_ms, 225 * kMinute);
  EXPECT_EQ(report.makespan_node_ms, 250 * kMinute);
}

TEST(SimSimulatorTest, ReportOfTheFifoRunMatchesTheHandWorkedFigures) {
  StatusOr<RunInputs> run = RunScenario("fifo");
  ASSERT_OK(run);
  SimReport report = ComputeReport(*run);
  EXPECT_EQ(report.jobs, (JobCounts{.total = 6, .completed = 5, .timed_out = 1}));
  EXPECT_EQ(report.makespan_ms, 110 * kMinute);
  ASSERT_TRUE(report.cpu_utilisation.has_value());
  EXPECT_DOUBLE_EQ(*report.cpu_utilisation, 755.0 / 880.0);
  EXPECT_EQ(report.wait, Wait(6, 0, 60, 60, 60));
  EXPECT_EQ(report.wait_by_size.at("1"), Wait(1, 10, 10, 10, 10));
  EXPECT_EQ(report.wait_by_tenant.at("a"), Wait(5, 0, 60, 60, 60));
  ASSERT_TRUE(report.jain_fairness.has_value());
  EXPECT_DOUBLE_EQ(*report.jain_fairness, kJain);
  EXPECT_EQ(report.preemptions, 0);
  EXPECT_EQ(report.powered_on_node_ms, 210 * kMinute);
  EXPECT_EQ(report.makespan_node_ms, 220 * kMinute);
}

// Scenario 2: fair share. Tenants "gold" (share 2) and "bronze" (share 1) each submit 110 jobs
// of 1 CPU at time 0, bronze's first in the workload (lower ids), with runtimes of 5 to 15
// minutes (limit = runtime): 1100 CPU-minutes each, more than the 8 CPUs x 120 minutes = 960
// CPU-minutes that the window [0, 120 min) holds, so both always have work waiting in it. Usage
// does not decay (half-life 0): the fair-share factor compares all the CPU time used since 0.
std::vector<WorkloadJob> TwoTenantsOverloading() {
  std::vector<WorkloadJob> jobs;
  for (const char* tenant : {"bronze", "gold"}) {
    for (int i = 0; i < 110; ++i) {
      int64_t runtime = 5 + (i * 7) % 11;  // 5..15 minutes, mixed so that ends are spread out
      jobs.push_back(Job(tenant, 1, 0, runtime, runtime));
    }
  }
  return jobs;
}

constexpr int64_t kWindowMs = 120 * kMinute;
constexpr int64_t kLongestRunMs = 15 * kMinute;

// CPU-milliseconds each tenant ran within [0, kWindowMs) (jobs run in one piece: no preemption).
std::map<std::string, int64_t> CpuTimeInWindow(const RunInputs& run) {
  std::map<std::string, int64_t> used;
  for (const JobOutcome& job : run.jobs) {
    EXPECT_EQ(job.preemptions, 0);
    if (job.first_start_ms < 0) continue;
    int64_t end = job.end_ms < 0 ? kWindowMs : std::min(job.end_ms, kWindowMs);
    if (end > job.first_start_ms) used[job.tenant] += job.cpus * (end - job.first_start_ms);
  }
  return used;
}

SimulationOptions FairShareOptions(const std::string& profile) {
  SimulationOptions options = OptionsFor(profile);
  options.fair_share_half_life_ms = 0;
  options.tenants = {Tenant{.name = "gold", .share = 2}, Tenant{.name = "bronze", .share = 1}};
  return options;
}

TEST(SimSimulatorTest, DefaultSplitsCpuTimeByTheTenantsShares) {
  StatusOr<RunInputs> run =
      Simulate(TwoSmallNodes(), TwoTenantsOverloading(), FairShareOptions("default"));
  ASSERT_OK(run);
  EXPECT_EQ(run->tenant_shares, (std::map<std::string, double>{{"bronze", 1.0}, {"gold", 2.0}}));
  std::map<std::string, int64_t> used = CpuTimeInWindow(*run);
  // The cluster stays full: all of the window's CPU time is used.
  EXPECT_EQ(used["gold"] + used["bronze"], 8 * kWindowMs);
  // Tolerance. Let C_g, C_b be the CPU time gold and bronze used since 0, D = C_g - 2 C_b, and
  // R = 15 minutes the longest job. Dominant shares are CPU shares here (1 GiB of 32 is less
  // than 1 CPU of 8) and usage never decays, so gold's factor is the higher exactly when
  // D < 0; every cycle gives all the CPUs it finds free to the tenant with the higher factor
  // (bronze on a tie, by id). While D > 0 only bronze starts jobs, and gold's jobs started
  // before D last was <= 0 run at most R more on at most 8 CPUs: D <= 8 R. Likewise while D < 0
  // only gold starts jobs: D >= -2 x 8 R (starting from D = 0 at time 0, when bronze takes all
  // 8). With T = 8 CPUs x 120 minutes, gold's part C_g / T = 2/3 + D / 3T, so it lies in
  // [2/3 - 16 R / 3T, 2/3 + 8 R / 3T] = [2/3 - 1/12, 2/3 + 1/24].
  const double window = static_cast<double>(8 * kWindowMs);
  const double gold = static_cast<double>(used["gold"]) / window;
  EXPECT_GE(gold, 2.0 / 3.0 - 16 * kLongestRunMs / (3 * window));
  EXPECT_LE(gold, 2.0 / 3.0 + 8 * kLongestRunMs / (3 * window));
}

TEST(SimSimulatorTest, FifoRunsJobsInArrivalOrderWhateverTheShares) {
  StatusOr<RunInputs> run =
      Simulate(TwoSmallNodes(), TwoTenantsOverloading(), FairShareOptions("fifo"));
  ASSERT_OK(run);
  std::map<std::string, int64_t> used = CpuTimeInWindow(*run);
  // Bronze's 1100 CPU-minutes come first and outlast the window (960).
  EXPECT_EQ(used["bronze"], 8 * kWindowMs);
  EXPECT_EQ(used["gold"], 0);
  // Every bronze job started before every gold job.
  int64_t last_bronze = 0, first_gold = INT64_MAX;
  for (const JobOutcome& job : run->jobs) {
    ASSERT_GE(job.first_start_ms, 0);
    if (job.tenant == "bronze") last_bronze = std::max(last_bronze, job.first_start_ms);
    if (job.tenant == "gold") first_gold = std::min(first_gold, job.first_start_ms);
  }
  EXPECT_LE(last_bronze, first_gold);
}

// Usage counts from the moment a job starts. Shares equal; "early" fills the cluster at t0 with 8
// of its 16 ten-minute jobs of 1 CPU; "late" submits 8 at t0 + 10 min, as those 8 end. Early has
// used 80 CPU-minutes and late nothing, so late's factor (1) beats early's (2^-2): late's 8 jobs
// take the 8 free CPUs and early's other 8 wait until t0 + 20 (in submit order they would go
// first).
void ExpectTheTenantThatUsedLessToGoFirst(int64_t t0) {
  std::vector<WorkloadJob> workload;
  for (int i = 0; i < 16; ++i) workload.push_back(Job("early", 1, 0, 10, 10));
  for (int i = 0; i < 8; ++i) workload.push_back(Job("late", 1, 10, 10, 10));
  for (WorkloadJob& job : workload) job.arrival_ms += t0;
  StatusOr<RunInputs> run = Simulate(TwoSmallNodes(), workload, OptionsFor("default"));
  ASSERT_OK(run);
  ASSERT_EQ(run->jobs.size(), 24u);
  for (size_t i = 0; i < 24; ++i) {
    SCOPED_TRACE("job " + std::to_string(i + 1));
    int64_t start = i < 8 ? 0 : i < 16 ? 20 * kMinute : 10 * kMinute;
    EXPECT_EQ(run->jobs[i].first_start_ms, t0 + start);
  }
}

TEST(SimSimulatorTest, TheTenantThatUsedLessGoesFirstWhenCpusFree) {
  ExpectTheTenantThatUsedLessToGoFirst(kMinute);
}

// The same from virtual time 0: usage accrues from time 0 too (0 is a time, not "never").
TEST(SimSimulatorTest, UsageOfJobsStartedAtTimeZeroCountsForFairShare) {
  ExpectTheTenantThatUsedLessToGoFirst(0);
}

// Scenario 3: preemption, under "default" with the scheduler's classes (low 0 preemptible,
// normal 100, high 1000). Times in minutes; 10 s kill grace.
//
//   job  class cpus arrival runtime limit  start  end    run          preempted  state
//   J1   low   4    0       60      120    0      60     60           0          COMPLETED
//   J2   low   4    2       60      120    2      90:10  8:10 + 60    1          COMPLETED
//   J3   high  4    10      20      30     10:10  30:10  20           0          COMPLETED
//
// At 10 the cluster is full of tenant a's low jobs; J3 (same tenant) finds no node and
// priority-preemption picks one victim on the node losing the least work: J2 (8 min run, against
// J1's 10). J2 stops 10 s later (10:10) and is requeued; the full cycle then starts J3 on its
// node (highest class first) and reserves that node for J2 from J3's limit (40:10). J3 ends at
// 30:10 and J2 starts again from the beginning, running its whole 60 minutes.
TEST(SimSimulatorTest, HighPriorityJobPreemptsALowOneWhichIsRequeuedAndCompletes) {
  std::vector<WorkloadJob> workload = {Job("a", 4, 0, 60, 120, "low"),
                                       Job("a", 4, 2, 60, 120, "low"),
                                       Job("a", 4, 10, 20, 30, "high")};
  SimulationOptions options = OptionsFor("default");
  ASSERT_EQ(options.kill_grace_ms, 10 * kSecond);
  StatusOr<RunInputs> run = Simulate(TwoSmallNodes(), workload, options);
  ASSERT_OK(run);
  const int64_t stopped = 10 * kMinute + 10 * kSecond;
  ExpectJobs(*run, {Minutes(0, 60, 60, "COMPLETED"),
                    {2 * kMinute, stopped + 80 * kMinute, stopped - 2 * kMinute + 60 * kMinute, 1,
                     "COMPLETED"},
                    {stopped, stopped + 20 * kMinute, 20 * kMinute, 0, "COMPLETED"}});
  SimReport report = ComputeReport(*run);
  EXPECT_EQ(report.preemptions, 1);
  EXPECT_EQ(report.jobs_preempted, 1);
}

// Scenario 4: a generated workload (low, normal and high jobs of 4 tenants, a tenth asking for
// GPUs) on 20 nodes (16 of 16 CPUs, 4 with 4 GPUs), run twice.
std::vector<NodeInventory> TwentyNodes() {
  StatusOr<std::vector<NodeInventory>> nodes = ParseClusterSpec(
      R"({"nodes": [
          {"name": "cpu", "count": 16, "synthetic": "pack:2 numa:2(memory=64GiB) core:8 pu:1"},
          {"name": "gpu", "count": 4, "xml": "hwloc/gpu-2s-4gpu.xml"}]})",
      "cluster.json", SHARC_TEST_DATA_DIR);
  EXPECT_OK(nodes);
  return nodes.ok() ? *nodes : std::vector<NodeInventory>{};
}

void ExpectSameOutcomes(const RunInputs& a, const RunInputs& b) {
  ASSERT_EQ(a.jobs.size(), b.jobs.size());
  for (size_t i = 0; i < a.jobs.size(); ++i) {
    SCOPED_TRACE("job " + std::to_string(i + 1));
    const JobOutcome& x = a.jobs[i];
    const JobOutcome& y = b.jobs[i];
    EXPECT_EQ(x.tenant, y.tenant);
    EXPECT_EQ(x.arrival_ms, y.arrival_ms);
    EXPECT_EQ(x.first_start_ms, y.first_start_ms);
    EXPECT_EQ(x.end_ms, y.end_ms);
    EXPECT_EQ(x.run_ms, y.run_ms);
    EXPECT_EQ(x.preemptions, y.preemptions);
    EXPECT_EQ(x.final_state, y.final_state);
  }
  EXPECT_EQ(a.powered_on_node_ms, b.powered_on_node_ms);
  EXPECT_EQ(a.tenant_shares, b.tenant_shares);
}

TEST(SimSimulatorTest, SameInputsGiveTheSameRunAndTheSameReportBytes) {
  GeneratorOptions generator;
  generator.seed = 3;
  generator.jobs = 1000;  // about 3 hours of arrivals; 2000 would take seconds in a Debug build
  generator.tenants = 4;
  std::vector<WorkloadJob> workload = GenerateWorkload(generator);
  std::vector<NodeInventory> nodes = TwentyNodes();
  SimulationOptions options = OptionsFor("default");
  StatusOr<RunInputs> first = Simulate(nodes, workload, options);
  StatusOr<RunInputs> second = Simulate(nodes, workload, options);
  ASSERT_OK(first);
  ASSERT_OK(second);
  ExpectSameOutcomes(*first, *second);
  std::string json = RenderJson({ComputeReport(*first)});
  EXPECT_EQ(json, RenderJson({ComputeReport(*second)}));
  // The run is not trivial: jobs waited, some were preempted, most completed.
  SimReport report = ComputeReport(*first);
  EXPECT_GT(report.wait.max_ms, 0);
  EXPECT_GT(report.preemptions, 0);
  EXPECT_GT(report.jobs.completed, 900);
}

// Scenario 5: errors.
TEST(SimSimulatorTest, RefusesAJobNamingAnUnknownPriorityClass) {
  std::vector<WorkloadJob> workload = {Job("a", 1, 0, 1, 1), Job("a", 1, 0, 1, 1, "urgent")};
  StatusOr<RunInputs> run = Simulate(TwoSmallNodes(), workload, OptionsFor("default"));
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(run.status().message(), "workload job 2: priority class 'urgent' is not configured");
}

TEST(SimSimulatorTest, RefusesAJobWhenTheDefaultPriorityClassDoesNotExist) {
  SimulationOptions options = OptionsFor("default");
  options.default_priority_class = "standard";
  StatusOr<RunInputs> run = Simulate(TwoSmallNodes(), {Job("a", 1, 0, 1, 1)}, options);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(run.status().message().find("priority class 'standard' is not configured"),
            std::string::npos)
      << run.status().message();
}

TEST(SimSimulatorTest, RefusesAProfileThatDoesNotBuild) {
  SimulationOptions options = OptionsFor("default");
  options.profile.name = "broken";
  options.profile.nodes_to_score = 0;
  StatusOr<RunInputs> run = Simulate(TwoSmallNodes(), {Job("a", 1, 0, 1, 1)}, options);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(run.status().message(), "profile broken: nodes_to_score must be at least 1");
}

TEST(SimSimulatorTest, RefusesAProfileNamingAnUnknownPlugin) {
  SimulationOptions options = OptionsFor("default");
  options.profile.name = "mine";
  options.profile.queue_sort = "shortest-first";
  StatusOr<RunInputs> run = Simulate(TwoSmallNodes(), {Job("a", 1, 0, 1, 1)}, options);
  ASSERT_FALSE(run.ok());
  EXPECT_EQ(run.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(run.status().message().find("profile mine: unknown plugin 'shortest-first'"),
            std::string::npos)
      << run.status().message();
}

}  // namespace
}  // namespace sharc::sim
