// Gang jobs (num_nodes > 1) in the scheduling cycle: all parts placed in one cycle or none,
// never a partial hold; the tightest topology group; a blocked gang's backfill reservation
// across its nodes, which smaller jobs then respect; RankGangGroups on its own.
#include <gtest/gtest.h>

#include <set>

#include "policies/gang_groups.h"
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

JobSpec Gang(int nodes, int cpus, std::string group = "") {
  JobSpec spec = JobBuilder().Cpus(cpus).Build();
  spec.num_nodes = nodes;
  spec.topology_group = std::move(group);
  return spec;
}

CycleResult Schedule(ClusterView& view, const PendingQueue& queue,
                     const std::string& profile = "default") {
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  auto built = registry.Build(BuiltinProfiles().at(profile));
  return RunCycle(view, TenantsView(), **built, {queue.jobs(), true, {}}, kNow);
}

std::set<std::string> NodesOf(const ClusterView& view, const Placement& placement) {
  std::set<std::string> names;
  for (const NodePlacement& part : placement.nodes) names.insert(view.node(part.node_index).name);
  return names;
}

const Decision& DecisionFor(const CycleResult& result, int64_t id) {
  for (const Decision& d : result.decisions) {
    if (d.job.value == id) return d;
  }
  throw std::logic_error("no decision for job " + std::to_string(id));
}

TEST(GangTest, AllPartsArePlacedInOneCycleOnDistinctNodes) {
  ClusterView view = Cluster({NodeBuilder("n1").Build(), NodeBuilder("n2").Build(),
                              NodeBuilder("n3").Build(), NodeBuilder("n4").Build()});
  PendingQueue queue;
  queue.Add(1, Gang(3, 4));
  CycleResult result = Schedule(view, queue);
  const Decision& d = DecisionFor(result, 1);
  ASSERT_EQ(d.kind, VerdictKind::kPlaced);
  ASSERT_EQ(d.placement->nodes.size(), 3u);
  EXPECT_EQ(NodesOf(view, *d.placement).size(), 3u);
  for (const NodePlacement& part : d.placement->nodes) EXPECT_EQ(part.cpus.size(), 4u);
}

TEST(GangTest, AGangThatCannotFitWholeHoldsNothingAndOthersRun) {
  // Three 4-PU nodes, one half taken: a gang of three 4-CPU parts cannot start.
  ClusterView view = Cluster({NodeBuilder("n1").Build(), NodeBuilder("n2").Build(),
                              NodeBuilder("n3").UsedPus({0, 1}).Build()});
  PendingQueue queue;
  queue.Add(1, Gang(3, 4), 1);
  queue.Add(2, JobBuilder().Cpus(4).Build(), 2);
  queue.Add(3, JobBuilder().Cpus(4).Build(), 3);
  ProfileConfig config = BuiltinProfiles().at("fifo");
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  auto fifo = registry.Build(config);
  CycleResult result = RunCycle(view, TenantsView(), **fifo, {queue.jobs(), true, {}}, kNow);
  EXPECT_NE(DecisionFor(result, 1).kind, VerdictKind::kPlaced);
  // Nothing of the gang was taken: both whole nodes are free for the 4-CPU jobs.
  EXPECT_EQ(DecisionFor(result, 2).kind, VerdictKind::kPlaced);
  EXPECT_EQ(DecisionFor(result, 3).kind, VerdictKind::kPlaced);
  EXPECT_EQ(view.FindAllocation(JobId{1}), nullptr);
}

TEST(GangTest, TheTopologyGroupThatFitsTightestIsChosen) {
  // rack a: 4 nodes; rack b: 2 nodes; rack c: 1 node. A 2-node gang goes to b (tightest),
  // keeping rack a whole for a 4-node gang; nodes without the label are never used.
  ClusterView view = Cluster(
      {NodeBuilder("a1").Label("rack", "a").Build(), NodeBuilder("a2").Label("rack", "a").Build(),
       NodeBuilder("a3").Label("rack", "a").Build(), NodeBuilder("a4").Label("rack", "a").Build(),
       NodeBuilder("b1").Label("rack", "b").Build(), NodeBuilder("b2").Label("rack", "b").Build(),
       NodeBuilder("c1").Label("rack", "c").Build(), NodeBuilder("x1").Build()});
  PendingQueue queue;
  queue.Add(1, Gang(2, 4, "rack"), 1);
  queue.Add(2, Gang(4, 4, "rack"), 2);
  CycleResult result = Schedule(view, queue);
  ASSERT_EQ(DecisionFor(result, 1).kind, VerdictKind::kPlaced);
  EXPECT_EQ(NodesOf(view, *DecisionFor(result, 1).placement), (std::set<std::string>{"b1", "b2"}));
  ASSERT_EQ(DecisionFor(result, 2).kind, VerdictKind::kPlaced);
  EXPECT_EQ(NodesOf(view, *DecisionFor(result, 2).placement),
            (std::set<std::string>{"a1", "a2", "a3", "a4"}));
}

TEST(GangTest, AGroupWithTooFewFreeNodesIsPassedOver) {
  // rack b is tighter but one of its nodes is busy: the gang goes to rack a.
  ClusterView view = Cluster(
      {NodeBuilder("a1").Label("rack", "a").Build(), NodeBuilder("a2").Label("rack", "a").Build(),
       NodeBuilder("a3").Label("rack", "a").Build(), NodeBuilder("b1").Label("rack", "b").Build(),
       NodeBuilder("b2").Label("rack", "b").UsedPus({0, 1, 2, 3}).Build()});
  PendingQueue queue;
  queue.Add(1, Gang(2, 4, "rack"));
  CycleResult result = Schedule(view, queue);
  ASSERT_EQ(DecisionFor(result, 1).kind, VerdictKind::kPlaced);
  for (const std::string& name : NodesOf(view, *DecisionFor(result, 1).placement)) {
    EXPECT_EQ(name[0], 'a') << name;
  }
}

TEST(GangTest, ABlockedGangIsReservedAcrossItsNodesAndSmallerJobsRespectIt) {
  // Three 4-PU nodes: n1 busy until +10 s, n2 until +20 s, n3 free. A 2-node gang is reserved
  // from +10 s on n3 and n1; a 1-hour 4-CPU job may not take n3 (it would delay the gang), a
  // 5-s job that ends before the reservation may.
  ClusterView view =
      Cluster({NodeBuilder("n1").MemoryGiB(64).Build(), NodeBuilder("n2").MemoryGiB(64).Build(),
               NodeBuilder("n3").MemoryGiB(64).Build()});
  for (int i = 0; i < 2; ++i) {
    AddRunning(view, {100 + i,
                      "other",
                      static_cast<size_t>(i),
                      {0, 1, 2, 3},
                      {},
                      kGiB,
                      0,
                      true,
                      kNow - kSecond,
                      kNow + (i + 1) * 10 * kSecond});
  }
  PendingQueue queue;
  queue.Add(1, Gang(2, 4), 1);
  queue.Add(2, JobBuilder().Cpus(4).Build(), 2);
  JobSpec quick = JobBuilder().Cpus(4).Build();
  quick.time_limit_seconds = 5;
  queue.Add(3, quick, 3);
  CycleResult result = Schedule(view, queue);
  ASSERT_GE(result.reservations.size(), 1u);
  const Reservation& r = result.reservations[0];
  EXPECT_EQ(r.job, JobId{1});
  EXPECT_EQ(r.start, kNow + 10 * kSecond);
  EXPECT_EQ(NodesOf(view, r.placement), (std::set<std::string>{"n1", "n3"}));
  EXPECT_EQ(DecisionFor(result, 1).reason, "RESERVED");
  EXPECT_NE(DecisionFor(result, 1).message.find(" and 1 more nodes"), std::string::npos)
      << DecisionFor(result, 1).message;
  EXPECT_NE(DecisionFor(result, 2).kind, VerdictKind::kPlaced);
  ASSERT_EQ(DecisionFor(result, 3).kind, VerdictKind::kPlaced);
  EXPECT_EQ(NodesOf(view, *DecisionFor(result, 3).placement), (std::set<std::string>{"n3"}));
}

TEST(GangTest, RankGangGroupsPutsTheTightestGroupFirstThenScore) {
  std::vector<GangMember> members = {{0, "a", 10}, {1, "a", 50},  {2, "a", 30}, {3, "b", 5},
                                     {4, "b", 6},  {5, "c", 100}, {6, "d", 1},  {7, "d", 2}};
  using Groups = std::vector<std::vector<size_t>>;
  // b and d have 2 members each: b's best two score more. Then a; c is too small.
  EXPECT_EQ(RankGangGroups(members, 2), (Groups{{4, 3}, {7, 6}, {1, 2, 0}}));
  EXPECT_EQ(RankGangGroups(members, 3), (Groups{{1, 2, 0}}));
  EXPECT_EQ(RankGangGroups(members, 4), Groups{});
  EXPECT_EQ(RankGangGroups({}, 1), Groups{});
}

}  // namespace
}  // namespace sharc::policies
