// The scheduler's accounting: attempt records and tenant totals, the nodes' energy from
// heartbeats, facility meter readings, and the efficiency report built from them.
#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

using std::chrono::seconds;

class AccountingTest : public SchedulerTest {
 protected:
  // Runs `id` on n1 for `runtime`, then reports its exit with the figures the agent measured.
  void RunAndFinish(const std::shared_ptr<RecordingConnection>& agent, JobId id, seconds runtime,
                    int64_t cpu_time_ms, int64_t cpu_energy_uj, int64_t gpu_energy_uj) {
    ASSERT_TRUE(tasks_.RunUntil([&] {
      for (const auto& launch : agent->Sent<protocol::LaunchMsg>()) {
        if (launch.attempt.job == id) return true;
      }
      return false;
    }));
    UnixMillis start = clock_.WallMillis();
    clock_.Advance(runtime);
    AttemptReport report{{id, 1}, true, start, clock_.WallMillis(), 0, std::nullopt};
    report.cpu_time_ms = cpu_time_ms;
    report.cpu_energy_uj = cpu_energy_uj;
    report.gpu_energy_uj = gpu_energy_uj;
    scheduler_->nodes().OnAgentMessage("n1", protocol::JobUpdateMsg{report});
    Settle();
  }

  const metrics::ClusterMetricsSnapshot::TenantAccounting& AccountingOf(
      const metrics::ClusterMetricsSnapshot& s, const std::string& tenant) {
    static const metrics::ClusterMetricsSnapshot::TenantAccounting kNone;
    auto it = s.tenant_accounting.find(tenant);
    return it == s.tenant_accounting.end() ? kNone : it->second;
  }

  void Heartbeat(const std::string& node, protocol::NodeSample sample) {
    scheduler_->nodes().OnAgentMessage(node, protocol::HeartbeatMsg{sample});
    Settle();
  }
};

TEST_F(AccountingTest, AFinishedJobIsRecordedAndAddsToItsTenantsTotals) {
  auto agent = Register(Node("n1", 4));
  JobId id = Submit("acme", {"true"}, 2);
  RunAndFinish(agent, id, seconds(10), 5'000, 3'000'000, 0);
  EXPECT_EQ(JobOf(id).cpu_energy_uj, 3'000'000);

  metrics::ClusterMetricsSnapshot s = scheduler_->MetricsSnapshot();
  EXPECT_DOUBLE_EQ(AccountingOf(s, "acme").granted_cpu_seconds, 20.0);  // 2 CPUs x 10 s
  EXPECT_DOUBLE_EQ(AccountingOf(s, "acme").used_cpu_seconds, 5.0);
  EXPECT_DOUBLE_EQ(AccountingOf(s, "acme").energy_joules, 3.0);
  EXPECT_EQ(s.tenant_accounting.count("globex"), 0u);

  StatusOr<store::AccountingRecords> records = store_->ReadAccounting({});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->attempts.size(), 1u);
  const AttemptRecord& record = records->attempts[0];
  EXPECT_EQ(record.attempt, (AttemptId{id, 1}));
  EXPECT_EQ(record.tenant, "acme");
  EXPECT_EQ(record.node, "n1");
  EXPECT_EQ(record.end_time - record.start_time, 10'000);
  EXPECT_EQ(record.millicpus, 2000);
  EXPECT_EQ(record.cpu_time_ms, 5'000);
  EXPECT_EQ(record.state, "COMPLETED");

  // The totals are durable.
  Reopen();
  s = scheduler_->MetricsSnapshot();
  EXPECT_DOUBLE_EQ(AccountingOf(s, "acme").granted_cpu_seconds, 20.0);
  EXPECT_DOUBLE_EQ(AccountingOf(s, "acme").energy_joules, 3.0);
}

TEST_F(AccountingTest, GrantedTimeRisesWhileAJobRunsAndNeverFallsWhenItEnds) {
  auto agent = Register(Node("n1", 4));
  JobId id = Submit("globex", {"sleep", "9"}, 3);
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::LaunchMsg>().empty(); }));
  clock_.Advance(seconds(4));
  double running = AccountingOf(scheduler_->MetricsSnapshot(), "globex").granted_cpu_seconds;
  EXPECT_DOUBLE_EQ(running, 12.0);
  // The agent reports a start a little later than the placement and an earlier end: the
  // granted time still runs from placement to release.
  UnixMillis placed = clock_.WallMillis() - 4'000;
  AttemptReport report{{id, 1}, true, placed + 500, clock_.WallMillis() - 100, 0, std::nullopt};
  scheduler_->nodes().OnAgentMessage("n1", protocol::JobUpdateMsg{report});
  Settle();
  double ended = AccountingOf(scheduler_->MetricsSnapshot(), "globex").granted_cpu_seconds;
  EXPECT_GE(ended, running);
  EXPECT_DOUBLE_EQ(ended, 12.0);
}

TEST_F(AccountingTest, ARequeuedAttemptIsRecordedToo) {
  auto agent = Register(Node("n1", 4));
  JobId id = Submit("acme", {"sleep", "100"});
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::LaunchMsg>().empty(); }));
  clock_.Advance(options_.node_timeout + seconds(1));
  scheduler_->Tick();  // n1 is silent: DOWN, the job requeued
  Settle();
  EXPECT_EQ(JobOf(id).state, JobState::kPending);
  StatusOr<store::AccountingRecords> records = store_->ReadAccounting({});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->attempts.size(), 1u);
  EXPECT_EQ(records->attempts[0].state, "REQUEUED");
  EXPECT_EQ(records->attempts[0].cpu_time_ms, 0) << "no report: nothing measured";
}

// A job's earlier attempts held their CPUs and were charged credit at their end: the usage
// report counts their time too, not only the last attempt's.
TEST_F(AccountingTest, TheUsageReportCountsEveryAttemptOfARequeuedJob) {
  const UnixMillis begin = clock_.WallMillis();
  auto agent = Register(Node("n1", 4));
  JobId id = Submit("acme", {"sleep", "100"}, /*cpus=*/2);
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::LaunchMsg>().empty(); }));
  clock_.Advance(options_.node_timeout + seconds(1));
  scheduler_->Tick();  // n1 is silent: DOWN, the job requeued
  Settle();
  auto back = Register(Node("n1", 4));
  ASSERT_TRUE(tasks_.RunUntil([&] { return !back->Sent<protocol::LaunchMsg>().empty(); }));
  ASSERT_EQ(back->Sent<protocol::LaunchMsg>().front().attempt, (AttemptId{id, 2}));
  const UnixMillis start = clock_.WallMillis();
  clock_.Advance(seconds(3600));
  scheduler_->nodes().OnAgentMessage(
      "n1", protocol::JobUpdateMsg{
                AttemptReport{{id, 2}, true, start, clock_.WallMillis(), 0, std::nullopt}});
  Settle();
  ASSERT_EQ(JobOf(id).state, JobState::kCompleted);

  StatusOr<store::AccountingRecords> records = store_->ReadAccounting({});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->attempts.size(), 2u);
  int64_t granted = 0;  // millicpu-ms of both attempts
  for (const AttemptRecord& attempt : records->attempts) {
    granted += attempt.millicpus * (attempt.end_time - attempt.start_time);
  }
  StatusOr<std::vector<UsageReportRow>> rows = Await<std::vector<UsageReportRow>>([&](auto done) {
    scheduler_->tenants().UsageReport(Admin(), begin, clock_.WallMillis() + 1, "", done);
  });
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  auto acme = std::find_if(rows->begin(), rows->end(),
                           [](const UsageReportRow& row) { return row.tenant == "acme"; });
  ASSERT_NE(acme, rows->end());
  EXPECT_EQ(acme->jobs, 1);
  EXPECT_EQ(acme->cpu_millicpu_ms, granted);
  EXPECT_GT(acme->cpu_millicpu_ms, int64_t{2000} * 3'600'000) << "the last attempt alone";
}

TEST_F(AccountingTest, HeartbeatSamplesGiveNodeUseAndTheReportsEnergy) {
  Register(Node("n1", 4));
  UnixMillis begin = clock_.WallMillis();
  protocol::NodeSample sample;
  sample.agent_start_time = 1;
  sample.cpu_used_millis = 1'500;
  sample.memory_used_bytes = int64_t{3} << 30;
  sample.cpu_energy_source = "model";
  Heartbeat("n1", sample);  // the baseline
  clock_.Advance(seconds(30));
  sample.cpu_energy_uj = 3'000'000'000;  // 100 W for 30 s
  sample.idle_energy_uj = 1'000'000'000;
  Heartbeat("n1", sample);

  metrics::ClusterMetricsSnapshot s = scheduler_->MetricsSnapshot();
  ASSERT_EQ(s.node_resources.size(), 1u);
  ASSERT_TRUE(s.node_resources[0].used.has_value());
  EXPECT_EQ(s.node_resources[0].used->Get("cpu"), 1'500);
  EXPECT_EQ(s.node_resources[0].used->Get("memory"), int64_t{3} << 30);

  // The open minute counts in a report before it is stored.
  StatusOr<EfficiencyReport> report = Efficiency(begin - 3'600'000, begin + 3'600'000);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_NEAR(report->cluster.cpu_energy_kwh, 3000.0 / 3.6e6, 1e-12);
  EXPECT_NEAR(*report->cluster.idle_energy_share, 1.0 / 3, 1e-12);
  EXPECT_NEAR(report->cluster.capacity_cpu_hours, 4 * 30.0 / 3600, 1e-12);
  EXPECT_EQ(report->cpu_energy_sources, std::set<std::string>{"model"});

  // Two minutes after the node went silent its buckets are stored; the report is unchanged.
  clock_.Advance(seconds(200));
  scheduler_->Tick();
  Settle();
  StatusOr<store::AccountingRecords> stored = store_->ReadAccounting({});
  ASSERT_TRUE(stored.ok());
  EXPECT_FALSE(stored->buckets.empty());
  report = Efficiency(begin - 3'600'000, begin + 3'600'000);
  ASSERT_TRUE(report.ok());
  EXPECT_NEAR(report->cluster.cpu_energy_kwh, 3000.0 / 3.6e6, 1e-12);
}

TEST_F(AccountingTest, TheReportCountsRunningJobs) {
  auto agent = Register(Node("n1", 4));
  JobId id = Submit("acme", {"sleep", "100"}, 2);
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::LaunchMsg>().empty(); }));
  UnixMillis start = clock_.WallMillis();
  clock_.Advance(seconds(1800));
  StatusOr<EfficiencyReport> report = Efficiency(start, start + 3'600'000);
  ASSERT_TRUE(report.ok());
  EXPECT_DOUBLE_EQ(report->cluster.granted_cpu_hours, 1.0);  // 2 CPUs x half an hour so far
  ASSERT_EQ(report->tenants.size(), 1u);
  EXPECT_EQ(report->tenants[0].tenant, "acme");
  EXPECT_EQ(JobOf(id).state, JobState::kRunning);

  EXPECT_EQ(Efficiency(start, start).status().code(), StatusCode::kInvalidArgument);
}

TEST_F(AccountingTest, FacilityReadingsAreCheckedKeptInOrderAndDurable) {
  auto add = [&](FacilityReading reading) {
    std::optional<StatusOr<FacilityReading>> result;
    scheduler_->accounting().AddFacilityReading(reading,
                                                [&](StatusOr<FacilityReading> r) { result = r; });
    EXPECT_TRUE(tasks_.RunUntil([&] { return result.has_value(); }));
    Settle();
    return *result;
  };
  UnixMillis now = clock_.WallMillis();
  ASSERT_TRUE(add({now - 60'000, 1'000'000, "main meter"}).ok());
  StatusOr<FacilityReading> taken_now = add({0, 1'000'500, ""});
  ASSERT_TRUE(taken_now.ok());
  EXPECT_EQ(taken_now->time, now) << "no time: taken now";

  // Refused, and nothing changes.
  StatusOr<FacilityReading> earlier = add({now - 1, 1'000'600, ""});
  EXPECT_NE(earlier.status().message().find("in order"), std::string::npos)
      << earlier.status().message();
  StatusOr<FacilityReading> lower = add({now + 1'000, 999'999, ""});
  EXPECT_NE(lower.status().message().find("cumulative"), std::string::npos)
      << lower.status().message();
  EXPECT_EQ(add({now + 3'600'000, 1'000'600, ""}).status().code(), StatusCode::kInvalidArgument)
      << "an hour in the future";
  EXPECT_EQ(add({now + 1'000, 1'000'600, std::string(300, 'x')}).status().code(),
            StatusCode::kInvalidArgument);

  Reopen();
  const std::vector<FacilityReading>& readings = scheduler_->accounting().FacilityReadings();
  ASSERT_EQ(readings.size(), 2u);
  EXPECT_EQ(readings[0].note, "main meter");
  EXPECT_EQ(readings[1].energy_wh, 1'000'500);
}

}  // namespace
}  // namespace sharc::scheduler
