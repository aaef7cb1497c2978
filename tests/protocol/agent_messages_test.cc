#include "protocol/agent_messages.h"

#include <gtest/gtest.h>

#include "protocol/json_fields.h"

namespace sharc::protocol {
namespace {

TEST(AgentMessagesTest, RoundTripsAJobUpdate) {
  AttemptReport report;
  report.attempt = {JobId{7}, 2};
  report.exited = true;
  report.start_time = 100;
  report.end_time = 200;
  report.signal = 9;
  report.ending = AttemptEnding::kTimeLimit;
  report.message = "killed at its time limit";
  report.cpu_energy_uj = 12'000'000;
  report.gpu_energy_uj = 3;
  StatusOr<AgentMessage> decoded = DecodeAgentMessage(EncodeAgentMessage(JobUpdateMsg{report}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::get<JobUpdateMsg>(*decoded).report, report);
}

TEST(AgentMessagesTest, RoundTripsAHeartbeatWithItsSample) {
  NodeSample sample{1000, 1500, 1 << 20, 9'000'000, 4'000'000, 2'500'000, "rapl", "nvml"};
  auto decoded = DecodeAgentMessage(EncodeAgentMessage(HeartbeatMsg{sample}));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::get<HeartbeatMsg>(*decoded).sample, sample);

  auto bare = DecodeAgentMessage(R"({"v":2,"type":"heartbeat"})");
  ASSERT_TRUE(bare.ok());
  EXPECT_FALSE(std::get<HeartbeatMsg>(*bare).sample.has_value());
}

TEST(AgentMessagesTest, RefusesASampleThatDoesNotAddUp) {
  EXPECT_EQ(DecodeAgentMessage(R"({"v":2,"type":"heartbeat","sample":{"agent_start_time":1,)"
                               R"("cpu_energy_uj":5,"idle_energy_uj":6}})")
                .status()
                .message(),
            "heartbeat.sample.idle_energy_uj: exceeds the node's energy");
  EXPECT_EQ(DecodeAgentMessage(R"({"v":2,"type":"heartbeat","sample":{"agent_start_time":1,)"
                               R"("cpu_energy_source":"guess"}})")
                .status()
                .message(),
            "heartbeat.sample: unknown energy source 'guess' (rapl, nvml or model)");
  EXPECT_EQ(DecodeAgentMessage(R"({"v":2,"type":"heartbeat","sample":{"agent_start_time":1,)"
                               R"("cpu_energy_uj":-1}})")
                .status()
                .message()
                .substr(0, 31),
            "heartbeat.sample.cpu_energy_uj:");
}

TEST(AgentMessagesTest, RoundTripsALaunchAndBinaryOutput) {
  LaunchMsg launch;
  launch.attempt = {JobId{3}, 1};
  launch.tenant = "acme";
  launch.spec.name = "x";
  launch.spec.command = {"true"};
  launch.spec.memory_bytes = 1024;
  launch.spec.time_limit_seconds = 5;
  launch.allocation = {{NodeAllocation{"n0", {4}, {}, 512, true},
                        NodeAllocation{"n1", {0, 1, 2}, {1}, 1024, false}}};
  launch.rank = 1;
  auto decoded = DecodeSchedulerMessage(EncodeSchedulerMessage(launch));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  const LaunchMsg& got = std::get<LaunchMsg>(*decoded);
  EXPECT_EQ(got.spec, launch.spec);
  EXPECT_EQ(got.allocation, launch.allocation);
  EXPECT_EQ(got.rank, 1);
  ASSERT_NE(got.part(), nullptr);
  EXPECT_EQ(got.part()->node, "n1");
  EXPECT_EQ(got.array_job, JobId{});
  EXPECT_FALSE(Json::parse(EncodeSchedulerMessage(launch)).contains("array_job_id"));
  launch.array_job = JobId{2};
  launch.array_task = 17;
  auto task = DecodeSchedulerMessage(EncodeSchedulerMessage(launch));
  ASSERT_TRUE(task.ok()) << task.status().ToString();
  EXPECT_EQ(std::get<LaunchMsg>(*task).array_job, JobId{2});
  EXPECT_EQ(std::get<LaunchMsg>(*task).array_task, 17);

  OutputResponseMsg out{9, "", std::string("a\0\xff\n", 4), 4};
  auto decoded_out = DecodeAgentMessage(EncodeAgentMessage(out));
  ASSERT_TRUE(decoded_out.ok());
  EXPECT_EQ(std::get<OutputResponseMsg>(*decoded_out).data, out.data);
}

// A launch carries the whole allocation; whether the rank is this node's is the agent's check.
TEST(AgentMessagesTest, ALaunchNeedsAnAllocationAndARank) {
  LaunchMsg launch;
  launch.attempt = {JobId{3}, 1};
  launch.tenant = "acme";
  launch.spec.name = "x";
  launch.spec.command = {"true"};
  launch.spec.memory_bytes = 1024;
  launch.spec.time_limit_seconds = 5;
  launch.allocation = {{NodeAllocation{"n1", {0}, {}, 1024, false}}};
  Json good = Json::parse(EncodeSchedulerMessage(launch));
  EXPECT_EQ(good["rank"], 0);
  EXPECT_EQ(good["allocation"][0]["node"], "n1");
  auto error = [&](auto change) {
    Json j = good;
    change(j);
    return DecodeSchedulerMessage(DumpJson(j)).status().message();
  };
  EXPECT_EQ(error([](Json& j) { j.erase("rank"); }), "launch.rank: is required");
  EXPECT_EQ(error([](Json& j) { j["rank"] = -1; }),
            "launch.rank: must be between 0 and 2147483647");
  EXPECT_EQ(error([](Json& j) { j.erase("allocation"); }), "launch.allocation: is required");
  EXPECT_EQ(error([](Json& j) { j["allocation"] = Json::array(); }),
            "launch.allocation: must have a part on at least one node");
  EXPECT_EQ(error([](Json& j) { j["allocation"][0]["cpus"] = ""; }),
            "launch.allocation[0].cpus: empty");
  // Out of range is well-formed: the agent refuses it, and says so to the scheduler.
  Json far = good;
  far["rank"] = 5;
  auto decoded = DecodeSchedulerMessage(DumpJson(far));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::get<LaunchMsg>(*decoded).part(), nullptr);
}

TEST(AgentMessagesTest, CarriesTheNodeCredentialBothWaysOnlyWhenSet) {
  RegisterMsg reg;
  reg.inventory.name = "n1";
  reg.inventory.topology.packages = 1;
  reg.inventory.topology.cores = 1;
  reg.inventory.topology.memory_bytes = 1LL << 30;
  reg.inventory.topology.numa_nodes = {{0, 1LL << 30}};
  reg.inventory.topology.pus = {{0, 0, 0, 0}};
  EXPECT_EQ(EncodeAgentMessage(reg).find("credential"), std::string::npos);
  reg.credential = "c0ffee";
  StatusOr<AgentMessage> decoded = DecodeAgentMessage(EncodeAgentMessage(reg));
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(std::get<RegisterMsg>(*decoded).credential, "c0ffee");

  StatusOr<SchedulerMessage> registered =
      DecodeSchedulerMessage(EncodeSchedulerMessage(RegisteredMsg{1000, 0, "c0ffee"}));
  ASSERT_TRUE(registered.ok()) << registered.status().ToString();
  EXPECT_EQ(std::get<RegisteredMsg>(*registered).credential, "c0ffee");

  reg.credential = std::string(kMaxNodeCredentialBytes + 1, 'a');
  EXPECT_EQ(DecodeAgentMessage(EncodeAgentMessage(reg)).status().message(),
            "register.credential: longer than 256 bytes");
}

TEST(AgentMessagesTest, RefusesOtherVersionsUnknownTypesAndBadFields) {
  EXPECT_NE(DecodeAgentMessage(R"({"v":1,"type":"heartbeat"})")
                .status()
                .message()
                .find("version 1 is not supported"),
            std::string::npos);
  EXPECT_EQ(DecodeAgentMessage(R"({"v":2,"type":"launch"})").status().message(),
            "message: unknown type 'launch' from an agent");
  EXPECT_EQ(DecodeAgentMessage(R"({"v":2,"type":"heartbeat","x":1})").status().message(),
            "heartbeat.x: unknown field");
  EXPECT_FALSE(
      DecodeSchedulerMessage(R"({"v":2,"type":"kill","job_id":1,"attempt":1,"reason":"please"})")
          .ok());
  EXPECT_FALSE(DecodeAgentMessage("not json").ok());
}

}  // namespace
}  // namespace sharc::protocol
