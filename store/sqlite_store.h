// The embedded store: one SQLite database file in WAL mode, written by one writer thread that
// groups every batch queued while the previous transaction committed into the next one.
#ifndef SHARC_STORE_SQLITE_STORE_H_
#define SHARC_STORE_SQLITE_STORE_H_

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
  std::string path;                       // the database file; its directory must exist
  SyncMode sync = SyncMode::kFull;
  size_t max_batches_per_transaction = 4096;
  // Called on the writer thread after every transaction (may be empty).
  std::function<void(const CommitStats&)> on_commit;
};

// Opens (creating if needed) and migrates the schema. Fails with a clear message if the file
// cannot be opened, is not a sharc database, or was written by a newer sharc.
StatusOr<std::unique_ptr<Store>> OpenSqliteStore(SqliteStoreOptions options);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_STORE_H_
