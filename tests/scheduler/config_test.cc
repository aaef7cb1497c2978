#include "scheduler/config.h"

#include <gtest/gtest.h>

#include "scheduler/tenants_file.h"
#include "tests/testing/temp_dir.h"

namespace sharc::scheduler {
namespace {

using testing::TempDir;
using testing::WriteTextFile;

TEST(SchedulerConfigTest, ReadsEveryFieldOnTopOfTheDefaults) {
  TempDir dir;
  WriteTextFile(dir.File("c.json"), R"({
    // a comment
    "listen": "0.0.0.0:9000",
    "data_dir": "/var/lib/sharc",
    "store": {"sync": "normal"},
    "agents": {"heartbeat_interval": "2s", "node_timeout": "30s"},
    "jobs": {"default_memory_per_cpu": "2G", "default_time_limit": "2h", "max_time_limit": "3d"},
    "policies": {"queue_order": "fifo", "placement": "first-fit"}
  })");
  auto config = LoadSchedulerConfig(dir.File("c.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->listen_address, "0.0.0.0");
  EXPECT_EQ(config->listen_port, 9000);
  EXPECT_EQ(config->store_sync, store::SyncMode::kNormal);
  EXPECT_EQ(config->heartbeat_interval, std::chrono::seconds(2));
  EXPECT_EQ(config->node_timeout, std::chrono::seconds(30));
  EXPECT_EQ(config->default_memory_per_cpu, int64_t{2} << 30);
  EXPECT_EQ(config->max_time_limit, std::chrono::hours(72));
}

TEST(SchedulerConfigTest, ErrorsNameTheFileAndTheField) {
  TempDir dir;
  auto message_for = [&](const std::string& text) {
    WriteTextFile(dir.File("c.json"), text);
    return LoadSchedulerConfig(dir.File("c.json")).status().message();
  };
  EXPECT_NE(message_for(R"({"agents": {"node_timeout": "5x"}})").find("agents.node_timeout"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"listen": "nowhere"})").find("listen"), std::string::npos);
  EXPECT_NE(message_for(R"({"stor": {}})").find("did you mean 'store'"), std::string::npos);
  EXPECT_NE(message_for(R"({"agents": {"heartbeat_interval": "10s", "node_timeout": "5s"}})")
                .find("twice"),
            std::string::npos);
  EXPECT_NE(message_for("{\n  \"listen\": \n}").find("line 3"), std::string::npos);
  WriteTextFile(dir.File("c.json"), "{}");
  EXPECT_TRUE(LoadSchedulerConfig(dir.File("c.json")).ok());
  EXPECT_NE(LoadSchedulerConfig(dir.File("missing.json")).status().message().find("missing.json"),
            std::string::npos);
}

TEST(SchedulerConfigTest, EfficiencySettingsAreReadAndChecked) {
  TempDir dir;
  WriteTextFile(dir.File("c.json"),
                R"({"efficiency": {"pue": 1.35, "grid_carbon_g_per_kwh": 412}})");
  auto config = LoadSchedulerConfig(dir.File("c.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_DOUBLE_EQ(config->pue, 1.35);
  EXPECT_DOUBLE_EQ(config->grid_carbon_g_per_kwh, 412);
  auto message_for = [&](const std::string& text) {
    WriteTextFile(dir.File("c.json"), text);
    return LoadSchedulerConfig(dir.File("c.json")).status().message();
  };
  EXPECT_NE(message_for(R"({"efficiency": {"pue": 0.8}})").find("efficiency.pue: at least 1"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"efficiency": {"pue": "1.4"}})").find("must be a number"),
            std::string::npos);
  EXPECT_NE(
      message_for(R"({"efficiency": {"grid_carbon_g_per_kwh": -1}})").find("grid_carbon_g_per_kwh"),
      std::string::npos);
  EXPECT_NE(message_for(R"({"efficiency": {"pu": 1.4}})").find("did you mean 'pue'"),
            std::string::npos);
}

}  // namespace
}  // namespace sharc::scheduler

namespace sharc::scheduler {
namespace {

// The shipped examples document every field; they must load as they are.
TEST(ExampleConfigsTest, TheShippedExamplesLoad) {
  std::string configs = std::string(SHARC_TEST_DATA_DIR) + "/../../configs/";
  auto scheduler = LoadSchedulerConfig(configs + "scheduler.example.json");
  EXPECT_TRUE(scheduler.ok()) << scheduler.status().ToString();
  auto tenants = LoadTenantsFile(configs + "tenants.example.json");
  ASSERT_TRUE(tenants.ok()) << tenants.status().ToString();
  EXPECT_EQ(tenants->tenants.size(), 2u);
  EXPECT_EQ(tenants->tenants[0].quota.guaranteed.Get("cpu"), 8000);
}

}  // namespace
}  // namespace sharc::scheduler
