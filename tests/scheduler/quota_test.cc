// Quotas, guarantee reclaim and credit, driven through the scheduler core with a fake clock:
// every number here is exact.
#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

using protocol::AttemptEnding;

constexpr UnixMillis kHour = 3'600'000;

class QuotaTest : public SchedulerTest {
 protected:
  // The attempts launched on `agent` so far.
  static std::vector<AttemptId> Launched(const RecordingConnection& agent) {
    std::vector<AttemptId> out;
    for (const auto& launch : agent.Sent<protocol::LaunchMsg>()) out.push_back(launch.attempt);
    return out;
  }
  int RunningOf(const std::string& tenant) { return scheduler_->state().UsageOf(tenant).running; }
};

TEST_F(QuotaTest, ATenantNeverHoldsMoreThanItsMax) {
  QuotaOf("acme").max.Set("cpu", 2000);
  Reopen();
  auto agent = Register(Node("n1", 8));
  std::vector<JobId> ids;
  for (int i = 0; i < 3; ++i) ids.push_back(Submit("acme", {"sleep", "60"}));
  Settle();
  EXPECT_EQ(RunningOf("acme"), 2);
  EXPECT_EQ(JobOf(ids[2]).state, JobState::kPending);
  EXPECT_EQ(JobOf(ids[2]).reason, "QUOTA_MAX");
  EXPECT_EQ(JobOf(ids[2]).message, "acme would hold 3 cpu; its max is 2");
  // Another tenant is not held back by acme's quota.
  JobId other = Submit("globex", {"sleep", "60"});
  Settle();
  EXPECT_EQ(JobOf(other).state, JobState::kRunning);
  // When one of acme's jobs ends, the third starts.
  ReportExit("n1", ids[0], 1, 1, 2, 0, std::nullopt);
  EXPECT_EQ(JobOf(ids[2]).state, JobState::kRunning);
  EXPECT_EQ(RunningOf("acme"), 2);
}

TEST_F(QuotaTest, SubmitRefusesWhatCanNeverBeAllowedNamingTheLimit) {
  TenantQuota& q = QuotaOf("acme");
  q.max.Set("cpu", 2000);
  q.max_per_job.Set("gpu", 1);
  q.max_time_limit_seconds = 3600;
  q.max_pending_jobs = 1;
  Reopen();
  Register(Node("n1", 8));
  auto refused = [&](JobSpec spec) { return TrySubmit("acme", spec).status(); };
  JobSpec big = Spec({"true"}, 4);
  EXPECT_EQ(refused(big).code(), StatusCode::kUnsatisfiable);
  EXPECT_EQ(refused(big).message(), "quota: acme's max cpu is 2; this job asks for 4");
  JobSpec long_job = Spec({"true"});
  long_job.time_limit_seconds = 7200;
  EXPECT_EQ(refused(long_job).message(),
            "quota: acme's jobs may run at most 1:00:00; this one asks for 2:00:00");
  // Nothing was created.
  EXPECT_TRUE(scheduler_->state().jobs().empty());
  // The pending limit: acme holds its max, one job waits, a second waiting one is refused.
  ASSERT_TRUE(TrySubmit("acme", Spec({"sleep", "60"}, 2)).ok());
  Settle();
  ASSERT_TRUE(TrySubmit("acme", Spec({"sleep", "60"})).ok());
  Settle();
  Status over = refused(Spec({"sleep", "60"}));
  EXPECT_EQ(over.code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(over.message(),
            "quota: acme has 1 pending jobs and may have at most 1; this request adds 1 (an "
            "array counts as its tasks): wait for some to start, or cancel some");
  EXPECT_EQ(scheduler_->state().jobs().size(), 2u);
}

// The default time limit (1 h here) is cut to the tenant's cap (its enterprise's, for a
// project): a job that asked for none is not refused for the default's length.
TEST_F(QuotaTest, ADefaultedTimeLimitIsCutToTheTenantsCap) {
  QuotaOf("acme").max_time_limit_seconds = 600;
  QuotaOf("acme/vision");
  Reopen();
  Register(Node("n1", 8));
  for (const char* tenant : {"acme", "acme/vision"}) {
    JobSpec spec = Spec({"sleep", "60"});
    spec.time_limit_seconds = 0;  // not given
    StatusOr<SubmitOutcome> submitted = TrySubmit(tenant, spec);
    ASSERT_TRUE(submitted.ok()) << tenant << ": " << submitted.status().ToString();
    EXPECT_EQ(JobOf(submitted->jobs[0].id).spec.time_limit_seconds, 600) << tenant;
  }
  JobSpec spec = Spec({"sleep", "60"});
  spec.time_limit_seconds = 0;
  StatusOr<SubmitOutcome> other = TrySubmit("globex", spec);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(JobOf(other->jobs[0].id).spec.time_limit_seconds, 3600);
}

TEST_F(QuotaTest, AGuaranteeIsReclaimedFromBorrowersNewestJobsFirst) {
  QuotaOf("acme").guaranteed.Set("cpu", 2000);
  QuotaOf("globex");  // no guarantee: everything it runs is borrowed
  Reopen();
  auto agent = Register(Node("n1", 4));
  std::vector<JobId> borrowed;
  for (int i = 0; i < 4; ++i) {
    borrowed.push_back(Submit("globex", {"sleep", "60"}));
    clock_.Advance(std::chrono::seconds(1));  // distinct start times: newest is last
    Settle();
  }
  EXPECT_EQ(RunningOf("globex"), 4);  // idle capacity is lent

  JobId mine = Submit("acme", {"sleep", "60"}, 2);
  Settle();
  EXPECT_EQ(JobOf(mine).state, JobState::kPending);
  EXPECT_EQ(JobOf(mine).reason, "RECLAIMING");
  auto kills = agent->Sent<protocol::KillMsg>();
  ASSERT_EQ(kills.size(), 2u);
  std::set<JobId> preempted{kills[0].attempt.job, kills[1].attempt.job};
  EXPECT_EQ(preempted, (std::set<JobId>{borrowed[2], borrowed[3]}));
  for (const auto& kill : kills) EXPECT_EQ(kill.reason, protocol::KillReason::kPreempt);
  EXPECT_EQ(JobOf(borrowed[3]).reason, "PREEMPTING");
  // Another cycle preempts nothing more.
  Submit("globex", {"true"});
  Settle();
  EXPECT_EQ(agent->Sent<protocol::KillMsg>().size(), 2u);

  for (JobId id : {borrowed[2], borrowed[3]}) {
    ReportExit("n1", id, 1, 1, 2, std::nullopt, 15, AttemptEnding::kPreempted);
    EXPECT_EQ(JobOf(id).state, JobState::kPending);
    EXPECT_EQ(JobOf(id).reason, "PREEMPTED");
    EXPECT_EQ(JobOf(id).attempt, 1);
    EXPECT_FALSE(JobOf(id).allocation.has_value());
  }
  EXPECT_EQ(JobOf(mine).state, JobState::kRunning);
  // acme's guarantee protects the capacity: the requeued jobs wait while acme runs.
  EXPECT_EQ(JobOf(borrowed[2]).state, JobState::kPending);
  ReportExit("n1", mine, 1, 3, 4, 0, std::nullopt);
  EXPECT_EQ(JobOf(borrowed[2]).state, JobState::kRunning);
  EXPECT_EQ(JobOf(borrowed[2]).attempt, 2);  // same id, next attempt
}

TEST_F(QuotaTest, OnlyLendableCapacityIsLentWhileTheOwnerIsIdle) {
  QuotaOf("acme").guaranteed.Set("cpu", 4000);
  QuotaOf("acme").lendable.Set("cpu", 1000);
  Reopen();
  Register(Node("n1", 4));
  std::vector<JobId> ids;
  for (int i = 0; i < 2; ++i) ids.push_back(Submit("globex", {"sleep", "60"}));
  Settle();
  EXPECT_EQ(JobOf(ids[0]).state, JobState::kRunning);
  EXPECT_EQ(JobOf(ids[1]).state, JobState::kPending);
  EXPECT_EQ(JobOf(ids[1]).reason, "NO_IDLE_CAPACITY");
}

TEST_F(QuotaTest, CreditIsReservedSettledAndReleasedToTheMicroCredit) {
  options_.prices.per_cpu_hour = 3'000'000;  // 3 credits per CPU-hour
  Reopen();
  std::optional<StatusOr<Grant>> grant;
  scheduler_->tenants().AddGrant(
      Admin(),
      {"acme", 10'000'000, GrantSource::kVoucher, "city", 0, clock_.WallMillis() + 100 * kHour},
      [&](StatusOr<Grant> g) { grant = g; });
  Settle();
  ASSERT_TRUE(grant && grant->ok()) << (grant ? grant->status().ToString() : "no answer");
  Register(Node("n1", 4));
  JobSpec spec = Spec({"sleep", "600"}, 2);
  spec.time_limit_seconds = 3600;  // worst case: 2 CPUs x 1 h x 3 = 6 credits
  spec.memory_bytes = 1 << 20;
  StatusOr<SubmitOutcome> submitted = TrySubmit("acme", spec);
  ASSERT_TRUE(submitted.ok());
  JobId id = submitted->jobs[0].id;
  Settle();
  ASSERT_EQ(JobOf(id).state, JobState::kRunning);
  EXPECT_EQ(scheduler_->tenants().credit().ReservedFor({id, 1}), 6'000'000);
  EXPECT_EQ(scheduler_->tenants().credit().Available("acme", clock_.WallMillis()), 4'000'000);

  // It ran exactly 10 minutes and 1 ms: 2 x (600001 ms / 3.6e6 h) x 3e6 = 1000001.66 -> 1000001.
  UnixMillis start = clock_.WallMillis();
  ReportExit("n1", id, 1, start, start + 600'001, 0, std::nullopt);
  EXPECT_EQ(JobOf(id).state, JobState::kCompleted);
  const Grant& g = scheduler_->tenants().credit().grants().at((*grant)->id);
  EXPECT_EQ(g.spent, 1'000'001);
  EXPECT_EQ(g.reserved, 0);
  EXPECT_EQ(g.available, 10'000'000 - 1'000'001);
  EXPECT_TRUE(scheduler_->tenants().credit().CheckConsistency().ok());
  // The ledger in the store says the same.
  auto verification = VerifyLedger();
  ASSERT_TRUE(verification.ok());
  EXPECT_TRUE(verification->mismatches.empty());
}

TEST_F(QuotaTest, OutOfCreditJobsWaitAndRunningJobsFinish) {
  options_.prices.per_cpu_hour = 1'000'000;
  Reopen();
  scheduler_->tenants().AddGrant(
      Admin(),
      {"acme", 1'500'000, GrantSource::kPurchase, "p", 0, clock_.WallMillis() + 100 * kHour},
      [](StatusOr<Grant>) {});
  Settle();
  Register(Node("n1", 4));
  JobSpec spec = Spec({"sleep", "600"});
  spec.time_limit_seconds = 3600;  // 1 credit worst case
  spec.memory_bytes = 1 << 20;
  JobId first = TrySubmit("acme", spec)->jobs[0].id;
  JobId second = TrySubmit("acme", spec)->jobs[0].id;
  Settle();
  EXPECT_EQ(JobOf(first).state, JobState::kRunning);
  EXPECT_EQ(JobOf(second).state, JobState::kPending);
  EXPECT_EQ(JobOf(second).reason, "INSUFFICIENT_CREDIT");
  // More than all its grants hold can never start: refused at submit.
  JobSpec too_big = spec;
  too_big.cpus = 2;  // 2 credits > 1.5 left in all grants
  EXPECT_EQ(TrySubmit("acme", too_big).status().code(), StatusCode::kUnsatisfiable);
  // The running job completes and pays half an hour (0.5); the rest comes back; now the
  // second job can reserve its 1 credit.
  UnixMillis start = clock_.WallMillis();
  ReportExit("n1", first, 1, start, start + kHour / 2, 0, std::nullopt);
  EXPECT_EQ(JobOf(first).state, JobState::kCompleted);
  EXPECT_EQ(JobOf(second).state, JobState::kRunning);
}

// The price follows the GPUs a job is given, not the model it named: a job that asked for
// any GPU and got an H100 pays the H100 price.
TEST_F(QuotaTest, AGpuIsChargedAtThePriceOfTheModelGranted) {
  options_.prices.per_gpu_hour = 4'000'000;
  options_.prices.per_gpu_hour_by_model["H100"] = 8'000'000;
  Reopen();
  scheduler_->tenants().AddGrant(
      Admin(), {"acme", 100'000'000, GrantSource::kPurchase, "p", 0, clock_.WallMillis() + kHour},
      [](StatusOr<Grant>) {});
  Settle();
  NodeInventory gpu_node = Node("g1", 4);
  gpu_node.topology.gpus = {{0, "cuda0", "NVIDIA Corporation", "H100"},
                            {1, "cuda1", "NVIDIA Corporation", "H100"}};
  Register(gpu_node);
  JobSpec spec = Spec({"sleep", "600"});
  spec.gpus = 2;
  spec.time_limit_seconds = 3600;
  spec.memory_bytes = 1 << 20;
  JobId id = TrySubmit("acme", spec)->jobs[0].id;
  Settle();
  ASSERT_EQ(JobOf(id).state, JobState::kRunning);
  // Reserved for the hour at 2 x 8, not 2 x 4.
  EXPECT_EQ(scheduler_->tenants().credit().Reserved("acme"), 16'000'000);
  UnixMillis start = clock_.WallMillis();
  ReportExit("g1", id, 1, start, start + kHour / 4, 0, std::nullopt);
  ASSERT_EQ(JobOf(id).state, JobState::kCompleted);
  EXPECT_EQ(scheduler_->tenants().credit().Reserved("acme"), 0);
  EXPECT_EQ(scheduler_->tenants().credit().Remaining("acme"), 100'000'000 - 4'000'000);
}

TEST_F(QuotaTest, AGrantExpiresAtItsBoundary) {
  options_.prices.per_cpu_hour = 1'000'000;
  Reopen();
  UnixMillis now = clock_.WallMillis();
  std::optional<StatusOr<Grant>> grant;
  scheduler_->tenants().AddGrant(Admin(),
                                 {"acme", 5'000'000, GrantSource::kVoucher, "v", 0, now + 1000},
                                 [&](StatusOr<Grant> g) { grant = g; });
  Settle();
  ASSERT_TRUE(grant && grant->ok());
  clock_.Advance(std::chrono::milliseconds(999));
  scheduler_->Tick();
  Settle();
  EXPECT_FALSE(scheduler_->tenants().credit().grants().at((*grant)->id).closed);
  clock_.Advance(std::chrono::milliseconds(1));
  scheduler_->Tick();
  Settle();
  const Grant& g = scheduler_->tenants().credit().grants().at((*grant)->id);
  EXPECT_TRUE(g.closed);
  EXPECT_EQ(g.expired, 5'000'000);
  EXPECT_EQ(scheduler_->tenants().credit().Remaining("acme"), 0);
  auto verification = VerifyLedger();
  ASSERT_TRUE(verification.ok());
  EXPECT_TRUE(verification->mismatches.empty()) << verification->mismatches.front();
}

TEST_F(QuotaTest, ADisabledTenantSubmitsNothingAndItsPendingJobsWait) {
  Register(Node("n1", 1));
  JobId running = Submit("acme", {"sleep", "60"});
  JobId waiting = Submit("acme", {"sleep", "60"});
  Settle();
  std::optional<StatusOr<Tenant>> updated;
  scheduler_->tenants().UpdateTenant(
      Admin(), "acme",
      [](Tenant& t) {
        t.disabled = true;
        return Status::Ok();
      },
      [&](StatusOr<Tenant> t) { updated = t; });
  Settle();
  ASSERT_TRUE(updated && updated->ok());
  EXPECT_EQ(TrySubmit("acme", Spec({"true"})).status().code(), StatusCode::kPermissionDenied);
  ReportExit("n1", running, 1, 1, 2, 0, std::nullopt);
  EXPECT_EQ(JobOf(running).state, JobState::kCompleted);  // running jobs finish
  EXPECT_EQ(JobOf(waiting).state, JobState::kPending);    // pending ones wait
  EXPECT_EQ(JobOf(waiting).reason, "TENANT_DISABLED");
}

TEST_F(QuotaTest, GuaranteesMayNotExceedTheCluster) {
  Register(Node("n1", 4));
  std::optional<StatusOr<Tenant>> result;
  scheduler_->tenants().UpdateTenant(
      Admin(), "acme",
      [](Tenant& t) {
        t.quota.guaranteed.Set("cpu", 8000);
        return Status::Ok();
      },
      [&](StatusOr<Tenant> t) { result = t; });
  ASSERT_TRUE(result.has_value());
  EXPECT_EQ(result->status().message(),
            "quota: the tenants' guarantees would add up to 8 cpu, but the cluster has 4; a "
            "guarantee must be capacity that exists");
  EXPECT_EQ(scheduler_->tenants().GetTenant("acme").value()->quota.guaranteed.Get("cpu"), 0);
}

}  // namespace
}  // namespace sharc::scheduler
