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

// The job prints its own pid and a background child's pid, then waits.
const char* kTwoProcesses = "sleep 300 & echo $$ $!; wait";

class CancelTimeoutTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.StartScheduler());
    ASSERT_OK(cluster_.StartAgent({.name = "local", .kill_grace = "1s"}));
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
      kAcmeToken, {{"command", {"sh", "-c", "trap '' TERM; echo ready; while true; do sleep 1; done"}}});
  ASSERT_OK(id);
  ASSERT_TRUE(WaitFor([&] {
    StatusOr<std::string> out = cluster_.Output(kAcmeToken, *id);
    return out.ok() && *out == "ready\n";
  }));
  ASSERT_EQ(cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*id) + "/cancel")->status,
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
    StatusOr<int64_t> id = cluster_.Submit(kAcmeToken, {{"command", {"sleep", "30"}}, {"mem_bytes", 1 << 20}});
    ASSERT_OK(id);
    fillers.push_back(*id);
  }
  StatusOr<int64_t> queued = cluster_.Submit(kAcmeToken, {{"command", {"true"}}, {"mem_bytes", 1 << 20}});
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

}  // namespace
}  // namespace sharc::testing
