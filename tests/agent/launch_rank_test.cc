// An agent runs only its own part of a launch: the part at the launch's rank, naming this
// node, with CPUs and GPUs this node has. Anything else is refused before anything is set up, and
// reported as launch_failed with the reason.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "agent/attempt_runner.h"
#include "agent/attempt_setup.h"
#include "agent/job_environment.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

protocol::LaunchMsg GangLaunch(int32_t rank) {
  protocol::LaunchMsg launch;
  launch.attempt = {JobId{12}, 1};
  launch.tenant = "acme";
  launch.spec.name = "gang";
  launch.spec.command = {"true"};
  launch.spec.memory_bytes = 1 << 20;
  launch.spec.time_limit_seconds = 60;
  launch.allocation = {
      {NodeAllocation{"n0", {0}, {}, 1 << 20, true}, NodeAllocation{"n1", {1}, {}, 1 << 20, true}}};
  launch.rank = rank;
  return launch;
}

TEST(LocalPartTest, IsThePartAtTheRankWhenItNamesThisNode) {
  protocol::LaunchMsg launch = GangLaunch(1);
  StatusOr<const NodeAllocation*> part = LocalPart(launch, "n1");
  ASSERT_TRUE(part.ok()) << part.status().message();
  EXPECT_EQ(*part, &launch.allocation.nodes[1]);
}

TEST(LocalPartTest, RefusesARankOutOfRange) {
  for (int32_t rank : {2, -1}) {
    Status status = LocalPart(GangLaunch(rank), "n1").status();
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(status.message(), "launched with rank " + std::to_string(rank) +
                                    ", but the allocation has 2 part(s): no part is this node's");
  }
}

TEST(LocalPartTest, RefusesAPartOfAnotherNode) {
  Status status = LocalPart(GangLaunch(0), "n1").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "launched with rank 0, the part of node n0, but this is n1");
}

// Through the runner: each refusal is the attempt's launch_failed report, and nothing ran.
class AttemptRunnerLaunchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    auto topology = std::make_shared<NodeTopology>();
    topology->pus = {{0, 0, 0, 0}, {1, 1, 0, 0}};
    AttemptRunnerOptions options;
    options.node_name = "n1";
    options.setup.state_dir = dir_.path();
    runner_ = std::make_unique<AttemptRunner>(
        io_, options, topology, clock_,
        [this](const protocol::AttemptReport& r) { reports_.push_back(r); });
  }

  // Every launch so far ended launch_failed, saying these, and none left anything behind.
  void ExpectLaunchFailures(const std::vector<std::string>& messages) {
    ASSERT_EQ(reports_.size(), messages.size());
    for (size_t i = 0; i < messages.size(); ++i) {
      EXPECT_TRUE(reports_[i].exited);
      EXPECT_EQ(reports_[i].ending, protocol::AttemptEnding::kLaunchFailed);
      EXPECT_EQ(reports_[i].message, messages[i]);
    }
    EXPECT_EQ(runner_->running_count(), 0u);
    EXPECT_TRUE(runner_->AllocatedGpus().empty());
    EXPECT_FALSE(std::filesystem::exists(dir_.File("jobs"))) << "an attempt was set up";
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  FakeClock clock_;
  std::vector<protocol::AttemptReport> reports_;
  std::unique_ptr<AttemptRunner> runner_;
};

TEST_F(AttemptRunnerLaunchTest, ReportsALaunchForAnotherRankAsLaunchFailed) {
  runner_->Launch(GangLaunch(0));  // n0's part
  protocol::LaunchMsg out_of_range = GangLaunch(7);
  out_of_range.attempt.job = JobId{13};
  runner_->Launch(out_of_range);
  ExpectLaunchFailures(
      {"launched with rank 0, the part of node n0, but this is n1",
       "launched with rank 7, but the allocation has 2 part(s): no part is this node's"});
}

// A scheduler with a stale inventory: a CPU or GPU this node does not have.
TEST_F(AttemptRunnerLaunchTest, ReportsAPartWithACpuOrGpuThisNodeLacksAsLaunchFailed) {
  protocol::LaunchMsg no_such_cpu = GangLaunch(1);
  no_such_cpu.allocation.nodes[1].cpus = {1, 5};
  runner_->Launch(no_such_cpu);
  protocol::LaunchMsg no_such_gpu = GangLaunch(1);
  no_such_gpu.attempt.job = JobId{13};
  no_such_gpu.allocation.nodes[1].gpus = {0};
  runner_->Launch(no_such_gpu);
  ExpectLaunchFailures({"this node has no CPU 5", "this node has no GPU 0"});
}

}  // namespace
}  // namespace sharc::agent

namespace sharc::agent {
namespace {

// What torchrun and MPI launchers read, per rank.
TEST(GangEnvironmentTest, EachRankGetsTheRendezvousAndItsRank) {
  protocol::LaunchMsg launch;
  launch.attempt = {JobId{12}, 2};
  launch.spec.num_nodes = 3;
  launch.allocation.nodes = {NodeAllocation{"n0", {0, 1}, {}, 1 << 20, false, "10.0.0.1", 29501},
                             NodeAllocation{"n1", {0, 1}, {}, 1 << 20, false, "10.0.0.2"},
                             NodeAllocation{"n2", {4}, {}, 1 << 20, false, ""}};
  launch.rank = 2;
  auto env = BuildJobEnvironment(launch, launch.allocation.nodes[2], "/state/jobs/12.2", "/bin");
  EXPECT_EQ(env["SHARC_NODELIST"], "n0,n1,n2");
  EXPECT_EQ(env["SHARC_NUM_NODES"], "3");
  EXPECT_EQ(env["NNODES"], "3");
  EXPECT_EQ(env["WORLD_SIZE"], "3");
  EXPECT_EQ(env["SHARC_NODE_RANK"], "2");
  EXPECT_EQ(env["NODE_RANK"], "2");
  EXPECT_EQ(env["RANK"], "2");
  EXPECT_EQ(env["MASTER_ADDR"], "10.0.0.1");
  EXPECT_EQ(env["MASTER_PORT"], "29501");
  EXPECT_EQ(env["SHARC_HOSTFILE"], "/state/jobs/12.2/hostfile");
  // The node's name stands in for an unknown address.
  EXPECT_EQ(BuildHostfile(launch), "10.0.0.1 slots=2\n10.0.0.2 slots=2\nn2 slots=1\n");
}

TEST(GangEnvironmentTest, ASingleNodeJobGetsNoGangVariables) {
  protocol::LaunchMsg launch;
  launch.attempt = {JobId{12}, 1};
  launch.allocation.nodes = {NodeAllocation{"n0", {0}, {}, 1 << 20}};
  auto env = BuildJobEnvironment(launch, launch.allocation.nodes[0], "/d", "/bin");
  EXPECT_EQ(env.count("MASTER_ADDR"), 0u);
  EXPECT_EQ(env.count("SHARC_NODELIST"), 0u);
  EXPECT_EQ(env.count("SHARC_ARRAY_JOB_ID"), 0u);
}

TEST(ArrayEnvironmentTest, ATaskOfAnArrayGetsTheArraysIdAndItsIndex) {
  protocol::LaunchMsg launch;
  launch.attempt = {JobId{57}, 1};
  launch.allocation.nodes = {NodeAllocation{"n0", {0}, {}, 1 << 20}};
  launch.array_job = JobId{12};
  launch.array_task = 0;
  auto env = BuildJobEnvironment(launch, launch.allocation.nodes[0], "/d", "/bin");
  EXPECT_EQ(env["SHARC_JOB_ID"], "57");
  EXPECT_EQ(env["SHARC_ARRAY_JOB_ID"], "12");
  EXPECT_EQ(env["SHARC_ARRAY_TASK_ID"], "0");
}

}  // namespace
}  // namespace sharc::agent
