// Jobs from two tenants run to completion on two nodes (this machine and a simulated GPU
// node) and come back with their real exit codes and output.
#include <gtest/gtest.h>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

TEST(JobsEndToEndTest, FiftyJobsFromTwoTenantsCompleteWithRealExitCodesAndOutput) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "local", .labels = {{"node", "local"}}}));
  ASSERT_OK(cluster.StartAgent({.name = "gpu",
                                .topology_xml = DataFile("hwloc/gpu-2s-4gpu.xml"),
                                .labels = {{"node", "gpu"}}}));
  ASSERT_OK(cluster.WaitForNodes(2));

  struct Submitted {
    int64_t id;
    int index;
    const char* token;
  };
  std::vector<Submitted> jobs;
  for (int i = 0; i < 50; ++i) {
    const char* token = i % 2 == 0 ? kAcmeToken : kGlobexToken;
    std::string script = "echo out-" + std::to_string(i) + "; echo err-" + std::to_string(i) +
                         " >&2; exit " + std::to_string(i % 4);
    // Every third job must run on this machine, the others go where they fit.
    Json spec{{"command", {"sh", "-c", script}}, {"mem_bytes", 64 << 20}, {"time_limit_seconds", 60}};
    if (i % 3 == 0) spec["labels"] = {{"node", "local"}};
    StatusOr<int64_t> id = cluster.Submit(token, spec);
    ASSERT_OK(id);
    jobs.push_back({*id, i, token});
  }
  for (const Submitted& s : jobs) {
    StatusOr<Json> job = cluster.WaitForEnd(s.token, s.id, std::chrono::seconds(60));
    ASSERT_OK(job);
    int expected = s.index % 4;
    EXPECT_EQ((*job)["exit_code"], expected) << job->dump();
    EXPECT_EQ((*job)["state"], expected == 0 ? "COMPLETED" : "FAILED") << job->dump();
    EXPECT_EQ((*job)["tenant"], s.index % 2 == 0 ? "acme" : "globex");
    EXPECT_FALSE((*job)["start_time"].is_null());
    EXPECT_FALSE((*job)["end_time"].is_null());
    EXPECT_EQ(*cluster.Output(s.token, s.id), "out-" + std::to_string(s.index) + "\n");
    EXPECT_EQ(*cluster.Output(s.token, s.id, "stderr"), "err-" + std::to_string(s.index) + "\n");
  }
  // Both nodes took work, and labelled jobs ran where they asked to.
  std::set<std::string> nodes;
  for (const Submitted& s : jobs) {
    std::string node = (*cluster.GetJob(s.token, s.id))["nodes"].at(0);
    nodes.insert(node);
    if (s.index % 3 == 0) {
      EXPECT_EQ(node, "local") << "job " << s.id;
    }
  }
  EXPECT_EQ(nodes.size(), 2u);
}

TEST(JobsEndToEndTest, ALaunchFailureIsReportedWithItsCause) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "local"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> id = cluster.Submit(kAcmeToken, {{"command", {"/no/such/program"}}});
  ASSERT_OK(id);
  StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "FAILED");
  EXPECT_EQ((*job)["reason"], "LAUNCH_FAILED");
  EXPECT_NE((*job)["message"].get<std::string>().find("No such file or directory"),
            std::string::npos)
      << job->dump();
}

}  // namespace
}  // namespace sharc::testing
