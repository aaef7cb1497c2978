#include "store/sqlite_store.h"

#include <algorithm>
#include <cassert>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <iterator>
#include <mutex>
#include <optional>
#include <thread>
#include <utility>

#include "core/log.h"
#include "store/disk_reserve.h"
#include "store/sqlite_accounting.h"
#include "store/sqlite_audit.h"
#include "store/sqlite_jobs.h"
#include "store/sqlite_ledger_read.h"
#include "store/sqlite_load.h"
#include "store/sqlite_schema.h"
#include "store/sqlite_statement.h"
#include "store/sqlite_writer.h"

namespace sharc::store {
namespace {

// The queue in front of the writer thread. Commit appends; the writer takes up to
// max_batches_per_transaction batches at a time, writes them in one transaction, then runs
// their `done` callbacks and on_commit without holding any lock. Ledger reads use a second,
// read-only connection of their own, so they never wait for the writer's transactions.
class SqliteStore final : public Store {
 public:
  SqliteStore(SqliteDb db, SqliteWriter writer, std::unique_ptr<DiskReserve> reserve,
              SqliteStoreOptions options)
      : path_(options.path),
        reserve_(std::move(reserve)),
        max_batches_(options.max_batches_per_transaction),
        on_commit_(std::move(options.on_commit)),
        db_(std::move(db)),
        writer_(std::move(writer)) {
    thread_ = std::thread([this] { WriterLoop(); });
  }

  ~SqliteStore() override { Close(); }

  Status CheckRoom() override { return reserve_->CheckRoom(); }

  using Store::Load;
  StatusOr<StoredState> Load(const LoadOptions& options) override {
    std::lock_guard lock(db_mu_);
    if (db_.get() == nullptr) return UnavailableError("the store is closed");
    return LoadState(db_, options);
  }

  void Commit(std::vector<Mutation> batch, Done done) override {
    Enqueue(PendingBatch{std::move(batch), std::move(done)});
  }

  void CommitWaitingForSpace(std::vector<Mutation> batch, Done done) override {
    Enqueue(PendingBatch{std::move(batch), std::move(done), /*wait_for_space=*/true});
  }

  void Close() override {
    {
      std::lock_guard lock(queue_mu_);
      closing_ = true;
    }
    queue_cv_.notify_one();
    std::lock_guard close_lock(close_mu_);
    if (thread_.joinable()) {
      assert(thread_.get_id() != std::this_thread::get_id() &&
             "Close from a done or on_commit callback");
      thread_.join();
    }
    {
      std::lock_guard db_lock(db_mu_);
      writer_.reset();  // finalizes the statements before the connection closes
      db_.Close();
    }
    std::lock_guard read_lock(read_mu_);
    read_closed_ = true;
    reader_.Close();
  }

  StatusOr<std::vector<LedgerEntry>> ReadLedger(const LedgerQuery& query) override {
    std::lock_guard lock(read_mu_);
    SHARC_RETURN_IF_ERROR(OpenReader());
    return ReadLedgerEntries(reader_, query);
  }

  StatusOr<LedgerReplay> ReplayLedger() override {
    std::lock_guard lock(read_mu_);
    SHARC_RETURN_IF_ERROR(OpenReader());
    return ReplayLedgerEntries(reader_);
  }

  StatusOr<AccountingRecords> ReadAccounting(const AccountingQuery& query) override {
    std::lock_guard lock(read_mu_);
    SHARC_RETURN_IF_ERROR(OpenReader());
    return ReadAccountingRecords(reader_, query);
  }

  StatusOr<std::optional<Job>> ReadJob(JobId id) override {
    std::lock_guard lock(read_mu_);
    SHARC_RETURN_IF_ERROR(OpenReader());
    return ReadJobRecord(reader_, id);
  }

  StatusOr<std::vector<Job>> ReadJobs(const JobQuery& query) override {
    std::lock_guard lock(read_mu_);
    SHARC_RETURN_IF_ERROR(OpenReader());
    return ReadJobRecords(reader_, query);
  }

  StatusOr<std::vector<AuditRecord>> ReadAudit(const AuditQuery& query) override {
    std::lock_guard lock(read_mu_);
    SHARC_RETURN_IF_ERROR(OpenReader());
    return ReadAuditRecords(reader_, query);
  }

 private:
  // Opens the read-only connection on first use. Precondition: read_mu_ is held.
  Status OpenReader() {
    if (read_closed_) return UnavailableError("the store is closed");
    if (reader_.get() == nullptr) {
      SHARC_ASSIGN_OR_RETURN(reader_, OpenSharcDatabaseForReading(path_));
    }
    return Status::Ok();
  }

  void Enqueue(PendingBatch pending) {
    bool wake = false;
    {
      std::unique_lock lock(queue_mu_);
      if (closing_) {
        lock.unlock();
        if (pending.done) pending.done(UnavailableError("the store is closed"));
        return;
      }
      wake = queue_.empty();  // otherwise the writer is busy or already woken
      queue_.push_back(std::move(pending));
    }
    if (wake) queue_cv_.notify_one();
  }

  void WriterLoop() {
    std::vector<PendingBatch> group;
    for (;;) {
      {
        std::unique_lock lock(queue_mu_);
        queue_cv_.wait(lock, [this] { return closing_ || !queue_.empty(); });
        if (queue_.empty()) return;  // closing, and everything queued is written
        size_t take = std::min(queue_.size(), max_batches_);
        std::move(queue_.begin(), queue_.begin() + take, std::back_inserter(group));
        queue_.erase(queue_.begin(), queue_.begin() + take);
      }
      WriteUntilSettled(std::move(group));
      group.clear();
    }
  }

  // Writes `group` and runs the done callbacks, except for the batches that wait for space and
  // met a full disk: those are written again, alone, until they commit or the store closes.
  // Nothing queued behind them is written meanwhile, so the order of commits is kept.
  void WriteUntilSettled(std::vector<PendingBatch> group) {
    auto pause = kFirstDiskFullPause;
    bool held_before = false;
    for (;;) {
      std::vector<Status> results;
      std::optional<CommitStats> stats;
      {
        std::lock_guard lock(db_mu_);
        stats = writer_->Write(group, &results);
      }
      const bool hold = stats && stats->disk_full && !Closing();
      std::vector<PendingBatch> held;
      for (size_t i = 0; i < group.size(); ++i) {
        if (hold && group[i].wait_for_space) {
          held.push_back(std::move(group[i]));
        } else if (group[i].done) {
          group[i].done(std::move(results[i]));
        }
      }
      if (stats && on_commit_) on_commit_(*stats);
      if (held.empty()) {
        if (held_before) LogInfo("store", "the disk has room again: the held changes are stored");
        return;
      }
      if (!held_before) {
        LogWarning("store", "the disk holding " + path_ +
                                " is full: holding the scheduler's own changes until space is "
                                "freed there (changes people ask for are refused meanwhile)");
      }
      held_before = true;
      PauseFailingRefusableBatches(pause);
      pause = std::min(pause * 2, kLastDiskFullPause);
      group = std::move(held);
    }
  }

  bool Closing() {
    std::lock_guard lock(queue_mu_);
    return closing_;
  }

  // Waits `pause` (or until Close), failing the plain Commit batches queued meanwhile: they
  // would only wait behind the held ones, and failing them changes nothing.
  void PauseFailingRefusableBatches(std::chrono::milliseconds pause) {
    std::vector<PendingBatch> refused;
    {
      std::unique_lock lock(queue_mu_);
      queue_cv_.wait_for(lock, pause, [this] { return closing_; });
      for (auto it = queue_.begin(); it != queue_.end();) {
        if (it->wait_for_space) {
          ++it;
          continue;
        }
        refused.push_back(std::move(*it));
        it = queue_.erase(it);
      }
    }
    for (PendingBatch& batch : refused) {
      if (batch.done) {
        batch.done(UnavailableError("the disk holding " + path_ +
                                    " is full: nothing was changed; free space there and retry"));
      }
    }
  }

  static constexpr std::chrono::milliseconds kFirstDiskFullPause{50};
  static constexpr std::chrono::milliseconds kLastDiskFullPause{2000};

  const std::string path_;
  const std::unique_ptr<DiskReserve> reserve_;  // outlives the writer, which calls Release
  const size_t max_batches_;
  const std::function<void(const CommitStats&)> on_commit_;

  std::mutex db_mu_;  // the connection: the writer holds it per transaction, Load and Close too
  SqliteDb db_;
  std::optional<SqliteWriter> writer_;  // declared after db_: destroyed before it

  std::mutex queue_mu_;
  std::condition_variable queue_cv_;
  std::deque<PendingBatch> queue_;
  bool closing_ = false;

  std::mutex close_mu_;  // one Close joins; a concurrent one waits for it
  std::thread thread_;

  std::mutex read_mu_;  // the read-only connection, for the Read* and Replay* calls
  SqliteDb reader_;     // opened on first use
  bool read_closed_ = false;
};

}  // namespace

StatusOr<std::unique_ptr<Store>> OpenSqliteStore(SqliteStoreOptions options) {
  if (options.path.empty()) {
    return InvalidArgumentError("store path: name the database file (e.g. /var/lib/sharc/db)");
  }
  if (options.max_batches_per_transaction == 0) {
    return InvalidArgumentError("max_batches_per_transaction: must be at least 1");
  }
  if (options.max_database_bytes < 0) {
    return InvalidArgumentError("max_database_bytes: must be 0 (no cap) or positive");
  }
  SHARC_ASSIGN_OR_RETURN(SqliteDb db,
                         OpenSharcDatabase(options.path, options.sync, options.max_database_bytes));
  if (options.min_free_bytes < 0 || options.reserve_bytes < 0) {
    return InvalidArgumentError("min_free_bytes, reserve_bytes: must be 0 (none) or positive");
  }
  auto reserve = std::make_unique<DiskReserve>(options.path + ".reserve", options.min_free_bytes,
                                               options.reserve_bytes);
  SHARC_ASSIGN_OR_RETURN(
      SqliteWriter writer,
      SqliteWriter::Create(db.get(), [reserve = reserve.get()] { return reserve->Release(); }));
  return std::unique_ptr<Store>(std::make_unique<SqliteStore>(
      std::move(db), std::move(writer), std::move(reserve), std::move(options)));
}

}  // namespace sharc::store
