// BuildNodeFamilies rendered in the text format, checked line by line and by promtool.
#include "agent/node_metrics.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>

#include "metrics/exposition.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

NodeMetricsSnapshot GpuNodeMeasuredByRapl() {
  NodeMetricsSnapshot s;
  s.node = "n1";
  NodeUsage usage;
  usage.cpu_busy_ms = 12'345'678;
  usage.memory_total_bytes = 8 << 20;
  usage.memory_used_bytes = 3 << 20;
  s.usage = usage;
  s.running_jobs = 2;
  s.gpus = {0, 1};
  s.gpus_allocated = {1};
  s.energy.measured = true;
  s.energy.package_uj = 3'000'000;
  s.energy.dram_uj = 500'000;
  s.energy.gpu_uj = 2'000'000'000;
  s.energy.idle_uj = 1'250'000;
  s.energy.cpu_source = EnergySource::kRapl;
  s.energy.gpu_source = EnergySource::kModel;
  s.energy.gpu_milliwatts = {{0, 50'000}, {1, 300'500}};
  return s;
}

std::string Render(const NodeMetricsSnapshot& s, const prometheus::Collectable* more = nullptr) {
  NodeCollector collector([&] { return s; });
  std::vector<const prometheus::Collectable*> sources = {&collector};
  if (more) sources.push_back(more);
  return metrics::RenderText(sources);
}

::testing::AssertionResult HasLine(const std::string& text, const std::string& line) {
  if (("\n" + text).find("\n" + line + "\n") != std::string::npos) {
    return ::testing::AssertionSuccess();
  }
  return ::testing::AssertionFailure() << "no line \"" << line << "\" in:\n" << text;
}

TEST(NodeMetricsTest, EverySeriesCarriesTheNodeLabel) {
  const std::string text = Render(GpuNodeMeasuredByRapl());
  EXPECT_TRUE(HasLine(text, "sharc_node_cpu_seconds_total{node=\"n1\"} 12345.678"));
  EXPECT_TRUE(HasLine(text, "sharc_node_memory_bytes{node=\"n1\",type=\"total\"} 8388608"));
  EXPECT_TRUE(HasLine(text, "sharc_node_memory_bytes{node=\"n1\",type=\"used\"} 3145728"));
  EXPECT_TRUE(HasLine(text, "sharc_node_running_jobs{node=\"n1\"} 2"));
  EXPECT_TRUE(HasLine(text, "sharc_node_gpu_allocated{gpu=\"0\",node=\"n1\"} 0"));
  EXPECT_TRUE(HasLine(text, "sharc_node_gpu_allocated{gpu=\"1\",node=\"n1\"} 1"));
  EXPECT_TRUE(HasLine(text, "sharc_node_gpu_power_watts{gpu=\"1\",node=\"n1\"} 300.5"));
  EXPECT_TRUE(HasLine(
      text, "sharc_node_energy_joules_total{domain=\"package\",node=\"n1\",source=\"rapl\"} 3"));
  EXPECT_TRUE(HasLine(
      text, "sharc_node_energy_joules_total{domain=\"dram\",node=\"n1\",source=\"rapl\"} 0.5"));
  EXPECT_TRUE(HasLine(
      text, "sharc_node_energy_joules_total{domain=\"gpu\",node=\"n1\",source=\"model\"} 2000"));
  EXPECT_TRUE(HasLine(text, "sharc_node_idle_energy_joules_total{node=\"n1\"} 1.25"));
  EXPECT_TRUE(HasLine(
      text, "sharc_node_energy_source_info{domain=\"gpu\",node=\"n1\",source=\"model\"} 1"));
  EXPECT_NE(text.find("sharc_build_info{component=\"agent\",node=\"n1\""), std::string::npos);
}

TEST(NodeMetricsTest, ACpuOnlyModelledNodeHasNoGpuOrDramSeries) {
  NodeMetricsSnapshot s;
  s.node = "n2";
  const std::string text = Render(s);
  EXPECT_TRUE(HasLine(
      text, "sharc_node_energy_joules_total{domain=\"package\",node=\"n2\",source=\"model\"} 0"));
  EXPECT_EQ(text.find("domain=\"dram\""), std::string::npos);
  EXPECT_EQ(text.find("domain=\"gpu\""), std::string::npos);
  EXPECT_EQ(text.find("sharc_node_gpu_"), std::string::npos);
  EXPECT_EQ(text.find("sharc_node_cpu_seconds_total"), std::string::npos);  // /proc not read
}

TEST(NodeMetricsTest, PromtoolFindsNothingToComplainAbout) {
  if (!std::filesystem::exists("/usr/bin/promtool")) GTEST_SKIP() << "no /usr/bin/promtool";
  prometheus::Registry registry;
  AgentMetrics agent_metrics(registry, "n1");
  agent_metrics.ObserveJobStart(std::chrono::milliseconds(3));
  const std::string text = Render(GpuNodeMeasuredByRapl(), &registry);
  EXPECT_TRUE(HasLine(text, "sharc_agent_job_start_duration_seconds_count{node=\"n1\"} 1"));
  TempDir dir("sharc-promtool");
  ASSERT_TRUE(dir.ok());
  WriteTextFile(dir.File("metrics.txt"), text);
  const std::string command = "/usr/bin/promtool check metrics < " + dir.File("metrics.txt") +
                              " > " + dir.File("out.txt") + " 2>&1";
  EXPECT_EQ(std::system(command.c_str()), 0) << ReadTextFile(dir.File("out.txt")) << text;
  EXPECT_EQ(ReadTextFile(dir.File("out.txt")), "");
}

}  // namespace
}  // namespace sharc::agent
