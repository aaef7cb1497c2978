#include "agent/attempt_journal.h"

#include <gtest/gtest.h>

#include "protocol/json_fields.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using protocol::Json;

JournalRecord SampleRecord() {
  JournalRecord record;
  protocol::LaunchMsg& launch = record.launch;
  launch.attempt = {JobId{12}, 2};
  launch.tenant = "acme";
  launch.spec.name = "train";
  launch.spec.command = {"sleep", "60"};
  launch.spec.memory_bytes = 1 << 30;
  launch.spec.time_limit_seconds = 600;
  launch.allocation = {{NodeAllocation{"n0", {4, 5}, {}, 1 << 30, false},
                        NodeAllocation{"n1", {0, 1}, {1}, 1 << 30, true}}};
  launch.rank = 1;
  record.monitor_pid = 100;
  record.job_pid = 101;
  record.monitor_start_ticks = 9999;
  record.cgroup = "job-12.2";
  record.report.attempt = launch.attempt;
  record.report.start_time = 1'800'000'000'000;
  return record;
}

TEST(AttemptJournalTest, SavesAndLoadsTheWholeLaunch) {
  testing::TempDir dir;
  StatusOr<AttemptJournal> journal = AttemptJournal::Open(dir.File("journal"));
  ASSERT_TRUE(journal.ok()) << journal.status().message();
  JournalRecord record = SampleRecord();
  ASSERT_TRUE(journal->Save(record).ok());
  StatusOr<std::vector<JournalRecord>> loaded = journal->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ(loaded->size(), 1u);
  const JournalRecord& got = (*loaded)[0];
  EXPECT_EQ(got.launch.allocation, record.launch.allocation);
  EXPECT_EQ(got.launch.rank, 1);
  EXPECT_EQ(got.launch.spec, record.launch.spec);
  EXPECT_EQ(got.monitor_pid, 100);
  EXPECT_EQ(got.cgroup, "job-12.2");
  EXPECT_EQ(got.report, record.report);
}

// A journal written by an agent of protocol version 1, exactly as it wrote it: an upgraded
// agent re-adopts the attempt with its grant as a one-part allocation, rank 0.
TEST(AttemptJournalTest, ReadsALaunchOfProtocolVersion1) {
  testing::TempDir dir;
  StatusOr<AttemptJournal> journal = AttemptJournal::Open(dir.File("journal"));
  ASSERT_TRUE(journal.ok()) << journal.status().message();
  testing::WriteTextFile(
      dir.File("journal/12.1.json"),
      R"({"cgroup":"job-12.1","job_pid":124,)"
      R"("launch":{"attempt":1,"binding_simulated":true,"cpus":"0-3","gpus":[0],"job_id":12,)"
      R"("mem_bytes":1073741824,"node":"n1","spec":{"command":["sleep","60"],"cpus":4,)"
      R"("env":{},"gpu_model":"","gpus":1,"labels":{},"mem_bytes":1073741824,"name":"train",)"
      R"("requeue":true,"time_limit_seconds":600},"tenant":"acme","type":"launch","v":1},)"
      R"("monitor_pid":123,"monitor_start_ticks":987654,"report":{"attempt":1,)"
      R"("cpu_energy_uj":0,"cpu_time_ms":0,"end_time":0,"ending":"none","exit_code":null,)"
      R"("exited":false,"gpu_energy_uj":0,"job_id":12,"message":"","oom_killed":false,)"
      R"("peak_memory_bytes":0,"signal":null,"start_time":1800000000000},)"
      R"("requested_ending":"none"})");
  StatusOr<std::vector<JournalRecord>> loaded = journal->LoadAll();
  ASSERT_TRUE(loaded.ok()) << loaded.status().message();
  ASSERT_EQ(loaded->size(), 1u);
  const protocol::LaunchMsg& launch = (*loaded)[0].launch;
  EXPECT_EQ(launch.attempt, (AttemptId{JobId{12}, 1}));
  EXPECT_EQ(launch.allocation,
            (Allocation{{NodeAllocation{"n1", {0, 1, 2, 3}, {0}, 1 << 30, true}}}));
  EXPECT_EQ(launch.rank, 0);
  EXPECT_EQ(launch.spec.command, (std::vector<std::string>{"sleep", "60"}));
  EXPECT_EQ((*loaded)[0].monitor_pid, 123);
  EXPECT_EQ((*loaded)[0].report.start_time, 1'800'000'000'000);
}

TEST(AttemptJournalTest, ADamagedVersion1LaunchIsReportedByName) {
  testing::TempDir dir;
  StatusOr<AttemptJournal> journal = AttemptJournal::Open(dir.File("journal"));
  ASSERT_TRUE(journal.ok());
  testing::WriteTextFile(
      dir.File("journal/12.1.json"),
      R"({"job_pid":124,"monitor_pid":123,)"
      R"("launch":{"attempt":1,"cpus":"0-3","job_id":12,"mem_bytes":1,"node":"n1",)"
      R"("spec":{"command":["true"],"mem_bytes":1,"name":"x","time_limit_seconds":1},)"
      R"("tenant":"acme","type":"launch","v":1,"binding_simulated":1},)"
      R"("report":{"attempt":1,"job_id":12,"exited":false}})");
  Status status = journal->LoadAll().status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("12.1.json.launch: launch.allocation[0].binding: must be a "
                                  "string, not a number"),
            std::string::npos)
      << status.message();
}

}  // namespace
}  // namespace sharc::agent
