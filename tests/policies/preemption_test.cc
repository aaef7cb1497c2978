#include "policies/plugins/preemption.h"

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
constexpr UnixMillis kHour = 3600'000;
const PriorityClass kLow{"low", 0, true, false};
const PriorityClass kLowFixed{"low-fixed", 0, false, false};
const PriorityClass kHighOwn{"high", 100, false, false};
const PriorityClass kHighAll{"urgent", 100, false, true};

TenantsView Tenants(ClusterView& view, std::map<std::string, int64_t> guarantees) {
  TenantsView tenants;
  for (const auto& [name, cpus] : guarantees) {
    TenantView t;
    t.name = name;
    t.quota.guaranteed.Set(kCpuResource, cpus * kMilliCpusPerCpu);
    for (const auto& [id, a] : view.allocations()) {
      if (a.tenant == name) (void)t.held.Add(a.Held()), ++t.running;
    }
    tenants.Add(std::move(t));
  }
  tenants.Finalize();
  return tenants;
}

CycleResult Cycle(ClusterView& view, const TenantsView& tenants, const PendingQueue& queue) {
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  auto profile = registry.Build(BuiltinProfiles().at("default"));
  return RunCycle(view, tenants, **profile, {queue.jobs(), true, {}}, kNow);
}

std::vector<int64_t> Victims(const CycleResult& result) {
  std::vector<int64_t> ids;
  for (const Preemption& p : result.preemptions) ids.push_back(p.victim.value);
  return ids;
}

// One 4-PU node, full: acme's low job 11 (older) and globex's low job 12 (younger), 2 PUs each.
ClusterView FullNode(const PriorityClass& victims = kLow) {
  ClusterView view = Cluster({NodeBuilder("n1").MemoryGiB(16).Build()});
  AddRunning(view, {11,
                    "acme",
                    0,
                    {0, 1},
                    {},
                    kGiB,
                    victims.value,
                    victims.preemptible,
                    kNow - 20'000,
                    kNow + kHour});
  AddRunning(view, {12,
                    "globex",
                    0,
                    {2, 3},
                    {},
                    kGiB,
                    victims.value,
                    victims.preemptible,
                    kNow - 10'000,
                    kNow + kHour});
  return view;
}

TEST(PriorityPreemptionTest, AHigherJobPreemptsItsOwnTenantsLowerJobFirst) {
  ClusterView view = FullNode();
  TenantsView tenants = Tenants(view, {{"acme", 0}, {"globex", 0}});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(2).Build(), kNow, "acme", &kHighAll);
  CycleResult result = Cycle(view, tenants, queue);
  // globex's job is younger, but acme's own comes first.
  EXPECT_EQ(Victims(result), (std::vector<int64_t>{11}));
  EXPECT_EQ(result.preemptions[0].reason, "PRIORITY");
  EXPECT_EQ(result.preemptions[0].message, "preempted by job 1 of acme (priority class urgent)");
  EXPECT_EQ(result.decisions[0].reason, "AWAITING_PREEMPTION");
  EXPECT_EQ(result.decisions[0].message, "preempting 1 lower-priority job on node n1");
}

TEST(PriorityPreemptionTest, OtherTenantsOnlyWhenTheClassMayAndNeverBelowTheirGuarantee) {
  ClusterView view = FullNode();
  // Within the tenant only: acme has nothing to give for 4 CPUs, so nothing is preempted (the
  // job gets a backfill reservation instead).
  {
    TenantsView tenants = Tenants(view, {{"acme", 0}, {"globex", 0}});
    PendingQueue queue;
    queue.Add(1, JobBuilder().Cpus(4).Build(), kNow, "acme", &kHighOwn);
    CycleResult result = Cycle(view, tenants, queue);
    EXPECT_TRUE(result.preemptions.empty());
    EXPECT_EQ(result.decisions[0].reason, "RESERVED");
  }
  // Across tenants: both go (globex has no guarantee).
  {
    TenantsView tenants = Tenants(view, {{"acme", 0}, {"globex", 0}});
    PendingQueue queue;
    queue.Add(1, JobBuilder().Cpus(4).Build(), kNow, "acme", &kHighAll);
    EXPECT_EQ(Victims(Cycle(view, tenants, queue)), (std::vector<int64_t>{12, 11}));
  }
  // globex is guaranteed its 2 CPUs: its job is safe, so no plan frees 4.
  {
    TenantsView tenants = Tenants(view, {{"acme", 0}, {"globex", 2}});
    PendingQueue queue;
    queue.Add(1, JobBuilder().Cpus(4).Build(), kNow, "acme", &kHighAll);
    EXPECT_TRUE(Cycle(view, tenants, queue).preemptions.empty());
  }
}

TEST(PriorityPreemptionTest, NonPreemptibleClassesAreNeverVictims) {
  ClusterView view = FullNode(kLowFixed);
  TenantsView tenants = Tenants(view, {{"acme", 0}, {"globex", 0}});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(2).Build(), kNow, "acme", &kHighAll);
  EXPECT_TRUE(Cycle(view, tenants, queue).preemptions.empty());
}

TEST(PriorityPreemptionTest, TheRoomVictimsFreeIsBookedForOneJob) {
  // Two high jobs of 2 CPUs: each gets its own victim, youngest first within acme.
  ClusterView view = Cluster({NodeBuilder("n1").MemoryGiB(16).Build()});
  AddRunning(view, {11, "acme", 0, {0, 1}, {}, kGiB, 0, true, kNow - 20'000, kNow + kHour});
  AddRunning(view, {12, "acme", 0, {2, 3}, {}, kGiB, 0, true, kNow - 10'000, kNow + kHour});
  TenantsView tenants = Tenants(view, {{"acme", 0}});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(2).Build(), kNow, "acme", &kHighOwn);
  queue.Add(2, JobBuilder().Cpus(2).Build(), kNow + 1, "acme", &kHighOwn);
  CycleResult result = Cycle(view, tenants, queue);
  EXPECT_EQ(Victims(result), (std::vector<int64_t>{12, 11}));
  // A third finds the room booked: the next cycle will see the jobs being stopped.
}

TEST(PriorityPreemptionTest, FewestVictimsThenTheLeastWorkLost) {
  // n1: one 4-CPU low job that ran 100 s; n2: one that ran 10 s. Either alone makes room:
  // the younger goes.
  ClusterView view = Cluster({NodeBuilder("n1").Build(), NodeBuilder("n2").Build()});
  AddRunning(view, {11, "acme", 0, {0, 1, 2, 3}, {}, kGiB, 0, true, kNow - 100'000, kNow + kHour});
  AddRunning(view, {12, "acme", 1, {0, 1, 2, 3}, {}, kGiB, 0, true, kNow - 10'000, kNow + kHour});
  TenantsView tenants = Tenants(view, {{"acme", 0}});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(3).Build(), kNow, "acme", &kHighOwn);
  EXPECT_EQ(Victims(Cycle(view, tenants, queue)), (std::vector<int64_t>{12}));
}

TEST(PriorityPreemptionTest, AtItsMaxATenantPreemptsItsOwnLowerJobs) {
  ClusterView view = Cluster({NodeBuilder("n1").CoresPerNuma(8).MemoryGiB(32).Build()});
  AddRunning(view, {11, "acme", 0, {0, 1}, {}, kGiB, 0, true, kNow - 20'000, kNow + kHour});
  AddRunning(view, {12, "acme", 0, {2, 3}, {}, kGiB, 0, true, kNow - 10'000, kNow + kHour});
  TenantsView tenants;
  TenantView acme;
  acme.name = "acme";
  acme.quota.max.Set(kCpuResource, 4 * kMilliCpusPerCpu);
  acme.held.Set(kCpuResource, 4 * kMilliCpusPerCpu);
  acme.held.Set(kMemoryResource, 2 * kGiB);
  acme.running = 2;
  tenants.Add(acme);
  tenants.Finalize();
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(2).Build(), kNow, "acme", &kHighOwn);
  CycleResult result = Cycle(view, tenants, queue);
  EXPECT_EQ(Victims(result), (std::vector<int64_t>{12}));
  EXPECT_EQ(result.decisions[0].reason, "AWAITING_PREEMPTION");
}

// The room a preemption frees is held for the preemptor across full cycles: a job of the same
// priority ahead of it in the queue does not take it (which would make the preemption be for
// nothing, and be repeated).
TEST(PriorityPreemptionTest, TheRoomFreedIsHeldForThePreemptorInTheNextFullCycle) {
  ClusterView view = FullNode();
  TenantsView tenants = Tenants(view, {{"acme", 0}, {"globex", 0}});
  PendingQueue first;
  first.Add(1, JobBuilder().Cpus(4).Build(), kNow, "acme", &kHighAll);
  CycleResult preempting = Cycle(view, tenants, first);
  ASSERT_EQ(Victims(preempting), (std::vector<int64_t>{12, 11}));
  ASSERT_EQ(preempting.reservations.size(), 1u);
  EXPECT_TRUE(preempting.reservations[0].for_preemption);

  // The victims have stopped. globex's job 2, of the same class and older, comes first.
  view.Forget(JobId{11});
  view.Forget(JobId{12});
  PendingQueue next;
  next.Add(2, JobBuilder().Cpus(4).Build(), kNow - 60'000, "globex", &kHighAll);
  next.Add(1, JobBuilder().Cpus(4).Build(), kNow, "acme", &kHighAll);
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  auto profile = registry.Build(BuiltinProfiles().at("default"));
  CycleResult result =
      RunCycle(view, Tenants(view, {{"acme", 0}, {"globex", 0}}), **profile,
               {next.jobs(), /*full=*/true, preempting.reservations}, kNow + 10'000);
  ASSERT_EQ(result.decisions.size(), 2u);
  EXPECT_EQ(result.decisions[0].job, JobId{2});
  EXPECT_NE(result.decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[1].job, JobId{1});
  EXPECT_EQ(result.decisions[1].kind, VerdictKind::kPlaced)
      << result.decisions[1].reason << ": " << result.decisions[1].message;
  // Job 1's room is gone once it is placed; job 2 waits with a reservation of its own.
  for (const Reservation& r : result.reservations) EXPECT_NE(r.job, JobId{1});
}

TEST(GuaranteeReclaimTest, BorrowersNewestJobsMakeRoomForAGuarantee) {
  // globex borrows the whole node (guarantee 0); acme is guaranteed 2 and asks for 2.
  ClusterView view = Cluster({NodeBuilder("n1").MemoryGiB(16).Build()});
  AddRunning(view, {11, "globex", 0, {0, 1}, {}, kGiB, 100, false, kNow - 20'000, kNow + kHour});
  AddRunning(view, {12, "globex", 0, {2, 3}, {}, kGiB, 100, false, kNow - 10'000, kNow + kHour});
  TenantsView tenants = Tenants(view, {{"acme", 2}, {"globex", 0}});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(2).Build(), kNow, "acme", &kLow);
  CycleResult result = Cycle(view, tenants, queue);
  // Whatever their class: borrowed capacity is always given back.
  EXPECT_EQ(Victims(result), (std::vector<int64_t>{12}));
  EXPECT_EQ(result.preemptions[0].reason, "RECLAIM");
  EXPECT_EQ(result.decisions[0].reason, "RECLAIMING");
}

}  // namespace
}  // namespace sharc::policies
