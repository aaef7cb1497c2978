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

TEST(MetricsTest, TenantQuotaCreditAndPendingReasonsAreExported) {
  Cluster cluster({.quotas = {{"acme", {{"guaranteed", "cpu=1"}, {"max", "cpu=2"}}}},
                   .prices = {{"cpu_hour", "3600"}}});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:4 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  ASSERT_EQ(cluster.Call(kAdminToken, "POST", "/v1/tenants/acme/grants",
                         R"({"credits":"100","source":"voucher","program":"v",)"
                         R"("valid_until":"2099-01-01"})")->status, 201);
  StatusOr<int64_t> done = cluster.Submit(
      kAcmeToken, {{"command", {"true"}}, {"mem_bytes", 1 << 20}, {"time_limit_seconds", 10}});
  ASSERT_OK(done);
  ASSERT_OK(cluster.WaitForEnd(kAcmeToken, *done));
  std::vector<int64_t> running;
  for (int i = 0; i < 3; ++i) {  // the third waits on acme's max
    StatusOr<int64_t> id = cluster.Submit(
        kAcmeToken, {{"command", {"sleep", "30"}}, {"mem_bytes", 1 << 20}, {"time_limit_seconds", 20}});
    ASSERT_OK(id);
    running.push_back(*id);
  }
  ASSERT_OK(cluster.WaitForState(kAcmeToken, running[1], "RUNNING"));
  StatusOr<Reply> scrape = cluster.Call("", "GET", "/metrics");
  ASSERT_OK(scrape);
  const std::string& text = scrape->body;
  EXPECT_TRUE(HasLine(text, "sharc_tenant_quota{resource=\"cpu\",tenant=\"acme\",type=\"guaranteed\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_tenant_quota{resource=\"cpu\",tenant=\"acme\",type=\"max\"} 2"));
  EXPECT_TRUE(HasLine(text, "sharc_tenant_quota{resource=\"cpu\",tenant=\"acme\",type=\"used\"} 2"));
  EXPECT_TRUE(HasLine(text, "sharc_tenant_pending_jobs{reason=\"QUOTA_MAX\",tenant=\"acme\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_tenant_credit_balance{tenant=\"acme\"} "));
  EXPECT_TRUE(HasLine(text, "sharc_tenant_credit_spent_total{source=\"voucher\",tenant=\"acme\"} "));
  EXPECT_EQ(text.find("job_id"), std::string::npos) << "no per-job labels";
  if (access("/usr/bin/promtool", X_OK) != 0) GTEST_SKIP() << "promtool not installed";
  CommandResult lint = RunCommand({"/usr/bin/promtool", "check", "metrics"}, {},
                                  std::chrono::seconds(30), text);
  EXPECT_EQ(lint.exit_code, 0) << lint.out << lint.err;
  EXPECT_EQ(lint.out + lint.err, "");
}

}  // namespace
}  // namespace sharc::testing
