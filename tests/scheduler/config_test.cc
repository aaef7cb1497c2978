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
    "agents": {"heartbeat_interval": "2s", "node_timeout": "20s"},
    "jobs": {"default_memory_per_cpu": "2G", "default_time_limit": "2h", "max_time_limit": "3d"},
    "scheduling": {"profile": "fifo", "fair_share_half_life": "1d", "queue_depth": 50,
                   "full_cycle_interval": "250ms"}
  })");
  auto config = LoadSchedulerConfig(dir.File("c.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->listen_address, "0.0.0.0");
  EXPECT_EQ(config->listen_port, 9000);
  EXPECT_EQ(config->store_sync, store::SyncMode::kNormal);
  EXPECT_EQ(config->heartbeat_interval, std::chrono::seconds(2));
  EXPECT_EQ(config->node_timeout, std::chrono::seconds(20));
  EXPECT_EQ(config->default_memory_per_cpu, int64_t{2} << 30);
  EXPECT_EQ(config->max_time_limit, std::chrono::hours(72));
  EXPECT_EQ(config->scheduling.profile, "fifo");
  EXPECT_EQ(config->scheduling.fair_share_half_life, std::chrono::hours(24));
  EXPECT_EQ(config->scheduling.queue_depth, 50);
  EXPECT_EQ(config->scheduling.full_cycle_interval, std::chrono::milliseconds(250));
}

// A scheduler that crashes is back (systemd's RestartSec=2, a start of a second or two, the
// agents' reconnect delay of up to 2 s) well before the agents fence their jobs at half the
// node timeout: the defaults must leave room for that.
TEST(SchedulerConfigTest, TheDefaultNodeTimeoutLetsRunningJobsOutliveASchedulerRestart) {
  TempDir dir;
  WriteTextFile(dir.File("c.json"), "{}");
  auto config = LoadSchedulerConfig(dir.File("c.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->node_timeout, std::chrono::seconds(30));
  EXPECT_FALSE(config->fence_after.has_value()) << "the default is half the node timeout";
}

TEST(SchedulerConfigTest, SchedulingProfilesAndPriorityClassesAreReadAndChecked) {
  TempDir dir;
  WriteTextFile(dir.File("c.json"), R"({"scheduling": {
    "profile": "mine",
    "profiles": {"mine": {"score": [{"name": "spread"}], "node_search": "loosest",
                          "backfill": "conservative", "reservations": 50}},
    "priority_classes": [{"name": "batch", "value": 1},
                         {"name": "urgent", "value": 9, "preemptible": false,
                          "preempt_across_tenants": true}],
    "default_priority_class": "batch"}})");
  auto config = LoadSchedulerConfig(dir.File("c.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  const policies::ProfileConfig& mine = config->scheduling.active_profile();
  EXPECT_EQ(mine.queue_sort, "fair-share");  // left out: the default profile's
  EXPECT_EQ(mine.score.size(), 1u);
  EXPECT_EQ(mine.node_search, policies::NodeSearch::kLoosest);
  EXPECT_EQ(mine.backfill, policies::BackfillMode::kConservative);
  EXPECT_EQ(mine.reservations, 50);
  ASSERT_EQ(config->scheduling.priority_classes.size(), 2u);
  EXPECT_EQ(config->scheduling.priority_classes[0].name, "urgent");  // highest first
  EXPECT_TRUE(config->scheduling.priority_classes[0].preempt_across_tenants);
  EXPECT_TRUE(config->scheduling.FindClass("batch")->preemptible);

  auto message_for = [&](const std::string& text) {
    WriteTextFile(dir.File("c.json"), text);
    return LoadSchedulerConfig(dir.File("c.json")).status().message();
  };
  EXPECT_NE(message_for(R"({"scheduling": {"profile": "nope"}})")
                .find("scheduling.profile: 'nope' is not a profile; known: default, fifo, spread"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"scheduling": {"profiles": {"p": {"filter": ["bin-pack"]}}}})")
                .find("profile p: filter: 'bin-pack' is not a filter plugin"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"scheduling": {"profiles": {"p": {"backfill": "eager"}}}})")
                .find("scheduling.profiles.p.backfill: 'eager' is not off, easy or conservative"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"scheduling": {"default_priority_class": "vip"}})")
                .find("'vip' is not a priority class"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"scheduling": {"priority_classes": [{"name": "a", "value": 1},
                                                                 {"name": "a", "value": 2}],
                                           "default_priority_class": "a"}})")
                .find("'a' twice"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"policies": {}})").find("policies: unknown field"), std::string::npos);
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

TEST(SchedulerConfigTest, ConnectionLimitsAndDiskRoomAreReadAndChecked) {
  TempDir dir;
  WriteTextFile(dir.File("c.json"), R"({
    "http": {"max_connections": 100, "max_connections_per_peer": 10,
             "websocket_idle_timeout": "90s"},
    "store": {"min_free": "1GiB", "reserve": "0B"}
  })");
  auto config = LoadSchedulerConfig(dir.File("c.json"));
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_EQ(config->http_max_connections, 100);
  EXPECT_EQ(config->http_max_connections_per_peer, 10);
  EXPECT_EQ(config->websocket_idle_timeout, std::chrono::seconds(90));
  EXPECT_EQ(config->store_min_free_bytes, int64_t{1} << 30);
  EXPECT_EQ(config->store_reserve_bytes, 0);
  auto message_for = [&](const std::string& text) {
    WriteTextFile(dir.File("c.json"), text);
    return LoadSchedulerConfig(dir.File("c.json")).status().message();
  };
  EXPECT_NE(message_for(R"({"http": {"max_connections": 0}})").find("http.max_connections"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"http": {"max_connections": 10, "max_connections_per_peer": 11}})")
                .find("http.max_connections_per_peer: must not exceed http.max_connections"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"http": {"max_conections": 10}})").find("did you mean"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"http": {"websocket_idle_timeout": "30s"}})")
                .find("http.websocket_idle_timeout: must exceed agents.node_timeout (30000 ms)"),
            std::string::npos);
  EXPECT_NE(message_for(R"({"http": {"websocket_idle_timeout": "soon"}})")
                .find("http.websocket_idle_timeout"),
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
  ASSERT_EQ(tenants->tenants.size(), 3u);
  ASSERT_EQ(tenants->admins.size(), 3u);
  EXPECT_EQ(tenants->admins[1].role, "operator");
  EXPECT_EQ(tenants->admins[2].role, "auditor");
  EXPECT_EQ(tenants->tenants[0].quota.guaranteed.Get("cpu"), 8000);
  EXPECT_EQ(tenants->tenants[0].share, 2);
  EXPECT_EQ(tenants->tenants[1].name, "acme/vision");
  EXPECT_EQ(tenants->tenants[1].default_priority_class, "low");
}

}  // namespace
}  // namespace sharc::scheduler
