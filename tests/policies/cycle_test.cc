#include "policies/cycle.h"

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "policies/fifo_order.h"
#include "policies/first_fit.h"
#include "tests/policies/snapshot_builder.h"

namespace sharc::policies {
namespace {

using builder::Cluster;
using builder::JobBuilder;
using builder::NodeBuilder;
using builder::PendingQueue;

constexpr UnixMillis kNow = 1'800'000'000'000;

// First-fit that counts how often it is asked, to show which jobs were tried.
class CountingFirstFit final : public PlacementPolicy {
 public:
  std::string_view name() const override { return "counting-first-fit"; }
  std::optional<Placement> PlaceOnNode(const NodeSnapshot& node, size_t node_index,
                                       const JobSpec& spec) const override {
    ++calls;
    return inner_.PlaceOnNode(node, node_index, spec);
  }
  size_t Choose(const ClusterSnapshot& snapshot,
                const std::vector<Placement>& candidates) const override {
    return inner_.Choose(snapshot, candidates);
  }
  mutable int calls = 0;

 private:
  FirstFitPlacement inner_;
};

CycleResult RunFifoFirstFit(const ClusterSnapshot& snapshot, const PendingQueue& queue) {
  return RunSchedulingCycle(snapshot, queue.jobs(), FifoOrder(), FirstFitPlacement(), kNow);
}

std::vector<int64_t> JobOrder(const CycleResult& result) {
  std::vector<int64_t> ids;
  for (const Decision& d : result.decisions) ids.push_back(d.job.value);
  return ids;
}

TEST(CycleTest, FifoOrderIsHonoured) {
  // 4 single-PU cores; three 2-CPU jobs: only the first two in FIFO order fit.
  ClusterSnapshot snapshot = Cluster({NodeBuilder("n1").CoresPerNuma(4).Build()});
  PendingQueue queue;
  queue.Add(3, JobBuilder().Cpus(2).Build(), /*submit_time=*/10);
  queue.Add(1, JobBuilder().Cpus(2).Build(), /*submit_time=*/20);
  queue.Add(2, JobBuilder().Cpus(2).Build(), /*submit_time=*/10);
  CycleResult result = RunFifoFirstFit(snapshot, queue);
  // (10, 2), (10, 3), (20, 1).
  ASSERT_EQ(JobOrder(result), (std::vector<int64_t>{2, 3, 1}));
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[0].placement->cpus, (std::vector<int>{0, 1}));
  ASSERT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[1].placement->cpus, (std::vector<int>{2, 3}));
  EXPECT_EQ(result.decisions[2].kind, VerdictKind::kNotNow);
  EXPECT_EQ(result.decisions[2].reason, "RESOURCES");
  EXPECT_FALSE(result.decisions[2].placement.has_value());
}

TEST(CycleTest, LaterJobsSeeEarlierPlacements) {
  // n1: 2 GPUs, 16 GiB; n2: 4 cores. Three 1-GPU 6-GiB jobs: two on n1 with different GPUs;
  // the third finds n1's GPUs taken (and 4 GiB left) and n2 without GPUs.
  ClusterSnapshot snapshot =
      Cluster({NodeBuilder("n1").MemoryGiB(16).Gpus(2).Build(), NodeBuilder("n2").Build()});
  PendingQueue queue;
  for (int64_t id = 1; id <= 3; ++id) queue.Add(id, JobBuilder().Gpus(1).MemoryGiB(6).Build());
  queue.Add(4, JobBuilder().MemoryGiB(6).Build());  // no GPU: n1 has 4 GiB left -> n2
  CycleResult result = RunFifoFirstFit(snapshot, queue);
  ASSERT_EQ(result.decisions.size(), 4u);
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  ASSERT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[0].placement->gpus, (std::vector<int>{0}));
  EXPECT_EQ(result.decisions[1].placement->gpus, (std::vector<int>{1}));
  EXPECT_NE(result.decisions[0].placement->cpus, result.decisions[1].placement->cpus);
  EXPECT_EQ(result.decisions[2].reason, "RESOURCES");
  ASSERT_EQ(result.decisions[3].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[3].placement->node_index, 1u);
}

TEST(CycleTest, SkippedBigJobLetsSmallerLaterJobsRun) {
  // 4 PUs, 2 used: the 4-CPU job waits; the 1-CPU jobs behind it start.
  ClusterSnapshot snapshot = Cluster({NodeBuilder("n1").UsedPus({0, 1}).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(4).Build(), 1);
  queue.Add(2, JobBuilder().Cpus(1).Build(), 2);
  queue.Add(3, JobBuilder().Cpus(1).Build(), 3);
  CycleResult result = RunFifoFirstFit(snapshot, queue);
  EXPECT_EQ(result.decisions[0].reason, "RESOURCES");
  ASSERT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[1].placement->cpus, (std::vector<int>{2}));
  ASSERT_EQ(result.decisions[2].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[2].placement->cpus, (std::vector<int>{3}));
}

TEST(CycleTest, FirstNodeInNameOrderThatFits) {
  // n1 is full; n2 and n3 both fit: first-fit takes n2 (index 1).
  ClusterSnapshot snapshot = Cluster({NodeBuilder("n3").Build(), NodeBuilder("n2").Build(),
                                      NodeBuilder("n1").UsedPus({0, 1, 2, 3}).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(2).Build());
  CycleResult result = RunFifoFirstFit(snapshot, queue);
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[0].placement->node_index, 1u);
  EXPECT_EQ(snapshot.nodes[1].name, "n2");
}

TEST(CycleTest, NoUpNodeIsNoNodes) {
  PendingQueue queue;
  queue.Add(1, JobBuilder().Build());
  // No node known at all: nothing is refused yet.
  CycleResult empty = RunFifoFirstFit(ClusterSnapshot{}, queue);
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
  ClusterSnapshot snapshot =
      Cluster({NodeBuilder("n1").Build(),
               NodeBuilder("n2").CoresPerNuma(16).State(NodeState::kDown).Build(),
               NodeBuilder("n3").CoresPerNuma(8).State(NodeState::kDrain).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(8).Build());
  queue.Add(2, JobBuilder().Cpus(32).Build());
  queue.Add(3, JobBuilder().Cpus(4).Build());
  CycleResult result = RunFifoFirstFit(snapshot, queue);
  EXPECT_EQ(result.decisions[0].kind, VerdictKind::kNotNow);
  EXPECT_EQ(result.decisions[0].reason, "UNSATISFIABLE");
  EXPECT_EQ(result.decisions[0].message, "no UP node has 8 CPUs; the largest has 4");
  EXPECT_EQ(result.decisions[1].kind, VerdictKind::kNeverFits);
  EXPECT_EQ(result.decisions[1].message, "no node has 32 CPUs; the largest has 16");
  ASSERT_EQ(result.decisions[2].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[2].placement->node_index, 0u);
}

TEST(CycleTest, Labels) {
  // n1 (zone=us) comes first in name order and is free, but a zone=eu job goes to n2.
  ClusterSnapshot snapshot =
      Cluster({NodeBuilder("n1").Label("zone", "us").Build(),
               NodeBuilder("n2").Label("zone", "eu").Label("rack", "a").Build(),
               NodeBuilder("n3").Label("zone", "ap").State(NodeState::kDown).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Label("zone", "eu").Build());
  queue.Add(2, JobBuilder().Label("zone", "ap").Build());
  queue.Add(3, JobBuilder().Label("zone", "mars").Build());
  queue.Add(4, JobBuilder().Build());
  CycleResult result = RunFifoFirstFit(snapshot, queue);
  ASSERT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[0].placement->node_index, 1u);
  EXPECT_EQ(result.decisions[1].reason, "UNSATISFIABLE");  // its node is DOWN
  EXPECT_EQ(result.decisions[1].message, "no UP node has label zone=ap");
  EXPECT_EQ(result.decisions[2].kind, VerdictKind::kNeverFits);
  EXPECT_EQ(result.decisions[2].message, "no node has label zone=mars");
  ASSERT_EQ(result.decisions[3].kind, VerdictKind::kPlaced);  // no labels: any node
  EXPECT_EQ(result.decisions[3].placement->node_index, 0u);
}

TEST(CycleTest, FullClusterStopsTrying) {
  // Every UP PU is taken (the DOWN node's do not count): nothing is tried, every job is
  // RESOURCES, even one that could never fit (that is found once there is room again).
  ClusterSnapshot snapshot = Cluster({NodeBuilder("n1").UsedPus({0, 1, 2, 3}).Build(),
                                      NodeBuilder("n2").State(NodeState::kDown).Build()});
  PendingQueue queue;
  queue.Add(1, JobBuilder().Build());
  queue.Add(2, JobBuilder().Cpus(1000).Build());
  CountingFirstFit policy;
  CycleResult result = RunSchedulingCycle(snapshot, queue.jobs(), FifoOrder(), policy, kNow);
  EXPECT_EQ(policy.calls, 0);
  ASSERT_EQ(result.decisions.size(), 2u);
  for (const Decision& d : result.decisions) {
    EXPECT_EQ(d.kind, VerdictKind::kNotNow);
    EXPECT_EQ(d.reason, "RESOURCES");
  }
}

TEST(CycleTest, StopsOnceTheLastPuIsTaken) {
  // Two 2-PU nodes and five 2-CPU jobs. Job 1 is tried on n1 and n2 (2 calls) and takes n1;
  // job 2 only on n2 (a full n1 is skipped without a call) and takes it: 3 calls. No UP PU
  // is left, so jobs 3-6 are not looked at: even job 6, which could never fit, is RESOURCES.
  ClusterSnapshot snapshot = Cluster(
      {NodeBuilder("n1").CoresPerNuma(2).Build(), NodeBuilder("n2").CoresPerNuma(2).Build()});
  PendingQueue queue;
  for (int64_t id = 1; id <= 5; ++id) queue.Add(id, JobBuilder().Cpus(2).Build(), id);
  queue.Add(6, JobBuilder().Cpus(1000).Build(), 6);
  CountingFirstFit policy;
  CycleResult result = RunSchedulingCycle(snapshot, queue.jobs(), FifoOrder(), policy, kNow);
  EXPECT_EQ(policy.calls, 3);
  EXPECT_EQ(result.decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(result.decisions[1].kind, VerdictKind::kPlaced);
  for (size_t i = 2; i < 6; ++i) {
    EXPECT_EQ(result.decisions[i].kind, VerdictKind::kNotNow) << i;
    EXPECT_EQ(result.decisions[i].reason, "RESOURCES") << i;
  }
}

TEST(CycleTest, DoesNotTouchTheInputSnapshot) {
  ClusterSnapshot snapshot = Cluster({NodeBuilder("n1").Build()});
  ClusterSnapshot before = snapshot;
  PendingQueue queue;
  queue.Add(1, JobBuilder().Cpus(4).Build());
  ASSERT_EQ(RunFifoFirstFit(snapshot, queue).decisions[0].kind, VerdictKind::kPlaced);
  EXPECT_EQ(snapshot.nodes[0].pu_free, before.nodes[0].pu_free);
  EXPECT_EQ(snapshot.nodes[0].memory_free, before.nodes[0].memory_free);
}

}  // namespace
}  // namespace sharc::policies
