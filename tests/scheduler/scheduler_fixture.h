// A scheduler core driven directly, for tests: a fake clock, a real SQLite store in a temp dir,
// in-memory agent connections, and a task queue standing in for the state thread.
#ifndef SHARC_TESTS_SCHEDULER_SCHEDULER_FIXTURE_H_
#define SHARC_TESTS_SCHEDULER_SCHEDULER_FIXTURE_H_

#include <gtest/gtest.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>

#include "metrics/scheduler_metrics.h"
#include "scheduler/scheduler.h"
#include "store/sqlite_store.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait_for.h"

namespace sharc::scheduler {

using protocol::AttemptReport;
using testing::TempDir;

class RecordingConnection : public AgentConnection {
 public:
  void Send(const protocol::SchedulerMessage& message) override { sent.push_back(message); }
  void Close(std::string reason) override { closed = reason; }

  template <typename T>
  std::vector<T> Sent() const {
    std::vector<T> out;
    for (const auto& m : sent) {
      if (const T* t = std::get_if<T>(&m)) out.push_back(*t);
    }
    return out;
  }
  std::vector<protocol::SchedulerMessage> sent;
  std::string closed;
};

// Tasks posted to the "state thread", run by the test thread.
class TaskQueue {
 public:
  bool empty() {
    std::lock_guard lock(mu_);
    return tasks_.empty();
  }
  void Post(std::function<void()> task) {
    std::lock_guard lock(mu_);
    tasks_.push_back(std::move(task));
  }
  // Runs posted tasks until `done` holds (store commits complete on another thread).
  bool RunUntil(const std::function<bool()>& done) {
    return testing::WaitFor(
        [&] {
          while (true) {
            std::function<void()> task;
            {
              std::lock_guard lock(mu_);
              if (tasks_.empty()) break;
              task = std::move(tasks_.front());
              tasks_.pop_front();
            }
            task();
          }
          return done();
        },
        std::chrono::seconds(10), std::chrono::milliseconds(1));
  }

 private:
  std::mutex mu_;
  std::deque<std::function<void()>> tasks_;
};

// Forwards to the real store and counts commits in flight, so tests know when all is settled.
class CountingStore : public store::Store {
 public:
  explicit CountingStore(std::unique_ptr<store::Store> inner) : inner_(std::move(inner)) {}
  using store::Store::Load;
  StatusOr<store::StoredState> Load(const store::LoadOptions& options) override {
    return inner_->Load(options);
  }
  void Commit(std::vector<store::Mutation> batch, Done done) override {
    Count(batch);
    inner_->Commit(std::move(batch), Settled(std::move(done)));
  }
  void CommitWaitingForSpace(std::vector<store::Mutation> batch, Done done) override {
    Count(batch);
    inner_->CommitWaitingForSpace(std::move(batch), Settled(std::move(done)));
  }
  void Close() override { inner_->Close(); }
  StatusOr<std::vector<LedgerEntry>> ReadLedger(const store::LedgerQuery& query) override {
    return inner_->ReadLedger(query);
  }
  StatusOr<store::LedgerReplay> ReplayLedger() override { return inner_->ReplayLedger(); }
  StatusOr<store::AccountingRecords> ReadAccounting(const store::AccountingQuery& query) override {
    return inner_->ReadAccounting(query);
  }
  StatusOr<std::optional<Job>> ReadJob(JobId id) override { return inner_->ReadJob(id); }
  StatusOr<std::vector<Job>> ReadJobs(const store::JobQuery& query) override {
    return inner_->ReadJobs(query);
  }
  StatusOr<std::vector<store::AuditRecord>> ReadAudit(const store::AuditQuery& query) override {
    return inner_->ReadAudit(query);
  }
  int in_flight() const { return in_flight_.load(); }
  int job_commits() const { return job_commits_.load(); }  // batches that stored a job

 private:
  void Count(const std::vector<store::Mutation>& batch) {
    for (const store::Mutation& m : batch) {
      if (std::holds_alternative<store::PutJob>(m)) {
        ++job_commits_;
        break;
      }
    }
    ++in_flight_;
  }
  Done Settled(Done done) {
    return [this, done = std::move(done)](Status s) {
      done(s);
      --in_flight_;
    };
  }

  std::unique_ptr<store::Store> inner_;
  std::atomic<int> in_flight_{0};
  std::atomic<int> job_commits_{0};
};

inline NodeInventory Node(const std::string& name, int cpus) {
  NodeInventory inv;
  inv.name = name;
  inv.topology.packages = 1;
  inv.topology.cores = cpus;
  inv.topology.memory_bytes = int64_t{64} << 30;
  inv.topology.numa_nodes = {{0, int64_t{64} << 30}};
  for (int i = 0; i < cpus; ++i) inv.topology.pus.push_back({i, i, 0, 0});
  return inv;
}

class SchedulerTest : public ::testing::Test {
 protected:
  SchedulerTest() {
    for (const char* name : {"acme", "globex"}) {
      Tenant tenant;
      tenant.name = name;
      options_.tenants_file.tenants.push_back(tenant);
    }
    options_.check_invariants = true;
    // FIFO and first-fit, as these tests were written for; tests of other policies choose.
    options_.scheduling.profile = "fifo";
    options_.scheduling.full_cycle_interval = std::chrono::milliseconds(0);
  }

  void SetUp() override { Open(); }

  // The file tenant `name`'s quota (call before Open, or Reopen after).
  TenantQuota& QuotaOf(const std::string& name) {
    for (Tenant& t : options_.tenants_file.tenants) {
      if (t.name == name) return t.quota;
    }
    Tenant tenant;
    tenant.name = name;
    options_.tenants_file.tenants.push_back(tenant);
    return options_.tenants_file.tenants.back().quota;
  }

  void Open() {
    store::SqliteStoreOptions options;
    options.path = dir_.File("sharc.db");
    auto store = store::OpenSqliteStore(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::make_unique<CountingStore>(std::move(*store));
    SchedulerDeps deps;
    deps.clock = &clock_;
    deps.store = store_.get();
    deps.metrics = &metrics_;
    deps.post = [this](std::function<void()> task) { tasks_.Post(std::move(task)); };
    // With full_cycle_interval 0 nothing waits; a delay would only postpone a cycle.
    deps.post_after = [this](std::chrono::milliseconds, std::function<void()> task) {
      tasks_.Post(std::move(task));
    };
    deps.run_in_background = [this](std::function<void()> task) { tasks_.Post(std::move(task)); };
    auto created = Scheduler::Create(options_, deps);
    ASSERT_TRUE(created.ok()) << created.status().ToString();
    scheduler_ = std::move(*created);
    auto loaded = store_->Load(load_options_);
    ASSERT_TRUE(loaded.ok());
    ASSERT_TRUE(scheduler_->Restore(std::move(*loaded)).ok());
  }

  void Reopen() {
    Settle();
    scheduler_.reset();
    store_->Close();
    store_.reset();
    Open();
  }

  // Submits and returns the outcome (OK or the refusal).
  StatusOr<SubmitOutcome> TrySubmit(const std::string& tenant, const JobSpec& spec,
                                    std::string key = "") {
    protocol::SubmitItem item;
    item.spec = spec;
    item.idempotency_key = std::move(key);
    std::optional<StatusOr<SubmitOutcome>> result;
    scheduler_->jobs().Submit(As(tenant), {item}, [&](StatusOr<SubmitOutcome> r) { result = r; });
    EXPECT_TRUE(tasks_.RunUntil([&] { return result.has_value(); }));
    return *result;
  }

  static JobSpec Spec(std::vector<std::string> command, int cpus = 1) {
    JobSpec spec;
    spec.command = std::move(command);
    spec.cpus = cpus;
    return spec;
  }

  JobId Submit(const std::string& tenant, std::vector<std::string> command, int cpus = 1,
               std::string key = "") {
    protocol::SubmitItem item;
    item.spec.command = std::move(command);
    item.spec.cpus = cpus;
    item.idempotency_key = std::move(key);
    std::optional<StatusOr<SubmitOutcome>> result;
    scheduler_->jobs().Submit(As(tenant), {item}, [&](StatusOr<SubmitOutcome> r) { result = r; });
    EXPECT_TRUE(tasks_.RunUntil([&] { return result.has_value(); }));
    EXPECT_TRUE(result->ok()) << result->status().ToString();
    return result->value().jobs.front().id;
  }

  std::shared_ptr<RecordingConnection> Register(const NodeInventory& inv,
                                                std::vector<AttemptReport> attempts = {}) {
    auto connection = std::make_shared<RecordingConnection>();
    protocol::RegisterMsg reg;
    reg.inventory = inv;
    reg.attempts = std::move(attempts);
    reg.credential = node_credentials_[inv.name];  // as an agent keeps it in its state_dir
    Status registered = scheduler_->nodes().OnAgentRegister(reg, connection);
    EXPECT_TRUE(registered.ok()) << registered.ToString();
    for (const protocol::RegisteredMsg& m : connection->Sent<protocol::RegisteredMsg>()) {
      if (!m.credential.empty()) node_credentials_[inv.name] = m.credential;
    }
    Settle();
    return connection;
  }

  // Calls `start` with a callback and runs queued work until it is answered.
  template <typename T, typename F>
  StatusOr<T> Await(F start) {
    std::optional<StatusOr<T>> result;
    start([&](StatusOr<T> r) { result = std::move(r); });
    EXPECT_TRUE(tasks_.RunUntil([&] { return result.has_value(); }));
    return result.has_value() ? std::move(*result) : StatusOr<T>(InternalError("no answer"));
  }
  StatusOr<EfficiencyReport> Efficiency(UnixMillis from, UnixMillis to) {
    return Await<EfficiencyReport>(
        [&](auto done) { scheduler_->accounting().Efficiency(from, to, done); });
  }
  StatusOr<LedgerVerification> VerifyLedger() {
    return Await<LedgerVerification>([&](auto done) { scheduler_->tenants().VerifyLedger(done); });
  }

  // Runs queued work until no commit is in flight and nothing is left to run.
  void Settle() {
    ASSERT_TRUE(tasks_.RunUntil([&] { return store_->in_flight() == 0 && tasks_.empty(); }));
  }

  const Job& JobOf(JobId id) { return *scheduler_->state().FindJob(id); }
  static Principal As(const std::string& name) {
    return {Principal::Role::kTenant, name, TokenRole::kSubmitter, "t"};
  }
  static Principal Admin() { return {Principal::Role::kAdmin, "", TokenRole::kSubmitter, "ops"}; }

  // Reports attempt `attempt` of `id` exited on `node` with `report` filled in.
  void ReportExit(const std::string& node, JobId id, int32_t attempt, UnixMillis start,
                  UnixMillis end, std::optional<int32_t> exit_code, std::optional<int32_t> signal,
                  protocol::AttemptEnding ending = protocol::AttemptEnding::kNone) {
    AttemptReport report{{id, attempt}, true, start, end, exit_code, signal, ending};
    scheduler_->nodes().OnAgentMessage(node, protocol::JobUpdateMsg{report});
    Settle();
  }

  TempDir dir_;
  SchedulerOptions options_;
  store::LoadOptions load_options_;  // what Open loads (default: every job whole)
  FakeClock clock_;
  TaskQueue tasks_;
  std::unique_ptr<CountingStore> store_;
  prometheus::Registry registry_;  // the scheduler's event metrics (metrics_) report here
  metrics::SchedulerMetrics metrics_{registry_};
  std::unique_ptr<Scheduler> scheduler_;
  std::map<std::string, std::string> node_credentials_;  // each node's, once issued
};

}  // namespace sharc::scheduler

#endif  // SHARC_TESTS_SCHEDULER_SCHEDULER_FIXTURE_H_
