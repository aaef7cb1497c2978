// Draining nodes, by an admin or by a failing health check: running jobs finish, nothing new
// is placed, and `sharc nodes` says why.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

Json Node(Cluster& cluster, const std::string& name) {
  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  if (!nodes.ok()) return nullptr;
  for (const Json& node : nodes->json["items"]) {
    if (node["name"] == name) return node;
  }
  return nullptr;
}

TEST(NodeLifecycleTest, ADrainedNodeFinishesItsJobsAndTakesNoNewOnes) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:4 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> running = cluster.Submit(
      kAcmeToken, {{"command", {"sh", "-c", "sleep 1; echo done"}}, {"mem_bytes", 1 << 20}});
  ASSERT_OK(running);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *running, "RUNNING"));

  CommandResult drain =
      cluster.Cli(kAdminToken, {"admin", "node", "drain", "n1", "--reason", "replacing a fan"});
  ASSERT_EQ(drain.exit_code, 0) << drain.err;
  EXPECT_NE(drain.out.find("DRAIN"), std::string::npos) << drain.out;
  CommandResult nodes = cluster.Cli(kAcmeToken, {"nodes"});
  EXPECT_NE(nodes.out.find("replacing a fan"), std::string::npos) << nodes.out;

  StatusOr<int64_t> waiting =
      cluster.Submit(kAcmeToken, {{"command", {"true"}}, {"mem_bytes", 1 << 20}});
  ASSERT_OK(waiting);
  StatusOr<Json> done = cluster.WaitForEnd(kAcmeToken, *running);
  ASSERT_OK(done);
  EXPECT_EQ((*done)["state"], "COMPLETED");  // the running job finished
  StatusOr<Json> pending = cluster.GetJob(kAcmeToken, *waiting);
  EXPECT_EQ((*pending)["state"], "PENDING");  // nothing new was placed
  EXPECT_EQ((*pending)["reason"], "NO_NODES");

  // Only admins drain; draining an unknown node is a clear error.
  EXPECT_EQ(cluster.Cli(kAcmeToken, {"admin", "node", "drain", "n1", "--reason", "x"}).exit_code,
            1);
  CommandResult unknown = cluster.Cli(kAdminToken, {"admin", "node", "resume", "nope"});
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.err.find("not found"), std::string::npos);

  ASSERT_EQ(cluster.Cli(kAdminToken, {"admin", "node", "resume", "n1"}).exit_code, 0);
  StatusOr<Json> ran = cluster.WaitForEnd(kAcmeToken, *waiting);
  ASSERT_OK(ran);
  EXPECT_EQ((*ran)["state"], "COMPLETED");
  // A drain survives a scheduler restart.
  ASSERT_EQ(
      cluster.Cli(kAdminToken, {"admin", "node", "drain", "n1", "--reason", "later"}).exit_code, 0);
  cluster.StopScheduler(SIGKILL);
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_TRUE(WaitFor([&] {
    Json node = Node(cluster, "n1");
    return !node.is_null() && node["connected"] == true;
  }));
  EXPECT_EQ(Node(cluster, "n1")["state"], "DRAIN");
  EXPECT_EQ(Node(cluster, "n1")["reason"], "later");
}

TEST(NodeLifecycleTest, AFailingHealthCheckDrainsTheNodeAndAPassingOneResumesIt) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  std::string marker = cluster.dir() + "/healthy";
  WriteTextFile(marker, "");
  ASSERT_OK(cluster.StartAgent(
      {.name = "n1",
       .synthetic = "pack:1 core:2 pu:1",
       .config = {{"health_check",
                   {{"command",
                     {"sh", "-c", "test -e " + marker + " || { echo scratch disk gone; exit 1; }"}},
                    {"interval", "200ms"},
                    {"timeout", "5s"}}}}}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> running = cluster.Submit(
      kAcmeToken, {{"command", {"sh", "-c", "sleep 1; echo done"}}, {"mem_bytes", 1 << 20}});
  ASSERT_OK(running);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *running, "RUNNING"));

  std::filesystem::remove(marker);
  ASSERT_TRUE(WaitFor([&] { return Node(cluster, "n1")["state"] == "DRAIN"; }));
  EXPECT_EQ(Node(cluster, "n1")["reason"], "health check failed: scratch disk gone");
  StatusOr<int64_t> waiting =
      cluster.Submit(kAcmeToken, {{"command", {"true"}}, {"mem_bytes", 1 << 20}});
  ASSERT_OK(waiting);
  StatusOr<Json> done = cluster.WaitForEnd(kAcmeToken, *running);
  ASSERT_OK(done);
  EXPECT_EQ((*done)["state"], "COMPLETED");
  EXPECT_EQ((*cluster.GetJob(kAcmeToken, *waiting))["state"], "PENDING");

  WriteTextFile(marker, "");
  ASSERT_TRUE(WaitFor([&] { return Node(cluster, "n1")["state"] == "UP"; }));
  StatusOr<Json> ran = cluster.WaitForEnd(kAcmeToken, *waiting);
  ASSERT_OK(ran);
  EXPECT_EQ((*ran)["state"], "COMPLETED");
}

// A node keeps an ended job's files (its output, its exit status) for output_keep_for, then
// removes them; a running job's files stay however long it runs; `sharc logs` then says why
// there is nothing.
TEST(NodeLifecycleTest, AnEndedJobsFilesLeaveTheNodeAfterOutputKeepForAndLogsSaysWhy) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent(
      {.name = "n1", .synthetic = "pack:1 core:4 pu:1", .config = {{"output_keep_for", "1s"}}}));
  ASSERT_OK(cluster.WaitForNodes(1));
  const std::string state = cluster.dir() + "/agent-n1";
  auto files_of = [&](int64_t id) { return state + "/jobs/" + std::to_string(id) + ".1"; };
  auto status_of = [&](int64_t id) { return state + "/status/" + std::to_string(id) + ".1"; };
  // The status file goes last (job_dir_retention.cc), after the job's directory.
  auto gone = [&](int64_t id) {
    return WaitFor(
        [&] {
          return !std::filesystem::exists(status_of(id)) && !std::filesystem::exists(files_of(id));
        },
        std::chrono::seconds(20));
  };

  const std::string go = cluster.dir() + "/go";
  StatusOr<int64_t> long_running = cluster.Submit(
      kAcmeToken,
      {{"command", {"sh", "-c", "echo hello; while [ ! -e " + go + " ]; do sleep 0.05; done"}},
       {"mem_bytes", 1 << 20}});
  ASSERT_OK(long_running);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *long_running, "RUNNING"));
  StatusOr<int64_t> short_job =
      cluster.Submit(kAcmeToken, {{"command", {"echo", "short"}}, {"mem_bytes", 1 << 20}});
  ASSERT_OK(short_job);
  ASSERT_OK(cluster.WaitForEnd(kAcmeToken, *short_job));

  // The short job's files go a second after its end; the job that still runs keeps its own.
  ASSERT_TRUE(gone(*short_job)) << files_of(*short_job) << ", " << status_of(*short_job);
  EXPECT_TRUE(std::filesystem::exists(files_of(*long_running)));
  StatusOr<std::string> output = cluster.Output(kAcmeToken, *long_running);
  ASSERT_OK(output);
  EXPECT_EQ(*output, "hello\n");

  WriteTextFile(go, "");
  StatusOr<Json> ended = cluster.WaitForEnd(kAcmeToken, *long_running);
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "COMPLETED");
  ASSERT_TRUE(gone(*long_running));
  StatusOr<Reply> removed = cluster.Call(
      kAcmeToken, "GET", "/v1/jobs/" + std::to_string(*long_running) + "/output?stream=stdout");
  ASSERT_OK(removed);
  EXPECT_EQ(removed->status, 404) << removed->body;
  EXPECT_NE(removed->body.find("removed 1s after it ended (output_keep_for"), std::string::npos)
      << removed->body;
  CommandResult logs = cluster.Cli(kAcmeToken, {"logs", std::to_string(*long_running)});
  EXPECT_EQ(logs.exit_code, 1);
  EXPECT_NE(logs.err.find("output_keep_for"), std::string::npos) << logs.err;
}

}  // namespace
}  // namespace sharc::testing
