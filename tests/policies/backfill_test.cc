#include "policies/plugins/backfill.h"

#include <gtest/gtest.h>

#include "policies/registry.h"
#include "policies/scheduling_cycle.h"
#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::AddRunning;
using builder::Cluster;
using builder::JobBuilder;
using builder::kGiB;
using builder::NodeBuilder;
using builder::PendingQueue;
using builder::Running;

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr UnixMillis kSecond = 1000;

// One 8-PU node running six 1-CPU jobs that end 10, 20, ... 60 s from now: 2 PUs free.
ClusterView Busy() {
  ClusterView view = Cluster({NodeBuilder("n1").CoresPerNuma(8).MemoryGiB(64).Build()});
  for (int i = 0; i < 6; ++i) {
    AddRunning(view, {100 + i,
                      "other",
                      0,
                      {i},
                      {},
                      kGiB,
                      0,
                      true,
                      kNow - kSecond,
                      kNow + (i + 1) * 10 * kSecond});
  }
  return view;
}

JobSpec Cpus(int cpus, int64_t seconds) {
  JobSpec spec = JobBuilder().Cpus(cpus).Build();
  spec.time_limit_seconds = seconds;
  return spec;
}

CycleResult Schedule(ClusterView& view, const PendingQueue& queue, ProfileConfig config,
                     bool full = true, std::vector<Reservation> reservations = {}) {
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  auto profile = registry.Build(config);
  return RunCycle(view, TenantsView(), **profile, {queue.jobs(), full, std::move(reservations)},
                  kNow);
}

ProfileConfig Default() { return BuiltinProfiles().at("default"); }

TEST(BackfillTest, TheBlockedJobIsReservedAndShorterJobsFillTheGap) {
  ClusterView view = Busy();
  PendingQueue queue;
  queue.Add(1, Cpus(8, 3600), 1);  // all 8: when the last running job ends, at +60 s
  queue.Add(2, Cpus(1, 30), 2);    // ends at +30 s, before the reservation: backfilled
  queue.Add(3, Cpus(1, 3600), 3);  // would still run at +60 s on a reserved PU: waits
  ProfileConfig easy = Default();
  easy.reservations = 1;  // (with more, job 3 gets the next reservation: after job 1's hour)
  CycleResult result = Schedule(view, queue, easy);
  ASSERT_EQ(result.reservations.size(), 1u);
  const Reservation& r = result.reservations[0];
  EXPECT_EQ(r.job, JobId{1});
  EXPECT_EQ(r.start, kNow + 60 * kSecond);
  EXPECT_EQ(r.placement.nodes[0].cpus, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
  EXPECT_EQ(result.decisions[0].reason, "RESERVED");
  EXPECT_EQ(result.decisions[0].message, "expected to start by 2027-01-15T08:01:00.000Z on n1");
  EXPECT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[2].reason, "PRIORITY");
  EXPECT_EQ(result.decisions[2].message,
            "it would delay job 1, reserved to start by 2027-01-15T08:01:00.000Z");
}

TEST(BackfillTest, AJobTouchingNoReservedResourceMayRunPastIt) {
  // Job 1 needs 3 CPUs: the earliest is +10 s, when PU 0 frees (PUs 6, 7 and 0).
  ClusterView view = Busy();
  PendingQueue queue;
  queue.Add(1, Cpus(3, 3600), 1);
  CycleResult first = Schedule(view, queue, Default());
  ASSERT_EQ(first.reservations.size(), 1u);
  EXPECT_EQ(first.reservations[0].start, kNow + 10 * kSecond);
  EXPECT_EQ(first.reservations[0].placement.nodes[0].cpus, (std::vector<int>{0, 6, 7}));
  // With that reservation kept (an incremental cycle), a long 1-CPU job may not take PU 6 or
  // 7 and nothing else is free: PRIORITY. A 1-CPU job ending in 5 s may.
  PendingQueue later;
  later.Add(2, Cpus(1, 3600), 2);
  later.Add(3, Cpus(1, 5), 3);
  CycleResult next = Schedule(view, later, Default(), /*full=*/false, first.reservations);
  EXPECT_EQ(next.decisions[0].reason, "PRIORITY");
  EXPECT_EQ(next.decisions[1].kind, VerdictKind::kPlaced);
  EXPECT_EQ(next.reservations, first.reservations);  // kept, not made anew
}

TEST(BackfillTest, EasyReservesForTheFirstBlockedJobsOnlyAndConservativeForAll) {
  ClusterView view = Busy();
  PendingQueue queue;
  queue.Add(1, Cpus(8, 3600), 1);
  queue.Add(2, Cpus(8, 3600), 2);
  ProfileConfig easy = Default();
  easy.reservations = 1;
  CycleResult one = Schedule(view, queue, easy);
  EXPECT_EQ(one.reservations.size(), 1u);
  EXPECT_EQ(one.decisions[1].reason, "RESOURCES");
  ProfileConfig conservative = Default();
  conservative.backfill = BackfillMode::kConservative;
  CycleResult both = Schedule(view, queue, conservative);
  ASSERT_EQ(both.reservations.size(), 2u);
  // The second starts when the first's hour is over.
  EXPECT_EQ(both.reservations[1].start, both.reservations[0].end);
  EXPECT_EQ(both.reservations[0].end, kNow + 60 * kSecond + 3600 * kSecond);
}

TEST(BackfillTest, OffMakesNoReservationAndAHigherJobIgnoresLowerOnes) {
  ClusterView view = Busy();
  PendingQueue queue;
  queue.Add(1, Cpus(8, 3600), 1);
  ProfileConfig off = Default();
  off.backfill = BackfillMode::kOff;
  CycleResult none = Schedule(view, queue, off);
  EXPECT_TRUE(none.reservations.empty());
  EXPECT_EQ(none.decisions[0].reason, "RESOURCES");

  CycleResult reserved = Schedule(view, queue, Default());
  static const PriorityClass kHigh{"high", 10, true, false};
  PendingQueue high;
  high.Add(2, Cpus(2, 3600), 2, "acme", &kHigh);
  CycleResult next = Schedule(view, high, Default(), false, reserved.reservations);
  EXPECT_EQ(next.decisions[0].kind, VerdictKind::kPlaced);
}

TEST(BackfillTest, BetweenFullCyclesAJobKeepsItsReservationAndNoneIsMade) {
  ClusterView view = Busy();
  PendingQueue queue;
  queue.Add(1, Cpus(8, 3600), 1);
  CycleResult full = Schedule(view, queue, Default());
  ASSERT_EQ(full.reservations.size(), 1u);
  // An arrivals cycle: job 1 still says RESERVED, and a new blocked job gets no reservation.
  queue.Add(2, Cpus(8, 3600), 2);
  CycleResult next = Schedule(view, queue, Default(), false, full.reservations);
  EXPECT_EQ(next.decisions[0].reason, "RESERVED");
  EXPECT_EQ(next.decisions[0].message, full.decisions[0].message);
  EXPECT_EQ(next.decisions[1].reason, "RESOURCES");
  ASSERT_EQ(next.reservations.size(), 1u);
  EXPECT_EQ(next.reservations[0].job, JobId{1});
}

TEST(BackfillTest, JobsBeingStoppedFreeTheirRoomNow) {
  ClusterView view = Cluster({NodeBuilder("n1").Build()});
  AddRunning(view, {100,
                    "other",
                    0,
                    {0, 1, 2, 3},
                    {},
                    kGiB,
                    0,
                    true,
                    kNow - kSecond,
                    kNow + 3600 * kSecond,
                    /*terminating=*/true});
  PendingQueue queue;
  queue.Add(1, Cpus(4, 60), 1);
  CycleResult result = Schedule(view, queue, Default());
  ASSERT_EQ(result.reservations.size(), 1u);
  EXPECT_EQ(result.reservations[0].start, kNow);
}

}  // namespace
}  // namespace sharc::policies
