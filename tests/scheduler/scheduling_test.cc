// Priority classes, preemption, fair share and backfill reservations driven through the
// scheduler with the default profile, a fake clock and a real SQLite store: every time here is
// exact.
#include <algorithm>
#include <cmath>

#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

using protocol::AttemptEnding;
using std::chrono::hours;
using std::chrono::minutes;

class SchedulingTest : public SchedulerTest {
 protected:
  SchedulingTest() { options_.scheduling.profile = "default"; }

  // The file tenant `name` (created if it is not there yet; call before Open, or Reopen after).
  Tenant& TenantNamed(const std::string& name) {
    QuotaOf(name);
    for (Tenant& t : options_.tenants_file.tenants) {
      if (t.name == name) return t;
    }
    ADD_FAILURE() << "no tenant " << name;
    return options_.tenants_file.tenants.front();
  }

  JobId SubmitSpec(const std::string& tenant, const JobSpec& spec) {
    StatusOr<SubmitOutcome> outcome = TrySubmit(tenant, spec);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    Settle();
    return outcome.ok() ? outcome->jobs.front().id : JobId{};
  }

  static JobSpec Timed(int cpus, std::chrono::seconds limit, std::string priority = "") {
    JobSpec spec = Spec({"sleep", "600"}, cpus);
    spec.time_limit_seconds = limit.count();
    spec.priority_class = std::move(priority);
    return spec;
  }

  std::vector<JobId> Killed(const RecordingConnection& agent) {
    std::vector<JobId> out;
    for (const auto& kill : agent.Sent<protocol::KillMsg>()) out.push_back(kill.attempt.job);
    std::sort(out.begin(), out.end());
    return out;
  }

  StatusOr<TenantUsageView> UsageView(const std::string& tenant) {
    return Await<TenantUsageView>(
        [&](auto done) { scheduler_->tenants().TenantUsageOf(tenant, done); });
  }
};

TEST_F(SchedulingTest, AJobsClassComesFromItsSpecItsProjectItsEnterpriseThenTheCluster) {
  Tenant& acme = TenantNamed("acme");
  acme.priority_classes = {"normal", "low"};
  acme.default_priority_class = "low";
  TenantNamed("acme/vision");  // no settings of its own
  Reopen();
  Register(Node("n1", 4));
  EXPECT_EQ(JobOf(SubmitSpec("acme/vision", Spec({"true"}))).spec.priority_class, "low");
  EXPECT_EQ(JobOf(SubmitSpec("acme", Timed(1, hours(1), "normal"))).spec.priority_class, "normal");
  EXPECT_EQ(JobOf(SubmitSpec("globex", Spec({"true"}))).spec.priority_class, "normal");

  // The enterprise's list binds its projects too; an unknown class names the known ones.
  Status denied = TrySubmit("acme/vision", Timed(1, hours(1), "high")).status();
  EXPECT_EQ(denied.code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(denied.message(), "priority_class: acme may use normal, low, not 'high'");
  Status unknown = TrySubmit("globex", Timed(1, hours(1), "urgent")).status();
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.message(),
            "priority_class: 'urgent' is not a priority class; known: high, normal, low");
}

TEST_F(SchedulingTest, ATenantMayOnlyBeGivenClassesTheSchedulerKnows) {
  Reopen();
  Status bad = Await<Tenant>([&](auto done) {
                 scheduler_->tenants().UpdateTenant(
                     Admin(), "acme",
                     [](Tenant& t) {
                       t.priority_classes = {"normal", "urgent"};
                       return Status::Ok();
                     },
                     done);
               }).status();
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(bad.message(),
            "priority_classes: 'urgent' is not a priority class of the scheduler; known: high, "
            "normal, low");
  EXPECT_TRUE(scheduler_->tenants().book().Find("acme")->priority_classes.empty());
}

TEST_F(SchedulingTest, AHigherClassPreemptsTheYoungestLowerJobsOfItsTenantWhichRequeue) {
  auto agent = Register(Node("n1", 4));
  std::vector<JobId> low;
  for (int i = 0; i < 4; ++i) {
    low.push_back(SubmitSpec("acme", Timed(1, hours(1), "low")));
    clock_.Advance(minutes(1));  // distinct start times: the youngest is last
  }
  for (JobId id : low) ASSERT_EQ(JobOf(id).state, JobState::kRunning);

  JobId urgent = SubmitSpec("acme", Timed(2, hours(1), "high"));
  EXPECT_EQ(JobOf(urgent).state, JobState::kPending);
  EXPECT_EQ(JobOf(urgent).reason, "AWAITING_PREEMPTION");
  EXPECT_EQ(Killed(*agent), (std::vector<JobId>{low[2], low[3]}));
  for (const auto& kill : agent->Sent<protocol::KillMsg>()) {
    EXPECT_EQ(kill.reason, protocol::KillReason::kPreempt);
  }
  EXPECT_EQ(JobOf(low[3]).preempted_by, urgent);
  EXPECT_EQ(JobOf(low[3]).reason, "PREEMPTING");
  EXPECT_EQ(JobOf(low[3]).message,
            "preempted by job " + std::to_string(urgent.value) + " of acme (priority class high)");
  // A second cycle picks no further victims while these stop.
  SubmitSpec("globex", Timed(1, hours(1), "low"));
  EXPECT_EQ(agent->Sent<protocol::KillMsg>().size(), 2u);

  for (JobId id : {low[2], low[3]}) {
    ReportExit("n1", id, 1, 1, 2, std::nullopt, 15, AttemptEnding::kPreempted);
    EXPECT_EQ(JobOf(id).state, JobState::kPending);
    EXPECT_EQ(JobOf(id).reason, "PREEMPTED");
    EXPECT_EQ(JobOf(id).preempted_by, urgent);  // `sharc show` says who
  }
  EXPECT_EQ(JobOf(urgent).state, JobState::kRunning);
  // When the urgent job ends, the same ids start again as their second attempt.
  ReportExit("n1", urgent, 1, 3, 4, 0, std::nullopt);
  EXPECT_EQ(JobOf(low[2]).state, JobState::kRunning);
  EXPECT_EQ(JobOf(low[2]).attempt, 2);
}

// Preemptions are the scheduler's own doing: a job preempted again and again still has its
// every jobs.max_attempts for the node failures it is meant for.
// An enterprise's quota counts its projects' jobs: what `sharc usage` and the quota metric show
// it must count them too, or an enterprise sees headroom its quota does not have.
TEST_F(SchedulingTest, AnEnterprisesUsageCountsItsProjectsJobs) {
  TenantNamed("acme/vision");
  Reopen();
  Register(Node("n1", 8));
  SubmitSpec("acme", Timed(2, hours(1)));
  SubmitSpec("acme/vision", Timed(3, hours(1)));
  StatusOr<TenantUsageView> acme = UsageView("acme");
  ASSERT_TRUE(acme.ok()) << acme.status().ToString();
  EXPECT_EQ(acme->usage.held.Get("cpu"), 5000);
  EXPECT_EQ(acme->usage.running, 2);
  StatusOr<TenantUsageView> vision = UsageView("acme/vision");
  ASSERT_TRUE(vision.ok());
  EXPECT_EQ(vision->usage.held.Get("cpu"), 3000);
  for (const auto& quota : scheduler_->MetricsSnapshot().tenant_quotas) {
    if (quota.tenant == "acme") EXPECT_EQ(quota.used.Get("cpu"), 5000);
    if (quota.tenant == "acme/vision") EXPECT_EQ(quota.used.Get("cpu"), 3000);
  }
}

// Every attempt's start is a queue wait observation (the "nothing starting" alert counts them),
// a requeued one's from its requeue: a preempted job does not count its first run as waiting.
TEST_F(SchedulingTest, EveryAttemptsStartIsObservedAsQueueWaitSinceItWasQueued) {
  Register(Node("n1", 1));
  JobId low = SubmitSpec("acme", Timed(1, hours(1), "low"));  // starts at once: waited 0
  clock_.Advance(minutes(10));
  JobId urgent = SubmitSpec("acme", Timed(1, hours(1), "high"));
  ReportExit("n1", low, 1, 1, 2, std::nullopt, 15, AttemptEnding::kPreempted);  // requeued now
  ASSERT_EQ(JobOf(urgent).state, JobState::kRunning);                           // waited 0
  clock_.Advance(minutes(5));
  ReportExit("n1", urgent, 1, 3, 4, 0, std::nullopt);
  ASSERT_EQ(JobOf(low).attempt, 2);  // waited the 5 minutes since its requeue

  for (const prometheus::MetricFamily& family : registry_.Collect()) {
    if (family.name != "sharc_job_queue_wait_seconds") continue;
    ASSERT_EQ(family.metric.size(), 1u);  // acme's
    EXPECT_EQ(family.metric[0].histogram.sample_count, 3u);
    EXPECT_DOUBLE_EQ(family.metric[0].histogram.sample_sum, 300.0);
    return;
  }
  ADD_FAILURE() << "no sharc_job_queue_wait_seconds";
}

TEST_F(SchedulingTest, PreemptionsDoNotCountTowardMaxAttempts) {
  options_.max_attempts = 2;
  Reopen();
  auto agent = Register(Node("n1", 1));
  JobId low = SubmitSpec("acme", Timed(1, hours(1), "low"));
  for (int round = 1; round <= 2; ++round) {
    ASSERT_EQ(JobOf(low).state, JobState::kRunning);
    ASSERT_EQ(JobOf(low).attempt, round);
    JobId urgent = SubmitSpec("acme", Timed(1, hours(1), "high"));
    ReportExit("n1", low, round, 1, 2, std::nullopt, 15, AttemptEnding::kPreempted);
    ASSERT_EQ(JobOf(low).reason, "PREEMPTED");
    ReportExit("n1", urgent, 1, 3, 4, 0, std::nullopt);
  }
  ASSERT_EQ(JobOf(low).state, JobState::kRunning);
  EXPECT_EQ(JobOf(low).attempt, 3);
  EXPECT_EQ(JobOf(low).node_failures, 0);
  clock_.Advance(options_.node_timeout + std::chrono::seconds(1));
  scheduler_->Tick();  // n1 is silent: DOWN
  Settle();
  EXPECT_EQ(JobOf(low).state, JobState::kPending) << JobOf(low).message;
  EXPECT_EQ(JobOf(low).reason, "NODE_FAIL");
  EXPECT_EQ(JobOf(low).node_failures, 1);
}

TEST_F(SchedulingTest, AHighClassNeverPreemptsBelowAnotherTenantsGuarantee) {
  QuotaOf("acme").guaranteed.Set("cpu", 2000);
  Reopen();
  auto agent = Register(Node("n1", 4));
  std::vector<JobId> acme;
  for (int i = 0; i < 4; ++i) acme.push_back(SubmitSpec("acme", Timed(1, hours(1), "low")));
  // globex's high job may take what acme borrowed (2 CPUs), not acme's guaranteed 2.
  JobId wide = SubmitSpec("globex", Timed(3, hours(1), "high"));
  EXPECT_EQ(JobOf(wide).state, JobState::kPending);
  EXPECT_TRUE(agent->Sent<protocol::KillMsg>().empty());
  ASSERT_TRUE(
      Await<Job>([&](auto done) { scheduler_->jobs().Cancel(As("globex"), wide, done); }).ok());
  JobId fits = SubmitSpec("globex", Timed(2, hours(1), "high"));
  EXPECT_EQ(JobOf(fits).reason, "AWAITING_PREEMPTION");
  EXPECT_EQ(Killed(*agent).size(), 2u);
}

// acme is guaranteed the whole node; its project nlp 2 CPUs of it, vision nothing.
TEST_F(SchedulingTest, IdleGuaranteesAreLentInsideTheEnterpriseFirst) {
  QuotaOf("acme").guaranteed.Set("cpu", 4000);
  QuotaOf("acme/nlp").guaranteed.Set("cpu", 2000);
  QuotaOf("acme/vision");
  Reopen();
  auto agent = Register(Node("n1", 4));
  // acme is idle: globex borrows.
  std::vector<JobId> borrowed;
  for (int i = 0; i < 2; ++i) {
    borrowed.push_back(SubmitSpec("globex", Timed(1, hours(1))));
    clock_.Advance(minutes(1));
  }
  // vision wants the node: acme's unassigned guarantee and nlp's idle one go to it, and
  // globex's borrowed CPUs are reclaimed for it.
  std::vector<JobId> vision;
  for (int i = 0; i < 4; ++i) {
    vision.push_back(SubmitSpec("acme/vision", Timed(1, hours(1))));
    clock_.Advance(minutes(1));
  }
  EXPECT_EQ(Killed(*agent), borrowed);
  for (JobId id : borrowed)
    ReportExit("n1", id, 1, 1, 2, std::nullopt, 15, AttemptEnding::kPreempted);
  for (JobId id : vision) EXPECT_EQ(JobOf(id).state, JobState::kRunning) << id.value;
  for (JobId id : borrowed) {
    EXPECT_EQ(JobOf(id).state, JobState::kPending);
    EXPECT_EQ(JobOf(id).reason, "PREEMPTED");
  }
  // nlp wants its guarantee back from its sibling: vision's two youngest make room; globex
  // still waits.
  std::vector<JobId> nlp;
  for (int i = 0; i < 2; ++i) nlp.push_back(SubmitSpec("acme/nlp", Timed(1, hours(1))));
  std::vector<JobId> victims = Killed(*agent);
  victims.erase(victims.begin(), victims.begin() + 2);
  EXPECT_EQ(victims, (std::vector<JobId>{vision[2], vision[3]}));
  for (JobId id : {vision[2], vision[3]}) {
    ReportExit("n1", id, 1, 1, 2, std::nullopt, 15, AttemptEnding::kPreempted);
  }
  for (JobId id : nlp) EXPECT_EQ(JobOf(id).state, JobState::kRunning);
  for (JobId id : borrowed) EXPECT_EQ(JobOf(id).state, JobState::kPending);
}

TEST_F(SchedulingTest, DecayedUsageSurvivesARestart) {
  options_.scheduling.fair_share_half_life = hours(1);
  Reopen();
  Register(Node("n1", 4));
  JobId job = SubmitSpec("acme", Timed(2, hours(2)));
  clock_.Advance(hours(1));
  ReportExit("n1", job, 1, 1, 2, 0, std::nullopt);
  // Half the cluster for an hour, decaying with a one-hour half-life as it accrues:
  // integral of 0.5 * 2^(-(1h - t)/1h) dt over [0, 1h] = 0.5 h / (2 ln 2) = 1298.4 s.
  StatusOr<TenantUsageView> before = UsageView("acme");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_NEAR(before->decayed_usage, 900 / std::log(2.0), 0.5);
  EXPECT_LT(before->fair_share_factor, 1);

  Reopen();
  StatusOr<TenantUsageView> after = UsageView("acme");
  ASSERT_TRUE(after.ok());
  EXPECT_DOUBLE_EQ(after->decayed_usage, before->decayed_usage);
  // And it keeps decaying: one half-life later, half of it is left.
  clock_.Advance(hours(1));
  after = UsageView("acme");
  EXPECT_NEAR(after->decayed_usage, before->decayed_usage / 2, 0.01);
}

TEST_F(SchedulingTest, TheTenantThatUsedLessGoesFirst) {
  Register(Node("n1", 2));
  // acme uses the whole node for an hour; then both queue a job for the single free slot.
  JobId hog = SubmitSpec("acme", Timed(2, hours(2)));
  clock_.Advance(hours(1));
  JobId acme_next = SubmitSpec("acme", Timed(2, hours(1)));
  clock_.Advance(minutes(1));
  JobId globex_next = SubmitSpec("globex", Timed(2, hours(1)));
  ReportExit("n1", hog, 1, 1, 2, 0, std::nullopt);
  EXPECT_EQ(JobOf(globex_next).state, JobState::kRunning) << "younger, but globex used less";
  EXPECT_EQ(JobOf(acme_next).state, JobState::kPending);
}

TEST_F(SchedulingTest, ABlockedJobGetsAReservationAndOnlyJobsThatEndBeforeItBackfill) {
  Register(Node("n1", 4));
  JobId running = SubmitSpec("acme", Timed(1, hours(1)));
  const UnixMillis started = clock_.WallMillis();
  clock_.Advance(minutes(10));
  JobId wide = SubmitSpec("acme", Timed(4, hours(1)));
  EXPECT_EQ(JobOf(wide).reason, "RESERVED");
  std::optional<ExpectedStart> start = scheduler_->cycles().ExpectedStartOf(wide);
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(start->time, started + 3'600'000) << "when the running job's time limit is up";
  EXPECT_EQ(start->nodes, std::vector<std::string>{"n1"});

  // 50 minutes are left before the reservation: a 40-minute job fits in the gap, a 2-hour
  // job would delay it.
  // (One tenant, so that fair share does not reorder them: the oldest goes first.)
  JobId long_job = SubmitSpec("acme", Timed(1, hours(2)));
  EXPECT_EQ(JobOf(long_job).state, JobState::kPending);
  EXPECT_EQ(JobOf(long_job).reason, "PRIORITY");
  JobId short_job = SubmitSpec("acme", Timed(1, minutes(40)));
  EXPECT_EQ(JobOf(short_job).state, JobState::kRunning);

  // The running job ends early: the reservation moves to the short job's end.
  clock_.Advance(minutes(5));
  ReportExit("n1", running, 1, 1, 2, 0, std::nullopt);
  start = scheduler_->cycles().ExpectedStartOf(wide);
  ASSERT_TRUE(start.has_value());
  EXPECT_EQ(start->time, JobOf(short_job).start_time + 40 * 60'000);
  ReportExit("n1", short_job, 1, 3, 4, 0, std::nullopt);
  EXPECT_EQ(JobOf(wide).state, JobState::kRunning);
  EXPECT_FALSE(scheduler_->cycles().ExpectedStartOf(wide).has_value());
}

}  // namespace
}  // namespace sharc::scheduler
