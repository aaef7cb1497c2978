// A live sharc-agent's own /metrics: advertised to the scheduler (metrics_url in GET
// /v1/nodes), clean under `promtool check metrics`, and with modelled energy (this machine has
// no RAPL) attributed to a job that burnt CPU, the rest reported as idle.
#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

#include "net/http_client.h"
#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

// The value of the series whose line starts with `series` ("name{labels}"), or -1.
double Value(const std::string& text, const std::string& series) {
  size_t at = ("\n" + text).find("\n" + series + " ");
  if (at == std::string::npos) return -1;
  return std::stod(text.substr(at + series.size() + 1));
}

TEST(AgentMetricsTest, AdvertisedScrapeIsCleanAndAJobIsChargedModelledEnergy) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  AgentOptions agent;
  agent.name = "n1";
  agent.metrics = true;
  agent.config = Json{{"energy",
                       {{"sample_interval", "200ms"},
                        {"rapl_root", cluster.dir() + "/no-rapl-here"},
                        {"model", {{"node_idle_watts", 60}, {"node_peak_watts", 250}}}}}};
  ASSERT_OK(cluster.StartAgent(agent));
  ASSERT_OK(cluster.WaitForNodes(1));

  // About half a second of CPU in the job's cgroup.
  StatusOr<int64_t> job = cluster.Submit(
      kAcmeToken, {{"command", {"sh", "-c", "i=0; while [ $i -lt 300000 ]; do i=$((i+1)); done"}}});
  ASSERT_OK(job);
  StatusOr<Json> ended = cluster.WaitForEnd(kAcmeToken, *job);
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "COMPLETED") << ended->dump();
  EXPECT_GT((*ended)["cpu_energy_uj"].get<int64_t>(), 0) << ended->dump();
  EXPECT_EQ((*ended)["gpu_energy_uj"].get<int64_t>(), 0) << ended->dump();

  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  ASSERT_OK(nodes);
  ASSERT_EQ(nodes->json["items"].size(), 1u) << nodes->body;
  const std::string url = nodes->json["items"][0].value("metrics_url", "");
  const std::string prefix = "http://127.0.0.1:";
  ASSERT_EQ(url.rfind(prefix, 0), 0u) << nodes->body;
  ASSERT_EQ(url.substr(url.size() - 8), "/metrics");
  auto client = net::HttpClient::Create(url.substr(0, url.size() - 8), std::chrono::seconds(10));
  ASSERT_OK(client);
  StatusOr<net::HttpResponse> scrape = (*client)->Send("GET", "/metrics");
  ASSERT_OK(scrape);
  ASSERT_EQ(scrape->status, 200);
  EXPECT_EQ(scrape->content_type, "text/plain; version=0.0.4; charset=utf-8");
  const std::string& text = scrape->body;

  EXPECT_NE(text.find("sharc_build_info{component=\"agent\",node=\"n1\""), std::string::npos);
  EXPECT_GT(Value(text, "sharc_node_cpu_seconds_total{node=\"n1\"}"), 0);
  EXPECT_GT(Value(text, "sharc_node_memory_bytes{node=\"n1\",type=\"total\"}"), 0);
  EXPECT_EQ(Value(text, "sharc_node_running_jobs{node=\"n1\"}"), 0);
  EXPECT_EQ(Value(text, "sharc_agent_job_start_duration_seconds_count{node=\"n1\"}"), 1);
  EXPECT_EQ(
      Value(text, "sharc_node_energy_source_info{domain=\"package\",node=\"n1\",source=\"model\"}"),
      1);
  const double energy = Value(
      text, "sharc_node_energy_joules_total{domain=\"package\",node=\"n1\",source=\"model\"}");
  const double idle = Value(text, "sharc_node_idle_energy_joules_total{node=\"n1\"}");
  EXPECT_GT(energy, 0) << text;
  EXPECT_GE(idle, 0) << text;
  // The job was charged a part: idle is less than the whole.
  EXPECT_LT(idle, energy) << text;
  EXPECT_EQ(text.find("domain=\"dram\""), std::string::npos);  // only RAPL measures DRAM

  if (access("/usr/bin/promtool", X_OK) != 0) {
    GTEST_SKIP() << "promtool not installed (apt-get install prometheus): lint not run";
  }
  CommandResult lint =
      RunCommand({"/usr/bin/promtool", "check", "metrics"}, {}, std::chrono::seconds(30), text);
  EXPECT_EQ(lint.exit_code, 0) << "promtool check metrics:\n" << lint.out << lint.err;
  EXPECT_EQ(lint.out + lint.err, "") << "promtool reported problems:\n" << text;
}

TEST(AgentMetricsTest, OtherPathsAndMethodsAreRefused) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  AgentOptions agent;
  agent.name = "n1";
  agent.metrics = true;
  ASSERT_OK(cluster.StartAgent(agent));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  ASSERT_OK(nodes);
  const std::string url = nodes->json["items"][0].value("metrics_url", "");
  ASSERT_GT(url.size(), 8u) << nodes->body;
  auto client = net::HttpClient::Create(url.substr(0, url.size() - 8), std::chrono::seconds(10));
  ASSERT_OK(client);
  StatusOr<net::HttpResponse> other = (*client)->Send("GET", "/v1/jobs");
  ASSERT_OK(other);
  EXPECT_EQ(other->status, 404);
  StatusOr<net::HttpResponse> post = (*client)->Send("POST", "/metrics", "x");
  ASSERT_OK(post);
  EXPECT_EQ(post->status, 405);
}

}  // namespace
}  // namespace sharc::testing
