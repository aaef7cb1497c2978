// The embedded store: one SQLite database file in WAL mode, written by one writer thread that
// groups every batch queued while the previous transaction committed into the next one.
#ifndef SHARC_STORE_SQLITE_STORE_H_
#define SHARC_STORE_SQLITE_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "store/store.h"

namespace sharc::store {

enum class SyncMode {
  kFull,    // fsync at every commit: an acknowledged submit survives power loss
  kNormal,  // WAL fsync at checkpoints only: survives a process crash, not power loss
};

struct SqliteStoreOptions {
  std::string path;  // the database file; its directory must exist
  SyncMode sync = SyncMode::kFull;
  size_t max_batches_per_transaction = 4096;  // at least 1
  // Called on the writer thread after every transaction (may be empty). `batches` and
  // `mutations` count what the writer took for the transaction; `ok` says it committed.
  std::function<void(const CommitStats&)> on_commit;
  // Caps the database file (SQLite's max_page_count); 0 = no cap. A transaction that would
  // grow past it fails like a full disk: Unavailable, "database or disk is full".
  int64_t max_database_bytes = 0;
  // Free space the database's filesystem keeps for commits made while the disk is full
  // (store/disk_reserve.h): CheckRoom() refuses changes below `min_free_bytes`, and a reserve
  // file of `reserve_bytes` beside the database is given up to finish a commit that found the
  // disk full. 0 and 0: neither.
  int64_t min_free_bytes = 0;
  int64_t reserve_bytes = 0;
};

// Opens (creating if needed) and migrates the schema. Fails with a clear message if the file
// cannot be opened, is not a sharc database, or was written by a newer sharc.
//
// Beyond the Store contract:
//   - Everything stored must load again, so the writer checks each mutation before its
//     transaction (store/stored_records.h): cheap structural checks for jobs, grants and
//     ledger entries, a second decode for the rarely written nodes, tenants and tokens (a job
//     with id 0 or mem_bytes 0, a node with an invalid name, a ledger entry with amount 0, a
//     token without its hash, a record over 16 MiB, next_job_id < 1 are refused). A batch that
//     fails this check fails alone, with InvalidArgument naming the object.
//   - A batch that violates a constraint (e.g. a second job with the same tenant and
//     idempotency key: AlreadyExists) fails alone: the transaction is rolled back and run again
//     without it. Any other failure (full disk, I/O error) fails every batch of the
//     transaction with SQLite's message (Unavailable or Internal).
//   - PutGrant also raises next_grant_id past the grant's id. Load computes
//     open_reservations from the ledger.
//   - ReadLedger, ReplayLedger, ReadAccounting, ReadJob, ReadJobs and ReadAudit run on the calling
//   thread
//     over a read-only connection of their own, opened at the first call and shared by
//     callers under a mutex; they read
//     committed data only and never wait for the writer's transactions (WAL).
//   - After Close, Commit calls `done` at once, on the calling thread, with Unavailable, and
//     Load and the reads fail with Unavailable. Close releases the database
//     file.
//   - Precondition: Close and the destructor are not called from a `done` or `on_commit`
//     callback (Close would wait for the thread it runs on). `done` may call Commit.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(SqliteStoreOptions options);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_STORE_H_
