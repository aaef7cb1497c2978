// LoadAgentConfig and FinalizeAgentConfig: the metrics endpoint and energy fields.
#include "agent/config.h"

#include <gtest/gtest.h>

#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

class AgentConfigTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  // Loads `text` as a config file and finalizes it (node_name set so the host name is not used).
  StatusOr<AgentConfig> Load(const std::string& text) {
    WriteTextFile(dir_.File("agent.json"), text);
    SHARC_ASSIGN_OR_RETURN(AgentConfig config, LoadAgentConfig(dir_.File("agent.json")));
    config.node_name = "n1";
    SHARC_RETURN_IF_ERROR(FinalizeAgentConfig(config));
    return config;
  }
  // The error of loading `text`, without the file name prefix.
  std::string Error(const std::string& text) {
    StatusOr<AgentConfig> config = Load(text);
    if (config.ok()) return "(loaded)";
    std::string message = config.status().message();
    const std::string prefix = dir_.File("agent.json") + ": ";
    return message.rfind(prefix, 0) == 0 ? message.substr(prefix.size()) : message;
  }

  TempDir dir_{"sharc-agent-config"};
};

TEST_F(AgentConfigTest, DefaultsHaveNoEndpointAndPlaceholderModel) {
  auto config = Load("{}");
  ASSERT_OK(config);
  EXPECT_EQ(config->metrics_listen, "");
  EXPECT_EQ(config->energy_sample_interval, std::chrono::seconds(5));
  EXPECT_EQ(config->energy.rapl_root, "/sys/class/powercap");
  EXPECT_EQ(config->energy.nvml_library, "libnvidia-ml.so.1");
  EXPECT_EQ(config->energy.model.node_idle_milliwatts, 60'000);
  EXPECT_EQ(config->energy.model.node_peak_milliwatts, 250'000);
  EXPECT_EQ(config->energy.model.gpu.at("default").peak_milliwatts, 300'000);
}

TEST_F(AgentConfigTest, ReadsMetricsAndEnergy) {
  auto config = Load(R"({
    "metrics_listen": "0.0.0.0:0",
    "metrics_advertise_url": "http://node-7.example:9100/metrics",
    "energy": {
      "sample_interval": "2s",
      "rapl_root": "/tmp/powercap",
      "nvml_library": "/opt/nvml.so",
      "model": {
        "node_idle_watts": 80.5, "node_peak_watts": 400,
        "gpu": {"H100": {"idle_watts": 70, "peak_watts": 700}}
      }
    }
  })");
  ASSERT_OK(config);
  EXPECT_EQ(config->metrics_listen, "0.0.0.0:0");
  EXPECT_EQ(config->metrics_advertise_url, "http://node-7.example:9100/metrics");
  EXPECT_EQ(config->energy_sample_interval, std::chrono::seconds(2));
  EXPECT_EQ(config->energy.rapl_root, "/tmp/powercap");
  EXPECT_EQ(config->energy.nvml_library, "/opt/nvml.so");
  EXPECT_EQ(config->energy.model.node_idle_milliwatts, 80'500);
  EXPECT_EQ(config->energy.model.node_peak_milliwatts, 400'000);
  ASSERT_EQ(config->energy.model.gpu.size(), 1u);  // the file's GPU list replaces the default
  EXPECT_EQ(config->energy.model.gpu.at("H100").idle_milliwatts, 70'000);
  EXPECT_EQ(config->energy.model.gpu.at("H100").peak_milliwatts, 700'000);
}

TEST_F(AgentConfigTest, BadEnergyFiguresNameTheField) {
  EXPECT_EQ(Error(R"({"energy": {"model": {"node_idle_watts": -1}}})"),
            "energy.model.node_idle_watts: must be between 0 and 1e+06");
  EXPECT_EQ(Error(R"({"energy": {"model": {"node_idle_watts": 300, "node_peak_watts": 200}}})"),
            "energy.model.node_peak_watts: must not be below node_idle_watts");
  EXPECT_EQ(Error(R"({"energy": {"model": {"gpu": {"A100": {"idle_watts": 90,
                                                             "peak_watts": 80}}}}})"),
            "energy.model.gpu.A100.peak_watts: must not be below idle_watts");
  EXPECT_EQ(Error(R"({"energy": {"model": {"gpu": {"A100": {"idle_watts": "x"}}}}})"),
            "energy.model.gpu.A100.idle_watts: must be a number");
  EXPECT_EQ(Error(R"({"energy": {"sample_interval": "0s"}})"),
            "energy.sample_interval: '0s': a duration must be positive");
  EXPECT_NE(Error(R"({"energy": {"sample_period": "1s"}})").find("sample_period"),
            std::string::npos);
}

TEST_F(AgentConfigTest, OutputLimitIsASizeOfAtLeast4KiBOrNone) {
  ASSERT_OK(Load("{}"));
  EXPECT_EQ(Load("{}")->output_limit_bytes, int64_t{1} << 30);
  EXPECT_EQ(Load(R"({"output_limit": "64KiB"})")->output_limit_bytes, 64 << 10);
  EXPECT_EQ(Load(R"({"output_limit": "0B"})")->output_limit_bytes, 0);
  EXPECT_EQ(Error(R"({"output_limit": "100B"})"),
            "output_limit: at least 4KiB, or 0B for no limit");
  EXPECT_NE(Error(R"({"output_limit": "1024"})").find("output_limit: '1024' has no unit"),
            std::string::npos);
}

TEST_F(AgentConfigTest, OutputIsKeptAWeekByDefaultAndAtLeastASecond) {
  ASSERT_OK(Load("{}"));
  EXPECT_EQ(Load("{}")->output_keep_for, std::chrono::hours(7 * 24));
  EXPECT_EQ(Load(R"({"output_keep_for": "36h"})")->output_keep_for, std::chrono::hours(36));
  EXPECT_EQ(Error(R"({"output_keep_for": "500ms"})"), "output_keep_for: at least 1s (e.g. \"7d\")");
  EXPECT_NE(Error(R"({"output_keep_for": "forever"})").find("output_keep_for"), std::string::npos);
}

TEST_F(AgentConfigTest, BadMetricsEndpointsAreRefused) {
  EXPECT_EQ(Error(R"({"metrics_listen": "7401"})"),
            "metrics_listen: '7401': use host:port, e.g. 0.0.0.0:7400");
  EXPECT_EQ(Error(R"({"metrics_listen": "127.0.0.1:70000"})"),
            "metrics_listen: '127.0.0.1:70000': the port must be 0 to 65535");
  EXPECT_EQ(Error(R"({"metrics_advertise_url": "node-7:9100"})"),
            "metrics_advertise_url: 'node-7:9100' must start with http://");
}

TEST_F(AgentConfigTest, MetricsTlsIsReadAndCheckedAgainstTheEndpoint) {
  StatusOr<AgentConfig> config = Load(R"({
    "metrics_listen": "0.0.0.0:9410",
    "metrics_advertise_url": "https://node-7.example:9410/metrics",
    "metrics_tls": {"cert_file": "/etc/sharc/node.pem", "key_file": "/etc/sharc/node-key.pem",
                    "client_ca_file": "/etc/sharc/prometheus-ca.pem"}
  })");
  ASSERT_OK(config);
  EXPECT_EQ(config->metrics_tls.cert_file, "/etc/sharc/node.pem");
  EXPECT_EQ(config->metrics_tls.key_file, "/etc/sharc/node-key.pem");
  EXPECT_EQ(config->metrics_tls.client_ca_file, "/etc/sharc/prometheus-ca.pem");
  EXPECT_EQ(Error(R"({"metrics_listen": "0.0.0.0:0", "metrics_tls": {"cert_file": "c.pem"}})"),
            "metrics_tls: set both cert_file and key_file, or neither");
  EXPECT_EQ(Error(R"({"metrics_tls": {"cert_file": "c.pem", "key_file": "k.pem"}})"),
            "metrics_tls: there is no metrics endpoint to serve over HTTPS; set metrics_listen");
  EXPECT_EQ(Error(R"({"metrics_listen": "0.0.0.0:0", "metrics_tls": {"client_ca_file": "ca"}})"),
            "metrics_tls.client_ca_file: client certificates need HTTPS; set "
            "metrics_tls.cert_file and metrics_tls.key_file");
  EXPECT_EQ(Error(R"({"metrics_listen": "0.0.0.0:0", "metrics_advertise_url": "http://n:1/m",
                      "metrics_tls": {"cert_file": "c.pem", "key_file": "k.pem"}})"),
            "metrics_advertise_url: 'http://n:1/m' must start with https:// (metrics_tls is set)");
  EXPECT_NE(Error(R"({"metrics_tls": {"cert": "c.pem"}})").find("metrics_tls.cert"),
            std::string::npos);
}

}  // namespace
}  // namespace sharc::agent
