// /metrics on a live scheduler carries the documented families with sane values, and
// `promtool check metrics` (Debian's prometheus package) finds nothing to complain about.
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

bool HasLine(const std::string& text, const std::string& prefix) {
  return text.find("\n" + prefix) != std::string::npos || text.rfind(prefix, 0) == 0;
}

TEST(MetricsTest, ALiveScrapeHasTheDocumentedFamiliesAndPassesPromtool) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "gpu", .topology_xml = DataFile("hwloc/gpu-2s-4gpu.xml")}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> done = cluster.Submit(kAcmeToken, {{"command", {"true"}}});
  ASSERT_OK(done);
  ASSERT_OK(cluster.WaitForEnd(kAcmeToken, *done));
  StatusOr<int64_t> running = cluster.Submit(
      kGlobexToken, {{"command", {"sleep", "30"}}, {"cpus", 2}, {"gpus", 1}, {"mem_bytes", 1 << 30}});
  ASSERT_OK(running);
  ASSERT_OK(cluster.WaitForState(kGlobexToken, *running, "RUNNING"));
  ASSERT_OK(cluster.Call(kAcmeToken, "POST", "/v1/jobs", R"({"command":["true"],"gpus":99})"));

  StatusOr<Reply> scrape = cluster.Call("", "GET", "/metrics");
  ASSERT_OK(scrape);
  ASSERT_EQ(scrape->status, 200);
  const std::string& text = scrape->body;
  EXPECT_TRUE(HasLine(text, "sharc_build_info{component=\"scheduler\""));
  EXPECT_TRUE(HasLine(text, "sharc_nodes{state=\"UP\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_nodes{state=\"DOWN\"} 0"));
  EXPECT_TRUE(HasLine(text, "sharc_jobs{state=\"COMPLETED\",tenant=\"acme\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_jobs{state=\"RUNNING\",tenant=\"globex\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_node_resources{node=\"gpu\",resource=\"cpu\",type=\"allocated\"} 2"));
  EXPECT_TRUE(HasLine(text, "sharc_node_resources{node=\"gpu\",resource=\"cpu\",type=\"total\"} 32"));
  EXPECT_TRUE(HasLine(text, "sharc_node_resources{node=\"gpu\",resource=\"gpu\",type=\"allocated\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_node_resources{node=\"gpu\",resource=\"memory\",type=\"allocated\"} 1073741824"));
  EXPECT_TRUE(HasLine(text, "sharc_job_submissions_total{result=\"accepted\",tenant=\"acme\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_job_submissions_total{result=\"unsatisfiable\",tenant=\"acme\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_scheduling_cycle_duration_seconds_count"));
  EXPECT_TRUE(HasLine(text, "sharc_store_commit_duration_seconds_bucket"));
  EXPECT_TRUE(HasLine(text, "sharc_agent_connections 1"));

  if (access("/usr/bin/promtool", X_OK) != 0) {
    GTEST_SKIP() << "promtool not installed (apt-get install prometheus): lint not run";
  }
  CommandResult lint = RunCommand({"/usr/bin/promtool", "check", "metrics"}, {},
                                  std::chrono::seconds(30), text);
  EXPECT_EQ(lint.exit_code, 0) << "promtool check metrics:\n" << lint.out << lint.err;
  EXPECT_EQ(lint.out + lint.err, "") << "promtool reported problems";
  EXPECT_TRUE(cluster.Call(kGlobexToken, "POST", "/v1/jobs/" + std::to_string(*running) + "/cancel").ok());
}

}  // namespace
}  // namespace sharc::testing
