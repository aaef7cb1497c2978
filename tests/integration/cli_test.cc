// The sharc CLI against a live cluster: every verb, its JSON contract, and its exit codes
// (0 success, 1 the request failed, 2 bad usage).
#include <gtest/gtest.h>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.StartScheduler());
    ASSERT_OK(cluster_.StartAgent({.name = "local"}));
    ASSERT_OK(cluster_.WaitForNodes(1));
  }
  Cluster cluster_;
};

TEST_F(CliTest, SubmitWaitShowLogsAndJobs) {
  CommandResult submit = cluster_.Cli(
      kAcmeToken, {"submit", "--cpus", "1", "--mem", "64M", "--time", "1m", "--name", "hello",
                   "--env", "GREETING=hi there", "--", "sh", "-c", "echo $GREETING; exit 3"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_FALSE(id.empty());
  EXPECT_EQ(submit.out, id + "\n") << "submit prints only the id";

  CommandResult wait = cluster_.Cli(kAcmeToken, {"wait", id, "--timeout", "30s"});
  EXPECT_EQ(wait.exit_code, 1) << "the job exited 3, so wait reports failure";
  EXPECT_EQ(wait.out, "job " + id + " FAILED\n");

  CommandResult logs = cluster_.Cli(kAcmeToken, {"logs", id});
  EXPECT_EQ(logs.exit_code, 0);
  EXPECT_EQ(logs.out, "hi there\n");

  CommandResult show = cluster_.Cli(kAcmeToken, {"show", id, "-o", "json"});
  ASSERT_EQ(show.exit_code, 0);
  Json job = Json::parse(show.out);
  for (const char* key :
       {"id", "tenant", "name", "state", "exit_code", "nodes", "allocation", "cpus", "mem_bytes",
        "gpus", "submit_time", "start_time", "end_time", "reason"}) {
    EXPECT_TRUE(job.contains(key)) << key;
  }
  EXPECT_EQ(job["name"], "hello");
  EXPECT_EQ(job["exit_code"], 3);
  EXPECT_EQ(job["mem_bytes"], 64 << 20);
  EXPECT_EQ(job["time_limit_seconds"], 60);

  CommandResult table = cluster_.Cli(kAcmeToken, {"show", id});
  EXPECT_NE(table.out.find("FAILED"), std::string::npos) << table.out;
  EXPECT_NE(table.out.find("NON_ZERO_EXIT"), std::string::npos) << table.out;

  CommandResult list = cluster_.Cli(kAcmeToken, {"jobs", "--all", "-o", "json"});
  ASSERT_EQ(list.exit_code, 0);
  EXPECT_EQ(Json::parse(list.out)["items"].size(), 1u);
  CommandResult running = cluster_.Cli(kAcmeToken, {"jobs"});
  EXPECT_EQ(running.out.substr(0, 2), "ID") << "a header, even when empty";
  EXPECT_EQ(std::count(running.out.begin(), running.out.end(), '\n'), 1) << running.out;
}

// An array: one folded line for its waiting tasks, started tasks as ID_I with the array's
// variables, cancel of one task, then of the whole array.
TEST_F(CliTest, ArraysListFoldedAndCancelByTaskOrWhole) {
  CommandResult submit =
      cluster_.Cli(kAcmeToken, {"submit", "--array", "0-99%2", "--mem", "64M", "--", "sh", "-c",
                                "echo task $SHARC_ARRAY_JOB_ID $SHARC_ARRAY_TASK_ID; sleep 60"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_OK(cluster_.WaitForState(kAcmeToken, std::stoll(id), "RUNNING"));
  CommandResult jobs = cluster_.Cli(kAcmeToken, {"jobs"});
  ASSERT_EQ(jobs.exit_code, 0) << jobs.err;
  EXPECT_NE(jobs.out.find("\n" + id + "_[2-99] "), std::string::npos) << jobs.out;
  EXPECT_NE(jobs.out.find("\n" + id + "_0 "), std::string::npos) << jobs.out;
  EXPECT_NE(jobs.out.find("\n" + id + "_1 "), std::string::npos) << jobs.out;
  EXPECT_EQ(std::count(jobs.out.begin(), jobs.out.end(), '\n'), 4) << jobs.out;
  EXPECT_TRUE(WaitFor([&] {
    return cluster_.Cli(kAcmeToken, {"logs", id + "_0"}).out == "task " + id + " 0\n";
  })) << cluster_.Cli(kAcmeToken, {"logs", id + "_0"}).out;
  CommandResult one = cluster_.Cli(kAcmeToken, {"cancel", id + "_50"});
  EXPECT_EQ(one.exit_code, 0) << one.err;
  EXPECT_EQ(one.out, "job " + id + "_50 cancelled\n");
  CommandResult all = cluster_.Cli(kAcmeToken, {"cancel", id});
  EXPECT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(cluster_.Cli(kAcmeToken, {"wait", id, "--timeout", "30s"}).out,
            "job " + id + " CANCELLED\n");
  CommandResult show = cluster_.Cli(kAcmeToken, {"show", id, "-o", "json"});
  Json counts = Json::parse(show.out)["array_tasks"];
  EXPECT_EQ(counts["CANCELLED"], 100) << show.out;
}

TEST_F(CliTest, CancelAndNodes) {
  CommandResult submit = cluster_.Cli(kGlobexToken, {"submit", "--", "sleep", "60"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  std::string id = submit.out.substr(0, submit.out.find('\n'));
  ASSERT_OK(cluster_.WaitForState(kGlobexToken, std::stoll(id), "RUNNING"));
  CommandResult cancel = cluster_.Cli(kGlobexToken, {"cancel", id});
  EXPECT_EQ(cancel.exit_code, 0) << cancel.err;
  EXPECT_NE(cancel.out.find("being cancelled"), std::string::npos) << cancel.out;
  EXPECT_EQ(cluster_.Cli(kGlobexToken, {"wait", id}).out, "job " + id + " CANCELLED\n");
  CommandResult again = cluster_.Cli(kGlobexToken, {"cancel", id});
  EXPECT_EQ(again.exit_code, 1);
  EXPECT_NE(again.err.find("already ended"), std::string::npos) << again.err;

  CommandResult nodes = cluster_.Cli(kAcmeToken, {"nodes"});
  ASSERT_EQ(nodes.exit_code, 0);
  EXPECT_NE(nodes.out.find("local"), std::string::npos);
  EXPECT_NE(nodes.out.find("UP"), std::string::npos);
  CommandResult nodes_json = cluster_.Cli(kAcmeToken, {"nodes", "-o", "json"});
  EXPECT_EQ(Json::parse(nodes_json.out)["items"][0]["name"], "local");
  CommandResult wide = cluster_.Cli(kAcmeToken, {"nodes", "-o", "wide"});
  ASSERT_EQ(wide.exit_code, 0) << wide.err;
  EXPECT_NE(wide.out.find("GPU ISLANDS"), std::string::npos) << wide.out;
  EXPECT_EQ(wide.out.find("GPU ISLANDS"), nodes.out.find('\n') + 2) << "the last column";
  EXPECT_EQ(cluster_.Cli(kAcmeToken, {"whoami"}).out, "tenant acme (submitter)\n");
}

TEST_F(CliTest, ExitCodesTellUsageErrorsFromFailedRequests) {
  EXPECT_EQ(cluster_.Cli(kAcmeToken, {"submit", "--mem", "512", "--", "true"}).exit_code, 2);
  EXPECT_EQ(cluster_.Cli(kAcmeToken, {"submit", "--time", "soon", "--", "true"}).exit_code, 2);
  EXPECT_EQ(cluster_.Cli(kAcmeToken, {"submit", "--cpus", "two", "--", "true"}).exit_code, 2);
  // The scheduler's own rules, checked before anything is sent, naming the flag.
  CommandResult no_cpus = cluster_.Cli(kAcmeToken, {"submit", "--cpus", "0", "--", "true"});
  EXPECT_EQ(no_cpus.exit_code, 2);
  EXPECT_EQ(no_cpus.err, "sharc: --cpus: must be between 1 and 65536\n");
  CommandResult no_command = cluster_.Cli(kAcmeToken, {"submit", "--gpus", "1"});
  EXPECT_EQ(no_command.exit_code, 2);
  EXPECT_EQ(no_command.err, "sharc: the command after --: must name a program to run\n");
  EXPECT_EQ(cluster_.Cli(kAcmeToken, {"frobnicate"}).exit_code, 2);
  CommandResult wide_jobs = cluster_.Cli(kAcmeToken, {"jobs", "-o", "wide"});
  EXPECT_EQ(wide_jobs.exit_code, 2);
  EXPECT_EQ(wide_jobs.err, "sharc: -o wide: only 'nodes' has a wide table; use table or json\n");
  EXPECT_EQ(cluster_.Cli(kAcmeToken, {"show", "abc"}).exit_code, 2);
  CommandResult huge = cluster_.Cli(kAcmeToken, {"submit", "--gpus", "8", "--", "true"});
  EXPECT_EQ(huge.exit_code, 1);
  EXPECT_NE(huge.err.find("no node has 8 GPUs"), std::string::npos) << huge.err;
  CommandResult missing = cluster_.Cli(kAcmeToken, {"show", "424242"});
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find("job 424242 not found"), std::string::npos);
  CommandResult denied = cluster_.Cli("wrong-token", {"jobs"});
  EXPECT_EQ(denied.exit_code, 1);
  EXPECT_NE(denied.err.find("unknown"), std::string::npos) << denied.err;
  CommandResult unreachable =
      RunCommand({Binary("agent/cli/sharc"), "--server", "http://127.0.0.1:1", "jobs"},
                 {{"SHARC_TOKEN", "x"}});
  EXPECT_EQ(unreachable.exit_code, 1);
  EXPECT_NE(unreachable.err.find("cannot reach"), std::string::npos) << unreachable.err;
  // Nothing was created by any of it.
  EXPECT_EQ(cluster_.Call(kAdminToken, "GET", "/v1/jobs?all=true")->json["items"].size(), 0u);
}

}  // namespace
}  // namespace sharc::testing
