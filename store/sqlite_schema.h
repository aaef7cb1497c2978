// The sharc database file: how it is recognised, configured and migrated.
//
// A sharc database carries PRAGMA application_id = kSharcApplicationId and PRAGMA user_version
// = its schema version. Each schema version is one migration step (see sqlite_schema.cc);
// opening a file applies the steps it lacks, each in its own transaction, so a later
// addition is one more step. Versions: 1 jobs, nodes, meta; 2 tenants, tokens, grants, ledger;
// 3 attempts, node energy, facility readings; 4 job records in the store's own format;
// 5 tenants' fair-share usage; 6 jobs' end time and array columns, for retention.
#ifndef SHARC_STORE_SQLITE_SCHEMA_H_
#define SHARC_STORE_SQLITE_SCHEMA_H_

#include <cstdint>
#include <string>

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/sqlite_store.h"

namespace sharc::store {

inline constexpr int32_t kSharcApplicationId = 0x73686172;  // "shar"
inline constexpr int kSchemaVersion = 8;                    // what this build writes
inline constexpr int kBusyTimeoutMillis = 5000;

// Opens the file at `path` and makes it ready for the store:
//   - refuses (FailedPrecondition, naming the path) a file that is not an SQLite database, an
//     SQLite database of another application, or a schema newer than kSchemaVersion; such a
//     file is left untouched;
//   - sets journal_mode=WAL, synchronous (FULL or NORMAL), busy_timeout, foreign_keys=ON and,
//     if max_database_bytes > 0, max_page_count;
//   - creates or migrates the schema up to kSchemaVersion.
StatusOr<SqliteDb> OpenSharcDatabase(const std::string& path, SyncMode sync,
                                     int64_t max_database_bytes);

// Opens a second, read-only connection to a database OpenSharcDatabase already made ready (the
// writer's connection keeps it in WAL mode, so this one reads while the writer writes), with
// the same busy timeout. Checks nothing else.
StatusOr<SqliteDb> OpenSharcDatabaseForReading(const std::string& path);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_SCHEMA_H_
