#include "policies/scheduling_cycle.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "policies/registry.h"
#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::Cluster;
using builder::JobBuilder;
using builder::NodeBuilder;
using builder::PendingQueue;

constexpr UnixMillis kNow = 1'800'000'000'000;

std::unique_ptr<Profile> Build(const ProfileConfig& config) {
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  StatusOr<std::unique_ptr<Profile>> profile = registry.Build(config);
  if (!profile.ok()) throw std::logic_error(profile.status().ToString());
  return std::move(*profile);
}

std::unique_ptr<Profile> Builtin(const std::string& name) {
  return Build(BuiltinProfiles().at(name));
}

CycleResult RunProfile(ClusterView& view, const PendingQueue& queue,
                       const std::string& profile = "fifo",
                       const TenantsView& tenants = TenantsView()) {
  std::unique_ptr<Profile> built = Builtin(profile);
  return RunCycle(view, tenants, *built, CycleInput{queue.jobs(), true, {}}, kNow);
}

CycleResult RunFifoFirstFit(ClusterView view, const PendingQueue& queue) {
  return RunProfile(view, queue, "fifo");
}

std::vector<int64_t> JobOrder(const CycleResult& result) {
  std::vector<int64_t> ids;
  for (const Decision& d : result.decisions) ids.push_back(d.job.value);
  return ids;
}

// The single part of a placed decision.
const NodePlacement& Part(const Decision& d) { return d.placement->nodes.at(0); }

// A filter that passes every node and counts the nodes it is asked about.
class CountingFilter final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "counting";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PendingJob&, const NodeView&, NodeFit&,
                      const CycleContext&) const override {
    ++calls;
    return PluginStatus::Success();
  }
  mutable int calls = 0;
};

TEST(CycleTest, FifoOrderIsHonoured) {
  // 4 single-PU cores; three 2-CPU jobs: only the first two in FIFO order fit.
  ClusterView view = Cluster({NodeBuilder("n1").CoresPerNuma(4).Build()});
  PendingQueue queue;
  queue.Add(3, JobBuilder().Cpus(2).Build(), /*submit_time=*/10);
  queue.Add(1, JobBuilder().Cpus(2).Build(), /*submit_time=*/20);
  queue.Add(2, JobBuilder().Cpus(2).Build(), /*submit_time=*/10);
  CycleResult result = RunFifoFirstFit(view, queue);
  // (10, 2), (10, 3), (20, 1).
  ASSERT_EQ(JobOrder(result), (std::vector<int64_t>{2, 3, 1}));
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[0].placement->nodes[0].cpus, (std::vector<int>{0, 1}));
  ASSERT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[1].placement->nodes[0].cpus, (std::vector<int>{2, 3}));
  EXPECT_EQ(result.decisions[2].kind, VerdictKind::kNotNow);
  EXPECT_EQ(result.decisions[2].reason, "RESOURCES");
  EXPECT_FALSE(result.decisions[2].placement.has_value());
}

TEST(CycleTest, LaterJobsSeeEarlierPlacements) {
  // n1: 2 GPUs, 16 GiB; n2: 4 cores. Three 1-GPU 6-GiB jobs: two on n1 with different GPUs;
  // the third finds n1's GPUs taken (and 4 GiB left) and n2 without GPUs.
  ClusterView view =
      Cluster({NodeBuilder("n1").MemoryGiB(16).Gpus(2).Build(), NodeBuilder("n2").Build()});
  PendingQueue queue;
  for (int64_t id = 1; id <= 3; ++id) queue.Add(id, JobBuilder().Gpus(1).MemoryGiB(6).Build());
  queue.Add(4, JobBuilder().MemoryGiB(6).Build());  // no GPU: n1 has 4 GiB left -> n2
  CycleResult result = RunFifoFirstFit(view, queue);
  ASSERT_EQ(result.decisions.size(), 4u);
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  ASSERT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[0].placement->nodes[0].gpus, (std::vector<int>{0}));
  EXPECT_EQ(result.decisions[1].placement->nodes[0].gpus, (std::vector<int>{1}));
  EXPECT_NE(result.decisions[0].placement->nodes[0].cpus,
            result.decisions[1].placement->nodes[0].cpus);
  EXPECT_EQ(result.decisions[2].reason, "RESOURCES");
  ASSERT_EQ(result.decisions[3].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[3].placement->nodes[0].node_index, 1u);
}

TEST(CycleTest, SkippedBigJobLetsSmallerLaterJobsRun) {
  // 4 PUs, 2 used: the 4-CPU job waits; the 1-CPU jobs behind it start.
  ClusterView view = Cluster({NodeBuilder("n1").UsedPus({0, 1}).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(4).Build(), 1);
  queue.Add(2, JobBuilder().Cpus(1).Build(), 2);
  queue.Add(3, JobBuilder().Cpus(1).Build(), 3);
  CycleResult result = RunFifoFirstFit(view, queue);
  EXPECT_EQ(result.decisions[0].reason, "RESOURCES");
  ASSERT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[1].placement->nodes[0].cpus, (std::vector<int>{2}));
  ASSERT_EQ(result.decisions[2].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[2].placement->nodes[0].cpus, (std::vector<int>{3}));
}

TEST(CycleTest, FirstNodeInNameOrderThatFits) {
  // n1 is full; n2 and n3 both fit: first-fit takes n2 (index 1).
  ClusterView view = Cluster({NodeBuilder("n3").Build(), NodeBuilder("n2").Build(),
                              NodeBuilder("n1").UsedPus({0, 1, 2, 3}).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(2).Build());
  CycleResult result = RunFifoFirstFit(view, queue);
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[0].placement->nodes[0].node_index, 1u);
  EXPECT_EQ(view.node(1).name, "n2");
}

TEST(CycleTest, NoUpNodeIsNoNodes) {
  PendingQueue queue;
  queue.Add(1, JobBuilder().Build());
  // No node known at all: nothing is refused yet.
  CycleResult empty = RunFifoFirstFit(ClusterView(), queue);
  ASSERT_EQ(empty.decisions.size(), 1u);
  EXPECT_EQ(empty.decisions[0].kind, VerdictKind::kNotNow);
  EXPECT_EQ(empty.decisions[0].reason, "NO_NODES");
  // Only DOWN and DRAIN nodes that could hold it.
  CycleResult down = RunFifoFirstFit(Cluster({NodeBuilder("n1").State(NodeState::kDown).Build(),
                                              NodeBuilder("n2").State(NodeState::kDrain).Build()}),
                                     queue);
  EXPECT_EQ(down.decisions[0].kind, VerdictKind::kNotNow);
  EXPECT_EQ(down.decisions[0].reason, "NO_NODES");
}

TEST(CycleTest, NeverFitsWinsOverNoNodes) {
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(8).Build());
  CycleResult result =
      RunFifoFirstFit(Cluster({NodeBuilder("n1").State(NodeState::kDown).Build()}), queue);
  EXPECT_EQ(result.decisions[0].kind, VerdictKind::kNeverFits);
  EXPECT_EQ(result.decisions[0].message, "no node has 8 CPUs; the largest has 4");
}

TEST(CycleTest, OnlyDownNodesCouldHoldItIsUnsatisfiable) {
  // UP n1 has 4 PUs; DOWN n2 has 16 and DRAIN n3 has 8.
  ClusterView view = Cluster({NodeBuilder("n1").Build(),
                              NodeBuilder("n2").CoresPerNuma(16).State(NodeState::kDown).Build(),
                              NodeBuilder("n3").CoresPerNuma(8).State(NodeState::kDrain).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(8).Build());
  queue.Add(2, JobBuilder().Cpus(32).Build());
  queue.Add(3, JobBuilder().Cpus(4).Build());
  CycleResult result = RunFifoFirstFit(view, queue);
  EXPECT_EQ(result.decisions[0].kind, VerdictKind::kNotNow);
  EXPECT_EQ(result.decisions[0].reason, "UNSATISFIABLE");
  EXPECT_EQ(result.decisions[0].message, "no UP node has 8 CPUs; the largest has 4");
  EXPECT_EQ(result.decisions[1].kind, VerdictKind::kNeverFits);
  EXPECT_EQ(result.decisions[1].message, "no node has 32 CPUs; the largest has 16");
  ASSERT_EQ(result.decisions[2].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[2].placement->nodes[0].node_index, 0u);
}

TEST(CycleTest, Labels) {
  // n1 (zone=us) comes first in name order and is free, but a zone=eu job goes to n2.
  ClusterView view =
      Cluster({NodeBuilder("n1").Label("zone", "us").Build(),
               NodeBuilder("n2").Label("zone", "eu").Label("rack", "a").Build(),
               NodeBuilder("n3").Label("zone", "ap").State(NodeState::kDown).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Label("zone", "eu").Build());
  queue.Add(2, JobBuilder().Label("zone", "ap").Build());
  queue.Add(3, JobBuilder().Label("zone", "mars").Build());
  queue.Add(4, JobBuilder().Build());
  CycleResult result = RunFifoFirstFit(view, queue);
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[0].placement->nodes[0].node_index, 1u);
  EXPECT_EQ(result.decisions[1].reason, "UNSATISFIABLE");  // its node is DOWN
  EXPECT_EQ(result.decisions[1].message, "no UP node has label zone=ap");
  EXPECT_EQ(result.decisions[2].kind, VerdictKind::kNeverFits);
  EXPECT_EQ(result.decisions[2].message, "no node has label zone=mars");
  ASSERT_EQ(result.decisions[3].kind, VerdictKind::kPlaced);  // no labels: any node
  EXPECT_EQ(result.decisions[3].placement->nodes[0].node_index, 0u);
}

TEST(CycleTest, FullNodesAreNeverVisited) {
  // n1 is full and n2 DOWN: the index offers no node, so no filter is asked about one. The job
  // no node could ever hold is found never to fit all the same; the other gets a reservation
  // for when n1's job ends.
  ClusterView view = Cluster({NodeBuilder("n1").UsedPus({0, 1, 2, 3}).Build(),
                              NodeBuilder("n2").State(NodeState::kDown).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Build());
  queue.Add(2, JobBuilder().Cpus(1000).Build());
  ProfileConfig config = BuiltinProfiles().at("default");
  config.filter = {};
  std::unique_ptr<Profile> profile = Build(config);
  auto counting = std::make_unique<CountingFilter>();
  CountingFilter* filter = counting.get();
  profile->plugins.push_back(std::move(counting));
  profile->filter.push_back(filter);
  CycleResult result = RunCycle(view, TenantsView(), *profile, {queue.jobs(), true, {}}, kNow);
  EXPECT_EQ(filter->calls, 0);
  ASSERT_EQ(result.decisions.size(), 2u);
  EXPECT_EQ(result.decisions[0].kind, VerdictKind::kNotNow);
  EXPECT_EQ(result.decisions[0].reason, "RESERVED");
  EXPECT_EQ(result.decisions[1].kind, VerdictKind::kNeverFits);
}

TEST(CycleTest, TightestSearchVisitsOnlyNodesWithRoom) {
  // 100 4-PU nodes, 97 full: a 2-CPU job is checked on the 3 with room only.
  std::vector<builder::BuiltNode> nodes;
  for (int i = 0; i < 100; ++i) {
    NodeBuilder b("n" + std::to_string(100 + i));
    if (i % 33 != 0) b.UsedPus({0, 1, 2, 3});
    nodes.push_back(b.Build());
  }
  ClusterView view = Cluster(std::move(nodes));
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(2).Build());
  ProfileConfig config = BuiltinProfiles().at("default");
  config.filter = {};
  std::unique_ptr<Profile> profile = Build(config);
  auto counting = std::make_unique<CountingFilter>();
  CountingFilter* filter = counting.get();
  profile->plugins.push_back(std::move(counting));
  profile->filter.push_back(filter);
  CycleResult result = RunCycle(view, TenantsView(), *profile, {queue.jobs(), true, {}}, kNow);
  EXPECT_EQ(filter->calls, 4);  // nodes 0, 33, 66, 99
  EXPECT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
}

TEST(CycleTest, LeavesTheViewAsItFoundIt) {
  ClusterView view = Cluster({NodeBuilder("n1").Build(), NodeBuilder("n2").UsedPus({0}).Build()});
  ClusterView before = view;
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(4).Build());
  queue.Add(2, JobBuilder().Cpus(2).Build());
  CycleResult result = RunProfile(view, queue, "default");
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  ASSERT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  for (size_t i = 0; i < view.nodes().size(); ++i) {
    EXPECT_EQ(view.node(i).pu_free, before.node(i).pu_free);
    EXPECT_EQ(view.node(i).memory_free, before.node(i).memory_free);
    EXPECT_EQ(view.node(i).jobs, before.node(i).jobs);
  }
  EXPECT_EQ(view.allocations().size(), before.allocations().size());
  EXPECT_TRUE(view.CheckInvariants().ok());
}

TEST(CycleTest, BinPackFillsTheFullestNodeAndSpreadTheEmptiest) {
  // n1 has 1 PU free, n2 3, n3 4: a 1-CPU job goes to n1 with bin-pack, to n3 with spread.
  ClusterView view = Cluster({NodeBuilder("n1").UsedPus({0, 1, 2}).Build(),
                              NodeBuilder("n2").UsedPus({0}).Build(), NodeBuilder("n3").Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(1).Build());
  EXPECT_EQ(Part(RunProfile(view, queue, "default").decisions[0]).node_index, 0u);
  EXPECT_EQ(Part(RunProfile(view, queue, "spread").decisions[0]).node_index, 2u);
  // A 2-CPU job: n1 is too small; bin-pack takes n2.
  PendingQueue two;
  two.Add(1, JobBuilder().Cpus(2).Build());
  EXPECT_EQ(Part(RunProfile(view, two, "default").decisions[0]).node_index, 1u);
}

TEST(CycleTest, CpuJobsKeepOffGpuNodesWhenOthersHoldThem) {
  // gpu1 (first by name, empty, 2 GPUs) and cpu1: a CPU job goes to cpu1 under every index
  // search; a GPU job to gpu1.
  ClusterView view =
      Cluster({NodeBuilder("a-gpu1").Gpus(2).Build(), NodeBuilder("b-cpu1").Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(1).Build());
  queue.Add(2, JobBuilder().Cpus(1).Gpus(1).Build());
  for (const char* profile : {"default", "spread"}) {
    CycleResult result = RunProfile(view, queue, profile);
    EXPECT_EQ(Part(result.decisions[0]).node_index, 1u) << profile;
    EXPECT_EQ(Part(result.decisions[1]).node_index, 0u) << profile;
  }
}

}  // namespace
}  // namespace sharc::policies
