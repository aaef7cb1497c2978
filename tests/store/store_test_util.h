// Helpers for the store tests: a per-test temporary directory, sample jobs and nodes that
// round-trip through the store exactly, waiting for a commit, and raw SQL on a closed file.
#ifndef SHARC_TESTS_STORE_STORE_TEST_UTIL_H_
#define SHARC_TESTS_STORE_STORE_TEST_UTIL_H_

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "core/status.h"
#include "store/sqlite_store.h"
#include "store/store.h"
#include "tests/testing/temp_dir.h"

namespace sharc::store::testing {

// How long a test waits for an event before it gives up and fails.
inline constexpr std::chrono::seconds kDeadline{30};

using ::sharc::testing::TempDir;

// A finished job with every field set (allocation, exit code, times, labels, env, key).
Job FullJob(int64_t id, std::string tenant = "acme");
// A pending job with only what a stored job needs.
Job PendingJob(int64_t id, std::string tenant = "acme", std::string idempotency_key = "");
// A node with two PUs, one NUMA node and one GPU.
NodeRecord SampleNode(std::string name, NodeState state = NodeState::kUp);

// Tenant `name` with a quota that uses every field.
Tenant SampleTenant(std::string name);
// A submitter token of `tenant`; `n` makes its hash (and id) unique.
ApiToken SampleToken(std::string tenant, int n);
// A voucher grant of `credits` whole credits, all of it available.
Grant SampleGrant(int64_t id, std::string tenant, int64_t credits);
// A ledger entry of `credits` whole credits; job 0 unless given.
LedgerEntry Entry(std::string tenant, int64_t grant_id, LedgerKind kind, int64_t credits,
                  AttemptId attempt = {}, UnixMillis time = 1'796'018'620'000);

StatusOr<std::unique_ptr<Store>> OpenAt(const std::string& path, SqliteStoreOptions options = {});

// Commits `batch` and waits (up to kDeadline) for its done; Internal if it never came.
Status CommitAndWait(Store& store, std::vector<Mutation> batch);

// A one-shot event: Notify once, Wait with a deadline.
class Event {
 public:
  void Notify();
  // True if notified before the deadline.
  bool Wait(std::chrono::seconds timeout = kDeadline);

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;
};

// Holds the store's writer thread: commits a batch (job `id`, tenant "gate") whose done blocks
// until Release, so that batches committed meanwhile queue up and share the next transaction.
// The constructor returns once the writer is blocked; the destructor releases it.
class WriterGate {
 public:
  WriterGate(Store& store, int64_t id);
  ~WriterGate() { Release(); }
  WriterGate(const WriterGate&) = delete;
  WriterGate& operator=(const WriterGate&) = delete;

  void Release() { state_->release.Notify(); }
  // Waits until the gate's done has returned (the writer moved on).
  bool WaitPassed() { return state_->passed.Wait(); }

 private:
  struct State {
    Event entered, release, passed;
  };
  std::shared_ptr<State> state_ = std::make_shared<State>();
};

// Runs SQL on the file directly (the store must be closed); fails the test on error.
void ExecSql(const std::string& path, const std::string& sql);
// The same, returning SQLite's extended result code instead of failing.
int TryExecSql(const std::string& path, const std::string& sql);
// The integer result of a one-value query.
int64_t QueryInt(const std::string& path, const std::string& sql);

}  // namespace sharc::store::testing

#endif  // SHARC_TESTS_STORE_STORE_TEST_UTIL_H_
