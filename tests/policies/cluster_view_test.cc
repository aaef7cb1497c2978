#include "policies/cluster_view.h"

#include <gtest/gtest.h>

#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::AddRunning;
using builder::Cluster;
using builder::kGiB;
using builder::NodeBuilder;

std::vector<size_t> Visited(const ClusterView& view, CapacityQuery query, NodeOrder order) {
  std::vector<size_t> nodes;
  view.index().Visit(query, order, [&](size_t node) {
    nodes.push_back(node);
    return VisitNext::kContinue;
  });
  return nodes;
}

TEST(ClusterViewTest, AssumeAndForgetKeepFreeResourcesAndTheIndexInStep) {
  ClusterView view = Cluster({NodeBuilder("n1").Build(), NodeBuilder("n2").Build()});
  AddRunning(view, {7, "acme", 0, {0, 1}, {}, 2 * kGiB});
  EXPECT_EQ(view.node(0).free_pus, 2);
  EXPECT_EQ(view.node(0).memory_free, 14 * kGiB);
  EXPECT_EQ(view.node(0).jobs, (std::vector<JobId>{JobId{7}}));
  // Tightest first: n1 (2 free) before n2 (4 free); a 3-CPU job only sees n2.
  EXPECT_EQ(Visited(view, {1, 0, "", nullptr}, NodeOrder::kTightest), (std::vector<size_t>{0, 1}));
  EXPECT_EQ(Visited(view, {1, 0, "", nullptr}, NodeOrder::kLoosest), (std::vector<size_t>{1, 0}));
  EXPECT_EQ(Visited(view, {3, 0, "", nullptr}, NodeOrder::kTightest), (std::vector<size_t>{1}));
  EXPECT_TRUE(view.CheckInvariants().ok());
  view.Forget(JobId{7});
  EXPECT_EQ(view.node(0).free_pus, 4);
  EXPECT_TRUE(view.node(0).jobs.empty());
  EXPECT_TRUE(view.CheckInvariants().ok());
}

TEST(ClusterViewTest, AssumeRefusesWhatIsNotFreeAndChangesNothing) {
  ClusterView view = Cluster({NodeBuilder("n1").UsedPus({1}).Build()});
  RunningAllocation a;
  a.job = JobId{9};
  a.placement.nodes.push_back({0, {0, 1}, {}, kGiB});
  Status status = view.Assume(a);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "CPU 1 of node n1 is not free");
  EXPECT_EQ(view.node(0).free_pus, 3);
  EXPECT_EQ(view.FindAllocation(JobId{9}), nullptr);
}

TEST(ClusterViewTest, OnlySchedulableNodesAreIndexedAndCounted) {
  ClusterView view = Cluster({NodeBuilder("n1").Build(), NodeBuilder("n2").Build()});
  EXPECT_EQ(view.schedulable_capacity().Get(kCpuResource), 8000);
  view.SetNodeStatus(1, NodeState::kDrain, true);
  EXPECT_EQ(view.index().size(), 1u);
  EXPECT_EQ(view.schedulable_capacity().Get(kCpuResource), 4000);
  view.SetNodeStatus(0, NodeState::kUp, false);  // disconnected
  EXPECT_EQ(view.index().size(), 0u);
  EXPECT_EQ(view.shapes().begin()->second.nodes, 2);
  EXPECT_EQ(view.shapes().begin()->second.schedulable, 0);
  EXPECT_TRUE(view.CheckInvariants().ok());
}

TEST(ClusterViewTest, GpuQueriesVisitGpuPoolsWithTheModelAndCpuJobsPreferOthers) {
  ClusterView view = Cluster({NodeBuilder("a").Gpus(2, "H100").Build(),
                              NodeBuilder("b").Gpus(2, "A100").Build(), NodeBuilder("c").Build()});
  EXPECT_EQ(Visited(view, {1, 1, "h100", nullptr}, NodeOrder::kTightest), (std::vector<size_t>{0}));
  EXPECT_EQ(Visited(view, {1, 2, "", nullptr}, NodeOrder::kTightest), (std::vector<size_t>{0, 1}));
  // A CPU job: the pool without GPUs first.
  EXPECT_EQ(Visited(view, {1, 0, "", nullptr}, NodeOrder::kTightest),
            (std::vector<size_t>{2, 0, 1}));
}

TEST(ClusterViewTest, ReRegisteringWithLessHardwareReportsAllocationsThatNoLongerFit) {
  ClusterView view = Cluster({NodeBuilder("n1").CoresPerNuma(8).Build()});
  AddRunning(view, {7, "acme", 0, {6, 7}, {}, kGiB});
  auto smaller = NodeBuilder("n1").Build().description;  // 4 PUs: 6 and 7 are gone
  auto [index, fits] = view.UpsertNode(smaller);
  EXPECT_EQ(index, 0u);
  EXPECT_FALSE(fits);
  EXPECT_EQ(view.node(0).free_pus, 4);
  EXPECT_EQ(view.node(0).jobs, (std::vector<JobId>{JobId{7}}));
}

}  // namespace
}  // namespace sharc::policies
