// ClusterState keeps every part of a job's allocation: a job with parts on two nodes is listed
// by both, holds resources on both, and gives both back.
#include "scheduler/cluster_state.h"

#include <gtest/gtest.h>

namespace sharc::scheduler {
namespace {

// A node with `cpus` PUs (OS indices 0..cpus-1), `gpus` GPUs and 16 GiB.
store::NodeRecord NodeWith(const std::string& name, int cpus, int gpus = 0) {
  store::NodeRecord record;
  record.inventory.name = name;
  NodeTopology& t = record.inventory.topology;
  t.packages = 1;
  t.cores = cpus;
  t.memory_bytes = int64_t{16} << 30;
  t.numa_nodes = {{0, t.memory_bytes}};
  for (int i = 0; i < cpus; ++i) t.pus.push_back({i, i, 0, 0});
  for (int i = 0; i < gpus; ++i)
    t.gpus.push_back({i, "cuda" + std::to_string(i), "10de", "H100", "", 0});
  return record;
}

Job RunningJob(int64_t id, Allocation allocation) {
  Job job;
  job.id = JobId{id};
  job.tenant = "acme";
  job.spec.name = "gang";
  job.spec.command = {"true"};
  job.spec.cpus = 3;
  job.spec.memory_bytes = int64_t{3} << 30;
  job.spec.gpus = 1;
  job.spec.time_limit_seconds = 60;
  job.state = JobState::kRunning;
  job.attempt = 1;
  job.allocation = std::move(allocation);
  return job;
}

// Two parts: CPUs 0-1 and 2 GiB on a; CPU 3, GPU 1 and 1 GiB on b.
Allocation TwoParts() {
  return Allocation{{NodeAllocation{"a", {0, 1}, {}, int64_t{2} << 30, false},
                     NodeAllocation{"b", {3}, {1}, int64_t{1} << 30, false}}};
}

class ClusterStateTest : public ::testing::Test {
 protected:
  ClusterStateTest() {
    state_.UpsertNode(NodeWith("a", 4));
    state_.UpsertNode(NodeWith("b", 4, 2));
  }

  Resources Allocated(const std::string& node) const {
    return state_.AllocatedOn(*state_.FindNode(node));
  }
  std::vector<JobId> JobsOn(const std::string& node) const {
    return state_.JobsOn(*state_.FindNode(node));
  }
  Status Allocate(const Job& job) { return state_.Allocate(job, kNormal, 1'000'000); }

  const policies::PriorityClass kNormal{"normal", 100, true, false};

  ClusterState state_;
};

TEST_F(ClusterStateTest, ATwoPartAllocationHoldsAndReleasesBothNodes) {
  Job& job = state_.AddJob(RunningJob(7, TwoParts()));
  ASSERT_TRUE(Allocate(job).ok());
  EXPECT_TRUE(state_.CheckInvariants().ok()) << state_.CheckInvariants().message();
  EXPECT_EQ(JobsOn("a"), std::vector<JobId>{JobId{7}});
  EXPECT_EQ(JobsOn("b"), std::vector<JobId>{JobId{7}});
  EXPECT_EQ(Allocated("a"), (Resources{{"cpu", 2000}, {"memory", int64_t{2} << 30}}));
  EXPECT_EQ(Allocated("b"), (Resources{{"cpu", 1000}, {"memory", int64_t{1} << 30}, {"gpu", 1}}));
  const policies::NodeView& b = state_.view().node(state_.FindNode("b")->view_index);
  EXPECT_EQ(b.gpu_free, (std::vector<bool>{true, false}));
  // The tenant holds the job's request once, however many parts it has.
  EXPECT_EQ(state_.UsageOf("acme").held, job.spec.Request());
  // The view policies read shows both parts taken.
  EXPECT_EQ(state_.view().node(0).pu_free, (std::vector<bool>{false, false, true, true}));
  EXPECT_EQ(state_.view().node(1).pu_free, (std::vector<bool>{true, true, true, false}));

  state_.Release(job);
  state_.SetState(job, JobState::kCompleted);
  EXPECT_TRUE(state_.CheckInvariants().ok()) << state_.CheckInvariants().message();
  EXPECT_TRUE(JobsOn("a").empty());
  EXPECT_TRUE(JobsOn("b").empty());
  EXPECT_EQ(Allocated("a"), Resources());
  EXPECT_EQ(Allocated("b"), Resources());
  EXPECT_EQ(state_.UsageOf("acme").held, Resources());
  state_.Release(job);  // twice is harmless
  EXPECT_EQ(state_.UsageOf("acme").held, Resources());
}

// A part that does not fit leaves the other parts' nodes untouched: all parts or none.
TEST_F(ClusterStateTest, AnAllocationWithAPartThatDoesNotFitMarksNothing) {
  Job& first = state_.AddJob(RunningJob(1, Allocation{{NodeAllocation{"b", {3}, {}, 0, false}}}));
  ASSERT_TRUE(Allocate(first).ok());
  Job& gang = state_.AddJob(RunningJob(2, TwoParts()));  // wants CPU 3 of b too
  Status status = Allocate(gang);
  EXPECT_EQ(status.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(status.message(), "CPU 3 of node b is not free");
  EXPECT_EQ(Allocated("a"), Resources()) << "part a was marked although part b failed";
  EXPECT_TRUE(JobsOn("a").empty());
  EXPECT_EQ(JobsOn("b"), std::vector<JobId>{JobId{1}});

  Job& unknown = state_.AddJob(RunningJob(3, Allocation{{NodeAllocation{"a", {0}, {}, 0, false},
                                                         NodeAllocation{"z", {0}, {}, 0, false}}}));
  EXPECT_EQ(Allocate(unknown).message(),
            "job 3 is allocated on a node the scheduler does not know");
  EXPECT_EQ(Allocated("a"), Resources());
}

TEST_F(ClusterStateTest, RefusesTwoPartsOnOneNode) {
  Job& job = state_.AddJob(RunningJob(4, Allocation{{NodeAllocation{"a", {0}, {}, 0, false},
                                                     NodeAllocation{"a", {1}, {}, 0, false}}}));
  Status status = Allocate(job);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "allocation[1].node: 'a' has an earlier part: one part per node");
  EXPECT_EQ(Allocated("a"), Resources());
}

// Re-registration recomputes each node's usage from the parts placed on it.
TEST_F(ClusterStateTest, ReRegisteringANodeKeepsItsPartOfEachJob) {
  Job& job = state_.AddJob(RunningJob(7, TwoParts()));
  ASSERT_TRUE(Allocate(job).ok());
  auto [b, fits] = state_.UpsertNode(NodeWith("b", 4, 2));
  EXPECT_TRUE(fits);
  EXPECT_EQ(state_.AllocatedOn(*b),
            (Resources{{"cpu", 1000}, {"memory", int64_t{1} << 30}, {"gpu", 1}}));
  EXPECT_TRUE(state_.CheckInvariants().ok()) << state_.CheckInvariants().message();
  // Back with one GPU: GPU 1 of the job's part is gone.
  auto [smaller, still_fits] = state_.UpsertNode(NodeWith("b", 4, 1));
  EXPECT_FALSE(still_fits);
  EXPECT_EQ(Allocated("a"), (Resources{{"cpu", 2000}, {"memory", int64_t{2} << 30}}));
}

TEST_F(ClusterStateTest, InvariantsNameARunningJobTheViewDoesNotHold) {
  Job& job = state_.AddJob(RunningJob(7, TwoParts()));
  ASSERT_TRUE(Allocate(job).ok());
  state_.view_for_cycle().Forget(job.id);
  EXPECT_EQ(state_.CheckInvariants().message(), "job 7 does not hold its allocation in the view");
}

}  // namespace
}  // namespace sharc::scheduler
