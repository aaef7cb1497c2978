#include "tests/store/store_test_util.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <future>
#include <utility>

namespace sharc::store::testing {

Job FullJob(int64_t id, std::string tenant) {
  Job job;
  job.id = JobId{id};
  job.tenant = std::move(tenant);
  job.spec.name = "train-" + std::to_string(id);
  job.spec.command = {"python3", "-c", "print('hi')"};
  job.spec.env = {{"SEED", "7"}, {"MODE", "fast"}};
  job.spec.cpus = 2;
  job.spec.memory_bytes = int64_t{3} << 30;
  job.spec.gpus = 1;
  job.spec.gpu_model = "H100";
  job.spec.time_limit_seconds = 3600;
  job.spec.labels = {{"zone", "a"}};
  job.spec.requeue = false;
  job.state = JobState::kFailed;
  job.attempt = 2;
  job.reason = std::string(reason::kNonZeroExit);
  job.idempotency_key = "key-" + std::to_string(id);
  job.allocation = Allocation{{NodeAllocation{"gpu1", {0, 1}, {0}, job.spec.memory_bytes, true}}};
  job.exit_code = 3;
  job.message = "exited with status 3";
  job.submit_time = 1'796'018'620'123;
  job.start_time = 1'796'018'621'000;
  job.end_time = 1'796'018'622'456;
  job.cancel_requested = true;
  return job;
}

Job PendingJob(int64_t id, std::string tenant, std::string idempotency_key) {
  Job job;
  job.id = JobId{id};
  job.tenant = std::move(tenant);
  job.spec.name = "job-" + std::to_string(id);
  job.spec.command = {"true"};
  job.spec.memory_bytes = 1 << 20;
  job.spec.time_limit_seconds = 60;
  job.idempotency_key = std::move(idempotency_key);
  job.submit_time = 1'796'018'620'000 + id;
  return job;
}

NodeRecord SampleNode(std::string name, NodeState state) {
  NodeRecord node;
  node.inventory.name = std::move(name);
  node.inventory.labels = {{"zone", "b"}};
  node.inventory.binding_simulated = true;
  node.inventory.agent_version = "0.1.0";
  NodeTopology& t = node.inventory.topology;
  t.packages = 1;
  t.cores = 2;
  t.memory_bytes = int64_t{16} << 30;
  t.numa_nodes = {{0, int64_t{16} << 30}};
  t.pus = {{0, 0, 0, 0}, {1, 1, 0, 0}};
  t.gpus = {{0, "cuda0", "10de", "H100", "0000:17:00.0", 0}};
  node.state = state;
  node.reason = state == NodeState::kUp ? "" : "missed 3 heartbeats";
  node.last_seen = 1'796'018'699'000;
  return node;
}

Tenant SampleTenant(std::string name) {
  Tenant tenant;
  tenant.name = std::move(name);
  tenant.display_name = "Tenant " + tenant.name;
  tenant.quota.guaranteed = Resources{{"cpu", 8000}, {"memory", int64_t{64} << 30}};
  tenant.quota.max = ResourceLimits{{"cpu", 16000}, {"gpu", 0}};
  tenant.quota.lendable = ResourceLimits{{"cpu", 2500}};
  tenant.quota.max_running_jobs = 10;
  tenant.quota.max_pending_jobs = 100;
  tenant.quota.max_time_limit_seconds = 86400;
  tenant.quota.max_per_job = ResourceLimits{{"gpu", 4}};
  tenant.created = 1'796'018'620'123;
  return tenant;
}

ApiToken SampleToken(std::string tenant, int n) {
  char prefix[13];
  std::snprintf(prefix, sizeof prefix, "%012x", 0xabc000 + n);
  ApiToken token;
  token.sha256 = std::string(prefix) + std::string(52, 'e');
  token.id = token.sha256.substr(0, 12);
  token.tenant = std::move(tenant);
  token.name = "token-" + std::to_string(n);
  token.created = 1'796'018'620'000 + n;
  return token;
}

Grant SampleGrant(int64_t id, std::string tenant, int64_t credits) {
  Grant grant;
  grant.id = id;
  grant.tenant = std::move(tenant);
  grant.amount = credits * kMicrosPerCredit;
  grant.available = grant.amount;
  grant.program = "city-ai-2026";
  grant.valid_from = 1'796'000'000'000;
  grant.valid_until = 1'827'536'000'000;
  grant.created = 1'796'000'000'000 + id;
  return grant;
}

LedgerEntry Entry(std::string tenant, int64_t grant_id, LedgerKind kind, int64_t credits,
                  AttemptId attempt, UnixMillis time) {
  LedgerEntry entry;
  entry.tenant = std::move(tenant);
  entry.grant_id = grant_id;
  entry.kind = kind;
  entry.amount = credits * kMicrosPerCredit;
  entry.attempt = attempt;
  entry.time = time;
  return entry;
}

StatusOr<std::unique_ptr<Store>> OpenAt(const std::string& path, SqliteStoreOptions options) {
  options.path = path;
  return OpenSqliteStore(std::move(options));
}

Status CommitAndWait(Store& store, std::vector<Mutation> batch) {
  auto promise = std::make_shared<std::promise<Status>>();
  std::future<Status> result = promise->get_future();
  store.Commit(std::move(batch), [promise](Status status) { promise->set_value(status); });
  if (result.wait_for(kDeadline) != std::future_status::ready) {
    return InternalError("the commit's done was not called within the deadline");
  }
  return result.get();
}

void Event::Notify() {
  {
    std::lock_guard lock(mu_);
    notified_ = true;
  }
  cv_.notify_all();
}

bool Event::Wait(std::chrono::seconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [this] { return notified_; });
}

WriterGate::WriterGate(Store& store, int64_t id) {
  store.Commit({PutJob{PendingJob(id, "gate")}}, [state = state_](Status status) {
    EXPECT_TRUE(status.ok()) << status.ToString();
    state->entered.Notify();
    EXPECT_TRUE(state->release.Wait()) << "the gate was never released";
    state->passed.Notify();
  });
  EXPECT_TRUE(state_->entered.Wait()) << "the gate's batch was never committed";
}

void ExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr),
            SQLITE_OK);
  char* error = nullptr;
  int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
  EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (error ? error : "");
  sqlite3_free(error);
  sqlite3_close(db);
}

int TryExecSql(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr);
  if (rc == SQLITE_OK) {
    sqlite3_extended_result_codes(db, 1);
    rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr);
  }
  sqlite3_close(db);
  return rc;
}

int64_t QueryInt(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  int64_t value = -1;
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK &&
      sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK &&
      sqlite3_step(stmt) == SQLITE_ROW) {
    value = sqlite3_column_int64(stmt, 0);
  }
  EXPECT_NE(value, -1) << sql << ": " << sqlite3_errmsg(db);
  sqlite3_finalize(stmt);
  sqlite3_close(db);
  return value;
}

}  // namespace sharc::store::testing
