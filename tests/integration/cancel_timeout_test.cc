// Cancel and the time limit end jobs as CANCELLED and TIMEOUT and leave no process behind,
// including children the job started in the background.
#include <gtest/gtest.h>
#include <signal.h>

#include <sstream>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

bool ProcessExists(int pid) { return kill(pid, 0) == 0 || errno == EPERM; }

// The job prints its own pid and a background child's pid, then waits. It runs in the node's
// PID namespace (job_namespaces off), where these are the node's pids.
const char* kTwoProcesses = "sleep 300 & echo $$ $!; wait";

class CancelTimeoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.StartScheduler());
    ASSERT_OK(cluster_.StartAgent(
        {.name = "local", .kill_grace = "1s", .config = {{"job_namespaces", false}}}));
    ASSERT_OK(cluster_.WaitForNodes(1));
  }

  // Waits until the running job has printed its two pids.
  std::vector<int> Pids(int64_t id) {
    std::vector<int> pids;
    WaitFor([&] {
      StatusOr<std::string> out = cluster_.Output(kAcmeToken, id);
      if (!out.ok() || out->find('\n') == std::string::npos) return false;
      std::istringstream in(*out);
      int pid;
      pids.clear();
      while (in >> pid) pids.push_back(pid);
      return pids.size() == 2;
    });
    return pids;
  }

  Cluster cluster_;
};

TEST_F(CancelTimeoutTest, CancelEndsARunningJobAndAllItsProcesses) {
  StatusOr<int64_t> id = cluster_.Submit(kAcmeToken, {{"command", {"sh", "-c", kTwoProcesses}}});
  ASSERT_OK(id);
  ASSERT_OK(cluster_.WaitForState(kAcmeToken, *id, "RUNNING"));
  std::vector<int> pids = Pids(*id);
  ASSERT_EQ(pids.size(), 2u);
  for (int pid : pids) ASSERT_TRUE(ProcessExists(pid));

  StatusOr<Reply> cancel =
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*id) + "/cancel");
  ASSERT_EQ(cancel->status, 200);
  EXPECT_TRUE(cancel->json["cancel_requested"].get<bool>());
  StatusOr<Json> job = cluster_.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "CANCELLED");
  EXPECT_EQ((*job)["reason"], "CANCELLED_BY_USER");
  for (int pid : pids) {
    EXPECT_TRUE(WaitFor([&] { return !ProcessExists(pid); }, std::chrono::seconds(10)))
        << "process " << pid << " survived the cancel";
  }
}

TEST_F(CancelTimeoutTest, TheTimeLimitEndsAJobAsTimeoutWithNothingLeft) {
  StatusOr<int64_t> id = cluster_.Submit(
      kAcmeToken, {{"command", {"sh", "-c", kTwoProcesses}}, {"time_limit_seconds", 3}});
  ASSERT_OK(id);
  std::vector<int> pids = Pids(*id);
  ASSERT_EQ(pids.size(), 2u);
  StatusOr<Json> job = cluster_.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "TIMEOUT");
  EXPECT_EQ((*job)["reason"], "TIME_LIMIT");
  for (int pid : pids) {
    EXPECT_TRUE(WaitFor([&] { return !ProcessExists(pid); }, std::chrono::seconds(10)))
        << "process " << pid << " survived the time limit";
  }
}

TEST_F(CancelTimeoutTest, AJobIgnoringSigtermIsKilledAfterTheGracePeriod) {
  StatusOr<int64_t> id = cluster_.Submit(
      kAcmeToken,
      {{"command", {"sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"}}});
  ASSERT_OK(id);
  ASSERT_TRUE(WaitFor([&] {
    StatusOr<std::string> out = cluster_.Output(kAcmeToken, *id);
    return out.ok() && *out == "ready\n";
  }));
  ASSERT_EQ(
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*id) + "/cancel")->status,
      200);
  StatusOr<Json> job = cluster_.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "CANCELLED");
  EXPECT_EQ((*job)["signal"], 9) << job->dump();
}

TEST_F(CancelTimeoutTest, CancellingAPendingJobNeverStartsIt) {
  // Fill the node, then queue one more.
  std::vector<int64_t> fillers;
  StatusOr<Reply> nodes = cluster_.Call(kAcmeToken, "GET", "/v1/nodes");
  int cpus = nodes->json["items"][0]["cpus"];
  for (int i = 0; i < cpus; ++i) {
    StatusOr<int64_t> id =
        cluster_.Submit(kAcmeToken, {{"command", {"sleep", "30"}}, {"mem_bytes", 1 << 20}});
    ASSERT_OK(id);
    fillers.push_back(*id);
  }
  StatusOr<int64_t> queued =
      cluster_.Submit(kAcmeToken, {{"command", {"true"}}, {"mem_bytes", 1 << 20}});
  ASSERT_OK(queued);
  for (int64_t id : fillers) ASSERT_OK(cluster_.WaitForState(kAcmeToken, id, "RUNNING"));
  StatusOr<Json> pending = cluster_.GetJob(kAcmeToken, *queued);
  ASSERT_EQ((*pending)["state"], "PENDING");
  EXPECT_EQ((*pending)["reason"], "RESOURCES");
  StatusOr<Reply> cancel =
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*queued) + "/cancel");
  ASSERT_EQ(cancel->status, 200);
  EXPECT_EQ(cancel->json["state"], "CANCELLED");
  EXPECT_TRUE(cancel->json["start_time"].is_null());
  for (int64_t id : fillers) {
    ASSERT_OK(cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(id) + "/cancel"));
  }
  for (int64_t id : fillers) ASSERT_OK(cluster_.WaitForEnd(kAcmeToken, id));
  StatusOr<Json> still = cluster_.GetJob(kAcmeToken, *queued);
  EXPECT_EQ((*still)["state"], "CANCELLED");
  EXPECT_TRUE((*still)["allocation"].is_null());
  EXPECT_EQ((*still)["nodes"], Json::array());
}

TEST_F(CancelTimeoutTest, ManyJobsCancelInOneRequestEachAnsweredInOrder) {
  StatusOr<int64_t> running =
      cluster_.Submit(kAcmeToken, {{"command", {"sleep", "300"}}, {"mem_bytes", 1 << 20}});
  ASSERT_OK(running);
  ASSERT_OK(cluster_.WaitForState(kAcmeToken, *running, "RUNNING"));
  StatusOr<Reply> drained =
      cluster_.Call(kAdminToken, "POST", "/v1/nodes/local/drain", Json{{"reason", "test"}}.dump());
  ASSERT_OK(drained.status());
  ASSERT_EQ(drained->status, 200) << drained->body;
  std::vector<int64_t> pending;
  for (int i = 0; i < 4; ++i) {
    StatusOr<int64_t> id = cluster_.Submit(kAcmeToken, {{"command", {"true"}}});
    ASSERT_OK(id);
    pending.push_back(*id);
  }
  StatusOr<int64_t> theirs = cluster_.Submit(kGlobexToken, {{"command", {"true"}}});
  ASSERT_OK(theirs);

  // A malformed id refuses the whole request and cancels nothing.
  Json bad{{"ids", {pending[0], "x_1"}}};
  StatusOr<Reply> refused = cluster_.Call(kAcmeToken, "POST", "/v1/jobs/cancel", bad.dump());
  ASSERT_OK(refused.status());
  EXPECT_EQ(refused->status, 400);
  EXPECT_NE(refused->body.find("ids[1]"), std::string::npos) << refused->body;
  EXPECT_EQ(cluster_.GetJob(kAcmeToken, pending[0])->at("state"), "PENDING");

  Json ids{{"ids", {pending[0], *running, *theirs, pending[1], 999999}}};
  StatusOr<Reply> reply = cluster_.Call(kAcmeToken, "POST", "/v1/jobs/cancel", ids.dump());
  ASSERT_OK(reply.status());
  ASSERT_EQ(reply->status, 200) << reply->body;
  const Json& items = reply->json["items"];
  ASSERT_EQ(items.size(), 5u);
  EXPECT_EQ(items[0]["state"], "CANCELLED");
  EXPECT_EQ(items[1]["cancel_requested"], true);
  EXPECT_EQ(items[2]["error"]["code"], "not_found") << "another tenant's job must look absent";
  EXPECT_EQ(items[3]["state"], "CANCELLED");
  EXPECT_EQ(items[4]["id"], 999999);
  EXPECT_EQ(items[4]["error"]["code"], "not_found");
  ASSERT_OK(cluster_.WaitForEnd(kAcmeToken, *running));
  EXPECT_EQ(cluster_.GetJob(kGlobexToken, *theirs)->at("state"), "PENDING");

  CommandResult cli = cluster_.Cli(kAcmeToken, {"cancel", std::to_string(pending[2]), "999998"});
  EXPECT_EQ(cli.exit_code, 1) << "one of the two was not found";
  EXPECT_NE(cli.out.find("job " + std::to_string(pending[2]) + " cancelled"), std::string::npos)
      << cli.out;
  EXPECT_NE(cli.err.find("999998"), std::string::npos) << cli.err;
  EXPECT_EQ(cluster_.GetJob(kAcmeToken, pending[2])->at("state"), "CANCELLED");

  // -o json is one document for all of them, refusals included; so is wait's.
  CommandResult json =
      cluster_.Cli(kAcmeToken, {"cancel", std::to_string(pending[3]), "999997", "-o", "json"});
  EXPECT_EQ(json.exit_code, 1);
  Json answer = Json::parse(json.out);
  ASSERT_EQ(answer["items"].size(), 2u) << json.out;
  EXPECT_EQ(answer["items"][0]["state"], "CANCELLED");
  EXPECT_EQ(answer["items"][1]["error"]["code"], "not_found");
  CommandResult waited = cluster_.Cli(
      kAcmeToken, {"wait", std::to_string(pending[2]), std::to_string(pending[3]), "-o", "json"});
  EXPECT_EQ(waited.exit_code, 1) << "cancelled jobs are not COMPLETED";
  Json ended = Json::parse(waited.out);
  ASSERT_EQ(ended["items"].size(), 2u) << waited.out;
  EXPECT_EQ(ended["items"][1]["id"], pending[3]);
  EXPECT_EQ(ended["items"][1]["state"], "CANCELLED");
}

}  // namespace
}  // namespace sharc::testing
