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

// Through the runner: the refusal is the attempt's launch_failed report, and nothing ran.
TEST(AttemptRunnerLaunchTest, ReportsALaunchForAnotherRankAsLaunchFailed) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  boost::asio::io_context io;
  FakeClock clock;
  auto topology = std::make_shared<NodeTopology>();
  topology->pus = {{0, 0, 0, 0}, {1, 1, 0, 0}};
  AttemptRunnerOptions options;
  options.node_name = "n1";
  options.setup.state_dir = dir.path();
  std::vector<protocol::AttemptReport> reports;
  AttemptRunner runner(io, options, topology, clock,
                       [&](const protocol::AttemptReport& r) { reports.push_back(r); });

  runner.Launch(GangLaunch(0));  // n0's part
  protocol::LaunchMsg out_of_range = GangLaunch(7);
  out_of_range.attempt.job = JobId{13};
  runner.Launch(out_of_range);

  ASSERT_EQ(reports.size(), 2u);
  for (const protocol::AttemptReport& report : reports) {
    EXPECT_TRUE(report.exited);
    EXPECT_EQ(report.ending, protocol::AttemptEnding::kLaunchFailed);
  }
  EXPECT_EQ(reports[0].message, "launched with rank 0, the part of node n0, but this is n1");
  EXPECT_EQ(reports[1].message,
            "launched with rank 7, but the allocation has 2 part(s): no part is this node's");
  EXPECT_EQ(runner.running_count(), 0u);
  EXPECT_TRUE(runner.AllocatedGpus().empty());
  EXPECT_FALSE(std::filesystem::exists(dir.File("jobs"))) << "an attempt was set up";
}

// A scheduler with a stale inventory: a CPU or GPU this node does not have.
TEST(AttemptRunnerLaunchTest, ReportsAPartWithACpuOrGpuThisNodeLacksAsLaunchFailed) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  boost::asio::io_context io;
  FakeClock clock;
  auto topology = std::make_shared<NodeTopology>();
  topology->pus = {{0, 0, 0, 0}, {1, 1, 0, 0}};
  AttemptRunnerOptions options;
  options.node_name = "n1";
  options.setup.state_dir = dir.path();
  std::vector<protocol::AttemptReport> reports;
  AttemptRunner runner(io, options, topology, clock,
                       [&](const protocol::AttemptReport& r) { reports.push_back(r); });

  protocol::LaunchMsg no_such_cpu = GangLaunch(1);
  no_such_cpu.allocation.nodes[1].cpus = {1, 5};
  runner.Launch(no_such_cpu);
  protocol::LaunchMsg no_such_gpu = GangLaunch(1);
  no_such_gpu.attempt.job = JobId{13};
  no_such_gpu.allocation.nodes[1].gpus = {0};
  runner.Launch(no_such_gpu);

  ASSERT_EQ(reports.size(), 2u);
  for (const protocol::AttemptReport& report : reports) {
    EXPECT_TRUE(report.exited);
    EXPECT_EQ(report.ending, protocol::AttemptEnding::kLaunchFailed);
  }
  EXPECT_EQ(reports[0].message, "this node has no CPU 5");
  EXPECT_EQ(reports[1].message, "this node has no GPU 0");
  EXPECT_EQ(runner.running_count(), 0u);
  EXPECT_FALSE(std::filesystem::exists(dir.File("jobs"))) << "an attempt was set up";
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
