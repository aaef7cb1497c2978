// Killing an agent marks its node DOWN within the node timeout and its running jobs
// NODE_FAIL; the node comes back UP when the agent returns.
#include <gtest/gtest.h>

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

TEST(NodeFailureTest, AKilledAgentsNodeGoesDownInTimeAndItsJobsNodeFail) {
  Cluster cluster({.node_timeout = "2s"});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "victim"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> id = cluster.Submit(kAcmeToken, {{"command", {"sleep", "60"}}});
  ASSERT_OK(id);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *id, "RUNNING"));

  auto killed = std::chrono::steady_clock::now();
  cluster.StopAgent("victim", SIGKILL);
  ASSERT_TRUE(WaitFor([&] { return NodeState(cluster, "victim") == "DOWN"; },
                      std::chrono::seconds(10)));
  auto took = std::chrono::steady_clock::now() - killed;
  // Timeout 2 s, checked every 50 ms: DOWN well within 2 s + one heartbeat + a tick.
  EXPECT_LT(took, std::chrono::milliseconds(3000));
  EXPECT_GE(took, std::chrono::milliseconds(1500));

  StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, *id, std::chrono::seconds(5));
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "NODE_FAIL");
  EXPECT_EQ((*job)["reason"], "NODE_DOWN");

  // While the node is down, new work waits.
  StatusOr<int64_t> waiting = cluster.Submit(kAcmeToken, {{"command", {"true"}}});
  ASSERT_OK(waiting);
  StatusOr<Json> pending = cluster.GetJob(kAcmeToken, *waiting);
  EXPECT_EQ((*pending)["state"], "PENDING");

  // The agent comes back: the node is UP again and the waiting job runs.
  ASSERT_OK(cluster.StartAgent({.name = "victim"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<Json> ran = cluster.WaitForEnd(kAcmeToken, *waiting);
  ASSERT_OK(ran);
  EXPECT_EQ((*ran)["state"], "COMPLETED");
}

TEST(NodeFailureTest, AnAgentRestartInsideTheTimeoutKeepsTheNodeUp) {
  Cluster cluster({.node_timeout = "5s"});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  cluster.StopAgent("n1", SIGTERM);
  ASSERT_OK(cluster.StartAgent({.name = "n1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  EXPECT_EQ(NodeState(cluster, "n1"), "UP");
}

}  // namespace
}  // namespace sharc::testing
