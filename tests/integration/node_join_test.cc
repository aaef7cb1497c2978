// One-time join tokens end to end: an operator issues one with the CLI, a real agent joins with
// it and gets the node's own credential, comes back with the credential after a restart, and
// the used token lets nobody else join. The issue and the refusal are in the audit log.
#include <gtest/gtest.h>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

constexpr const char* kNode = "pack:1 core:2 pu:1";

TEST(NodeJoinTest, AnAgentJoinsOnceWithItsTokenThenWithItsOwnCredential) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  CommandResult issued =
      cluster.Cli(kOperatorToken, {"admin", "node", "token", "issue", "n7", "--expires", "10m"});
  ASSERT_EQ(issued.exit_code, 0) << issued.err;
  const std::string token = issued.out.substr(0, issued.out.find('\n'));
  ASSERT_EQ(token.size(), 48u) << issued.out;
  EXPECT_NE(issued.err.find("shown only once"), std::string::npos) << issued.err;
  const std::string token_file = cluster.dir() + "/n7.join-token";
  WriteTextFile(token_file, token + "\n");

  ASSERT_OK(cluster.StartAgent(
      {.name = "n7", .synthetic = kNode, .config = Json{{"join_token_file", token_file}}}));
  ASSERT_OK(cluster.WaitForNodes(1));
  // The agent keeps its credential once the scheduler's answer reaches it, which may be after
  // the scheduler lists the node.
  std::string credential;
  ASSERT_TRUE(WaitFor([&] {
    credential = ReadTextFile(cluster.AgentStateDir("n7") + "/node-credential");
    return !credential.empty();
  })) << "the agent never kept its credential";
  EXPECT_EQ(credential.find(token), std::string::npos);

  // Back after a restart with its credential; the token file is not read again.
  cluster.StopAgent("n7");
  ASSERT_OK(cluster.StartAgent(
      {.name = "n7", .synthetic = kNode, .config = Json{{"join_token_file", token_file}}}));
  ASSERT_TRUE(WaitFor([&] {
    StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
    return nodes.ok() && nodes->json["items"].size() == 1 &&
           nodes->json["items"][0]["connected"] == true;
  }));

  // The used token lets no other agent join, whatever name it takes.
  ASSERT_OK(cluster.StartAgent(
      {.name = "n8", .synthetic = kNode, .config = Json{{"join_token_file", token_file}}}));
  Json entries;
  ASSERT_TRUE(WaitFor([&] {
    entries = cluster.Call(kAuditorToken, "GET", "/v1/audit?actor=agent")->json["items"];
    return !entries.empty();
  }));
  EXPECT_EQ(entries[0]["action"], "join");
  EXPECT_EQ(entries[0]["status"], 401);
  EXPECT_NE(entries[0]["detail"].get<std::string>().find("no join token"), std::string::npos)
      << entries.dump(2);
  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  ASSERT_OK(nodes);
  EXPECT_EQ(nodes->json["items"].size(), 1u) << nodes->body;

  // The issue is audited without the token; tenants may not issue join tokens.
  Json issues =
      cluster.Call(kAuditorToken, "GET", "/v1/audit?actor=operator:test-operator")->json["items"];
  ASSERT_EQ(issues.size(), 1u) << issues.dump(2);
  EXPECT_EQ(issues[0]["request"], "POST /v1/nodes/n7/join_token");
  EXPECT_EQ(issues[0]["status"], 201);
  EXPECT_EQ(issues.dump().find(token), std::string::npos);
  EXPECT_EQ(cluster.Call(kAcmeToken, "POST", "/v1/nodes/n9/join_token", "{}")->status, 403);
  StatusOr<Reply> too_long =
      cluster.Call(kAdminToken, "POST", "/v1/nodes/n9/join_token", R"({"expires_in":"30d"})");
  EXPECT_EQ(too_long->status, 400);
  EXPECT_NE(too_long->body.find("expires_in"), std::string::npos) << too_long->body;
}

}  // namespace
// A revoked node's agent left running keeps knocking: each refusal is counted for what it is
// (a credential that is no longer any node's) and logged with its address, not every time.
TEST(NodeJoinTest, ARevokedAgentsRetriesAreCountedAsNodeCredentialAndLoggedWithTheirAddress) {
  Cluster cluster({.join_secret = false});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = kNode}));  // from loopback
  ASSERT_OK(cluster.WaitForNodes(1));
  ASSERT_TRUE(WaitFor(
      [&] { return !ReadTextFile(cluster.AgentStateDir("n1") + "/node-credential").empty(); }));
  ASSERT_EQ(cluster.Call(kAdminToken, "POST", "/v1/nodes/n1/revoke")->status, 200);
  ASSERT_TRUE(WaitFor([&] {
    return cluster.SchedulerLog().find("refused an agent connection from 127.0.0.1") !=
           std::string::npos;
  })) << cluster.SchedulerLog();
  StatusOr<Reply> metrics = InternalError("not asked yet");
  ASSERT_TRUE(WaitFor([&] {
    metrics = cluster.Call("", "GET", "/metrics");
    return metrics.ok() &&
           metrics->body.find("sharc_auth_failures_total{reason=\"node_credential\"} 2") !=
               std::string::npos;
  })) << "the agent retries";
  EXPECT_EQ(metrics->body.find("reason=\"join_secret\""), std::string::npos);
  const std::string log = cluster.SchedulerLog();
  const std::string line = "refused an agent connection from 127.0.0.1";
  EXPECT_EQ(log.find(line, log.find(line) + 1), std::string::npos) << "logged once a minute";
}

}  // namespace sharc::testing
