// Node failure: a killed agent's node goes DOWN within the node timeout and its running jobs
// are requeued (same id) or, with --no-requeue, end NODE_FAIL; when the agent comes back, the
// stale attempt it still runs is killed and the requeued job runs again.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

std::string NodeState(Cluster& cluster, const std::string& name) {
  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  if (!nodes.ok()) return "";
  for (const Json& node : nodes->json["items"]) {
    if (node["name"] == name) return node["state"];
  }
  return "";
}

bool Alive(int pid) { return kill(pid, 0) == 0; }

// Waits until the agent has journaled attempt 1 of `job` and let it run on (it logs "started"
// after both): only then does the job outlive a kill -9 of its agent. Before, its monitor
// kills it, as a launch nobody recorded (see LaunchJob); its output may already show then.
bool WaitUntilRecorded(const Cluster& cluster, const std::string& node, int64_t job) {
  const std::string started = "started job " + std::to_string(job) + " attempt 1 ";
  return WaitFor([&] { return cluster.AgentLog(node).find(started) != std::string::npos; });
}

// The tests that follow a job by the pid it prints ($$) run it in the node's PID namespace,
// where that pid is the node's too.
const Json kNodePidNamespace = {{"job_namespaces", false}};

TEST(NodeFailureTest, AKilledAgentsNodeGoesDownInTimeItsJobsAreRequeuedAndTheStaleAttemptDies) {
  Cluster cluster({.node_timeout = "2s"});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "victim", .config = kNodePidNamespace}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> requeued = cluster.Submit(
      kAcmeToken,
      {{"command", {"sh", "-c", "echo $$; exec sleep 60"}}, {"time_limit_seconds", 600}});
  StatusOr<int64_t> once =
      cluster.Submit(kAcmeToken, {{"command", {"sleep", "60"}}, {"requeue", false}});
  ASSERT_OK(requeued);
  ASSERT_OK(once);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *requeued, "RUNNING"));
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *once, "RUNNING"));
  int first_pid = 0;
  ASSERT_TRUE(WaitFor([&] {
    StatusOr<std::string> out = cluster.Output(kAcmeToken, *requeued);
    return out.ok() && (first_pid = std::atoi(out->c_str())) > 0;
  }));
  ASSERT_TRUE(WaitUntilRecorded(cluster, "victim", *requeued));

  auto killed = std::chrono::steady_clock::now();
  cluster.StopAgent("victim", SIGKILL);
  // With its agent gone, the job's monitor fences it once the agent's lease has stood still for
  // fence_after (1 s here): before the node is DOWN, so before the job can be requeued.
  ASSERT_TRUE(WaitFor([&] { return !Alive(first_pid); }, std::chrono::seconds(10)))
      << "the job of a killed agent still runs";
  auto fenced_in = std::chrono::steady_clock::now() - killed;
  ASSERT_TRUE(
      WaitFor([&] { return NodeState(cluster, "victim") == "DOWN"; }, std::chrono::seconds(10)));
  auto took = std::chrono::steady_clock::now() - killed;
  EXPECT_LT(fenced_in, took);
  // Timeout 2 s, checked every 50 ms: DOWN well within 2 s + one heartbeat + a tick.
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  EXPECT_GE(took, std::chrono::milliseconds(1500));

  StatusOr<Json> ended = cluster.WaitForEnd(kAcmeToken, *once, std::chrono::seconds(5));
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "NODE_FAIL");
  EXPECT_EQ((*ended)["reason"], "NODE_DOWN");
  StatusOr<Json> pending = cluster.GetJob(kAcmeToken, *requeued);
  ASSERT_OK(pending);
  EXPECT_EQ((*pending)["state"], "PENDING");
  EXPECT_EQ((*pending)["reason"], "NODE_FAIL");
  EXPECT_EQ((*pending)["attempt"], 1);

  // The agent comes back: it re-adopts the attempt its monitor fenced and reports it (stale
  // by now), and the scheduler runs attempt 2.
  ASSERT_OK(cluster.StartAgent({.name = "victim", .config = kNodePidNamespace}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<Json> again = cluster.WaitForState(kAcmeToken, *requeued, "RUNNING");
  ASSERT_OK(again);
  EXPECT_EQ((*again)["attempt"], 2);
  ASSERT_EQ(
      cluster.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*requeued) + "/cancel")->status,
      200);
}

TEST(NodeFailureTest, AnAgentRestartInsideTheTimeoutKeepsItsJobsRunning) {
  Cluster cluster({.node_timeout = "8s"});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> id = cluster.Submit(
      kAcmeToken, {{"command", {"sh", "-c", "echo started; sleep 2; echo finished; exit 5"}}});
  ASSERT_OK(id);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *id, "RUNNING"));
  // RUNNING is the scheduler's word once it sent the launch; wait until the job really runs.
  // (Killed before recording the launch, the agent's restarted self launches it anew: the
  // job's monitor kills the unrecorded one, and all below holds as well.)
  ASSERT_TRUE(WaitFor([&] {
    StatusOr<std::string> output = cluster.Output(kAcmeToken, *id);
    return output.ok() && *output == "started\n";
  }));
  cluster.StopAgent("n1", SIGKILL);
  ASSERT_OK(cluster.StartAgent({.name = "n1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  EXPECT_EQ(NodeState(cluster, "n1"), "UP");
  // Re-adopted: it completes with its real exit code and its whole output.
  StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "FAILED") << job->dump();
  EXPECT_EQ((*job)["exit_code"], 5) << job->dump();
  EXPECT_EQ((*job)["attempt"], 1);
  EXPECT_EQ(*cluster.Output(kAcmeToken, *id), "started\nfinished\n");
}

// An agent stopped while it made its state directories for the first job (jobs/ made,
// status/ not yet) left its successor unable to record any exit status.
TEST(NodeFailureTest, AnAgentStoppedWhileMakingItsStateDirectoriesLosesNoExitStatus) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_TRUE(std::filesystem::create_directories(cluster.dir() + "/agent-n1/jobs"));
  ASSERT_OK(cluster.StartAgent({.name = "n1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> id = cluster.Submit(kAcmeToken, {{"command", {"sh", "-c", "exit 5"}}});
  ASSERT_OK(id);
  StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "FAILED") << job->dump();
  EXPECT_EQ((*job)["exit_code"], 5) << job->dump();
}

TEST(NodeFailureTest, AJobTheAgentStartedButNeverRecordedIsKilledWhenTheAgentComesBack) {
  // The agent finds such a job by its cgroup.
  if (::geteuid() != 0 || (!std::filesystem::exists("/sys/fs/cgroup/memory/cgroup.procs") &&
                           !std::filesystem::exists("/sys/fs/cgroup/cgroup.controllers"))) {
    GTEST_SKIP() << "needs root and a cgroup hierarchy";
  }
  Cluster cluster({.node_timeout = "8s"});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .config = kNodePidNamespace}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> id =
      cluster.Submit(kAcmeToken, {{"command", {"sh", "-c", "echo $$; exec sleep 300"}}});
  ASSERT_OK(id);
  std::string pid_text;
  ASSERT_TRUE(WaitFor([&] {
    StatusOr<std::string> out = cluster.Output(kAcmeToken, *id);
    if (out.ok()) pid_text = *out;
    return !pid_text.empty();
  }));
  const pid_t pid = std::stoi(pid_text);
  ASSERT_TRUE(WaitUntilRecorded(cluster, "n1", *id));
  cluster.StopAgent("n1", SIGKILL);
  // As if the agent had stopped between the job's exec and its journal record.
  ASSERT_TRUE(std::filesystem::remove(cluster.AgentStateDir("n1") + "/journal/" +
                                      std::to_string(*id) + ".1.json"));
  ASSERT_TRUE(Alive(pid));
  ASSERT_OK(cluster.StartAgent({.name = "n1"}));
  EXPECT_TRUE(WaitFor([&] { return !Alive(pid); }, std::chrono::seconds(10)))
      << "the unrecorded job still runs beside its relaunch";
  // The scheduler, told nothing of attempt 1, runs the job again: once.
  EXPECT_TRUE(WaitFor([&] {
    StatusOr<Json> job = cluster.GetJob(kAcmeToken, *id);
    return job.ok() && (*job)["state"] == "RUNNING" && (*job)["attempt"] == 2;
  }));
  ASSERT_EQ(cluster.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*id) + "/cancel")->status,
            200);
}

}  // namespace
}  // namespace sharc::testing
