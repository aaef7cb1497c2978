#include "store/sqlite_schema.h"

#include <sqlite3.h>

#include <algorithm>
#include <iterator>
#include <string_view>

namespace sharc::store {
namespace {

// One schema version: the SQL that takes a database from `version - 1` to `version`. Steps are
// never edited once released; a change is a new step appended below with kSchemaVersion raised
// to match. Version 1 also stamps the application id.
struct Migration {
  int version;
  std::string_view sql;
};

constexpr Migration kMigrations[] = {
    {1, R"sql(
      PRAGMA application_id = 1936220530;
      -- record: protocol::EncodeJob(job). The other columns repeat fields of the record for
      -- queries and constraints.
      CREATE TABLE jobs (
        id INTEGER PRIMARY KEY CHECK (id > 0),
        tenant TEXT NOT NULL,
        state TEXT NOT NULL,
        idempotency_key TEXT,
        record TEXT NOT NULL
      ) STRICT;
      CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (tenant, idempotency_key)
        WHERE idempotency_key <> '';
      -- record: {"inventory":..., "state":..., "reason":..., "last_seen":...}
      -- (store/node_record_codec.h).
      CREATE TABLE nodes (
        name TEXT PRIMARY KEY NOT NULL,
        record TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      -- Counters that outlive the rows they count (next_job_id).
      CREATE TABLE meta (
        key TEXT PRIMARY KEY NOT NULL,
        value INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
      INSERT INTO meta (key, value) VALUES ('next_job_id', 1);
    )sql"},
    {2, R"sql(
      -- Tenants, their API tokens, credit grants and the credit ledger. Records are the
      -- protocol/tenant_codec.h shapes: EncodeTenant, EncodeToken(with_hash), EncodeGrant(store
      -- form); the other columns repeat fields of the record for lookups and constraints.
      CREATE TABLE tenants (
        name TEXT PRIMARY KEY NOT NULL,
        record TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE tokens (
        id TEXT PRIMARY KEY NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        tenant TEXT NOT NULL,
        record TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE grants (
        id INTEGER PRIMARY KEY CHECK (id > 0),
        tenant TEXT NOT NULL,
        record TEXT NOT NULL
      ) STRICT;
      -- Append-only: rows are never updated or deleted. A grant's balances are the sum of its
      -- entries (core/credit.h).
      CREATE TABLE ledger (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        tenant TEXT NOT NULL,
        grant_id INTEGER NOT NULL,
        job_id INTEGER NOT NULL,
        attempt INTEGER NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('grant', 'reserve', 'charge', 'release', 'expire')),
        amount INTEGER NOT NULL CHECK (amount > 0),
        time INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX ledger_tenant_time ON ledger (tenant, time);
      CREATE INDEX ledger_attempt ON ledger (job_id, attempt);
      INSERT INTO meta (key, value) VALUES ('next_grant_id', 1);
    )sql"},
    {3, R"sql(
      -- Accounting for efficiency reports (core/accounting.h): one row per attempt that ran,
      -- node energy per minute, and facility meter readings.
      CREATE TABLE attempts (
        job_id INTEGER NOT NULL CHECK (job_id > 0),
        attempt INTEGER NOT NULL CHECK (attempt > 0),
        tenant TEXT NOT NULL,
        node TEXT NOT NULL,
        start_time INTEGER NOT NULL,
        end_time INTEGER NOT NULL,
        millicpus INTEGER NOT NULL CHECK (millicpus >= 0),
        gpus INTEGER NOT NULL CHECK (gpus >= 0),
        memory_bytes INTEGER NOT NULL CHECK (memory_bytes >= 0),
        cpu_time_ms INTEGER NOT NULL CHECK (cpu_time_ms >= 0),
        cpu_energy_uj INTEGER NOT NULL CHECK (cpu_energy_uj >= 0),
        gpu_energy_uj INTEGER NOT NULL CHECK (gpu_energy_uj >= 0),
        state TEXT NOT NULL,
        PRIMARY KEY (job_id, attempt),
        CHECK (end_time >= start_time)
      ) STRICT;
      CREATE INDEX attempts_end_time ON attempts (end_time);
      CREATE TABLE node_energy (
        start INTEGER NOT NULL,
        node TEXT NOT NULL,
        covered_ms INTEGER NOT NULL CHECK (covered_ms >= 0),
        millicpus INTEGER NOT NULL CHECK (millicpus >= 0),
        gpus INTEGER NOT NULL CHECK (gpus >= 0),
        cpu_energy_uj INTEGER NOT NULL CHECK (cpu_energy_uj >= 0),
        gpu_energy_uj INTEGER NOT NULL CHECK (gpu_energy_uj >= 0),
        idle_energy_uj INTEGER NOT NULL CHECK (idle_energy_uj >= 0),
        cpu_source TEXT NOT NULL,
        gpu_source TEXT NOT NULL,
        PRIMARY KEY (start, node)
      ) STRICT, WITHOUT ROWID;
      CREATE TABLE facility_readings (
        time INTEGER PRIMARY KEY,
        energy_wh INTEGER NOT NULL CHECK (energy_wh >= 0),
        note TEXT NOT NULL
      ) STRICT;
    )sql"},
    {4, R"sql(
      -- Job records get the store's own format (store/job_record_codec.h, record version 1)
      -- instead of the REST JSON (protocol::EncodeJob) that versions 1 to 3 kept: the spec
      -- under "spec", the allocation as a list of per-node parts (memory: the spec's, as the
      -- REST shape implied), times as Unix milliseconds instead of RFC 3339 strings (always
      -- "YYYY-MM-DDTHH:MM:SS.mmmZ" there). A field an older sharc did not write becomes null,
      -- which the record reads as its default.
      UPDATE jobs SET record = json_object(
        'v', 1,
        'id', record -> '$.id',
        'tenant', record -> '$.tenant',
        'state', record -> '$.state',
        'reason', record -> '$.reason',
        'attempt', record -> '$.attempt',
        'spec', json_object(
          'name', record -> '$.name',
          'command', record -> '$.command',
          'env', record -> '$.env',
          'cpus', record -> '$.cpus',
          'mem_bytes', record -> '$.mem_bytes',
          'gpus', record -> '$.gpus',
          'gpu_model', record -> '$.gpu_model',
          'time_limit_seconds', record -> '$.time_limit_seconds',
          'labels', record -> '$.labels',
          'requeue', record -> '$.requeue'),
        'allocation', CASE WHEN record ->> '$.node' IS NULL THEN json('null') ELSE json_array(
          json_object(
            'node', record -> '$.node',
            'cpus', record -> '$.allocated_cpus',
            'gpus', record -> '$.allocated_gpus',
            'mem_bytes', record -> '$.mem_bytes',
            'binding', record -> '$.binding')) END,
        'exit_code', record -> '$.exit_code',
        'signal', record -> '$.signal',
        'message', record -> '$.message',
        'submit_time',
          CAST(strftime('%s', substr(record ->> '$.submit_time', 1, 19)) AS INTEGER) * 1000 +
          CAST(substr(record ->> '$.submit_time', 21, 3) AS INTEGER),
        'start_time',
          CAST(strftime('%s', substr(record ->> '$.start_time', 1, 19)) AS INTEGER) * 1000 +
          CAST(substr(record ->> '$.start_time', 21, 3) AS INTEGER),
        'end_time',
          CAST(strftime('%s', substr(record ->> '$.end_time', 1, 19)) AS INTEGER) * 1000 +
          CAST(substr(record ->> '$.end_time', 21, 3) AS INTEGER),
        'cancel_requested', record -> '$.cancel_requested',
        'preempt_requested', record -> '$.preempt_requested',
        'cpu_time_ms', record -> '$.cpu_time_ms',
        'peak_memory_bytes', record -> '$.peak_memory_bytes',
        'cpu_energy_uj', record -> '$.cpu_energy_uj',
        'gpu_energy_uj', record -> '$.gpu_energy_uj',
        'idempotency_key', record -> '$.idempotency_key');
    )sql"},
    {5, R"sql(
      -- Each tenant's fair-share usage: dominant-share seconds decayed to as_of
      -- (policies/usage_tracker.h).
      CREATE TABLE tenant_usage (
        tenant TEXT PRIMARY KEY NOT NULL,
        usage REAL NOT NULL CHECK (usage >= 0),
        as_of INTEGER NOT NULL
      ) STRICT, WITHOUT ROWID;
    )sql"},
    {6, R"sql(
      -- Columns for the scheduler's retention of finished jobs: which jobs load whole at
      -- start-up, and listings of finished jobs read from here. end_time: 0 while the job has
      -- not ended, else its end (at least 1); array_job: the array a task belongs to, else 0.
      ALTER TABLE jobs ADD COLUMN end_time INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE jobs ADD COLUMN array_job INTEGER NOT NULL DEFAULT 0;
      UPDATE jobs SET
        end_time = CASE WHEN state IN ('PENDING', 'RUNNING') THEN 0
                        ELSE max(1, coalesce(record ->> '$.end_time', 0)) END,
        array_job = coalesce(record ->> '$.array_job', 0);
      CREATE INDEX jobs_by_tenant ON jobs (tenant, id);
      CREATE INDEX jobs_by_end_time ON jobs (end_time);
      CREATE INDEX jobs_by_array ON jobs (array_job) WHERE array_job > 0;
    )sql"},
    {7, R"sql(
      -- The audit log (scheduler/audit_log.h): appended, never changed, hash-chained.
      CREATE TABLE audit_log (
        seq INTEGER PRIMARY KEY CHECK (seq > 0),
        time INTEGER NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        request TEXT NOT NULL,
        peer TEXT NOT NULL,
        status INTEGER NOT NULL,
        detail TEXT NOT NULL,
        hash TEXT NOT NULL
      ) STRICT;
      CREATE INDEX audit_log_by_time ON audit_log (time);
    )sql"},
    {8, R"sql(
      -- One-time join tokens for nodes (scheduler/join_tokens.h): at most one per node, until
      -- its agent joins with it.
      CREATE TABLE join_tokens (
        node TEXT PRIMARY KEY NOT NULL,
        sha256 TEXT NOT NULL UNIQUE,
        created INTEGER NOT NULL,
        expires INTEGER NOT NULL,
        issued_by TEXT NOT NULL
      ) STRICT, WITHOUT ROWID;
    )sql"},
};
static_assert(std::size(kMigrations) == kSchemaVersion, "one migration step per version");
static_assert(kSharcApplicationId == 1936220530, "the id written by migration 1");

StatusOr<int64_t> QueryInt(SqliteDb& db, std::string_view sql, std::string_view context) {
  SHARC_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db.get(), sql, false));
  Status status;
  if (!stmt.Step(&status, context)) {
    if (status.ok()) status = InternalError(std::string(context) + ": no result");
    return status;
  }
  return stmt.ColumnInt(0);
}

StatusOr<std::string> QueryText(SqliteDb& db, std::string_view sql, std::string_view context) {
  SHARC_ASSIGN_OR_RETURN(Statement stmt, Statement::Prepare(db.get(), sql, false));
  Status status;
  if (!stmt.Step(&status, context)) {
    if (status.ok()) status = InternalError(std::string(context) + ": no result");
    return status;
  }
  return std::string(stmt.ColumnText(0));
}

// What the file claims to be, read without writing anything.
struct Identity {
  int64_t application_id = 0;
  int64_t user_version = 0;
  int64_t objects = 0;  // tables, indices, views and triggers
};

// Counts the schema objects: the first read of the file, where SQLite notices a file that is
// not a database. Returns SQLite's result code, so that case can be told apart.
int CountSchemaObjects(sqlite3* db, int64_t* objects) {
  sqlite3_stmt* stmt = nullptr;
  int rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &stmt, nullptr);
  if (rc == SQLITE_OK) {
    rc = sqlite3_step(stmt);
    if (rc == SQLITE_ROW) {
      *objects = sqlite3_column_int64(stmt, 0);
      rc = SQLITE_OK;
    }
  }
  sqlite3_finalize(stmt);
  return rc;
}

StatusOr<Identity> ReadIdentity(SqliteDb& db) {
  const std::string context = "reading '" + db.path() + "'";
  Identity identity;
  int rc = CountSchemaObjects(db.get(), &identity.objects);
  if ((rc & 0xff) == SQLITE_NOTADB) {
    return FailedPreconditionError(
        "'" + db.path() + "' is not a sharc database (SQLite: " + std::string(sqlite3_errstr(rc)) +
        "); point the store at a new file or a sharc database");
  }
  if (rc != SQLITE_OK) return SqliteStatus(rc, sqlite3_errstr(rc), context);
  SHARC_ASSIGN_OR_RETURN(identity.application_id, QueryInt(db, "PRAGMA application_id", context));
  SHARC_ASSIGN_OR_RETURN(identity.user_version, QueryInt(db, "PRAGMA user_version", context));
  return identity;
}

Status CheckIdentity(const std::string& path, const Identity& identity) {
  bool empty = identity.objects == 0 && identity.user_version == 0;
  if (identity.application_id == 0 && empty) return Status::Ok();  // a new file
  if (identity.application_id != kSharcApplicationId || identity.user_version == 0) {
    return FailedPreconditionError(
        "'" + path + "' is not a sharc database: it is an SQLite database of another " +
        "application (application_id " + std::to_string(identity.application_id) + ", " +
        std::to_string(identity.objects) +
        " schema objects); point the store at a new file or a sharc database");
  }
  if (identity.user_version > kSchemaVersion) {
    return FailedPreconditionError(
        "'" + path + "' was written by a newer sharc (schema version " +
        std::to_string(identity.user_version) + "; this sharc reads up to version " +
        std::to_string(kSchemaVersion) + "); upgrade sharc to use this file");
  }
  return Status::Ok();
}

Status Configure(SqliteDb& db, SyncMode sync) {
  const std::string context = "configuring '" + db.path() + "'";
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMillis);
  SHARC_ASSIGN_OR_RETURN(std::string mode, QueryText(db, "PRAGMA journal_mode = WAL", context));
  if (mode != "wal") {
    return FailedPreconditionError(context + ": SQLite refused WAL mode (journal_mode is '" + mode +
                                   "'); the store needs a file on a local file system");
  }
  SHARC_RETURN_IF_ERROR(
      db.Exec(sync == SyncMode::kFull ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL",
              context));
  return db.Exec("PRAGMA foreign_keys = ON", context);
}

Status Migrate(SqliteDb& db, int64_t from_version) {
  for (const Migration& step : kMigrations) {
    if (step.version <= from_version) continue;
    const std::string context =
        "migrating '" + db.path() + "' to schema version " + std::to_string(step.version);
    SHARC_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE", context));
    // PRAGMA values cannot be bound; the version is a constant of this file.
    Status status = db.Exec(
        std::string(step.sql) + ";\nPRAGMA user_version = " + std::to_string(step.version) + ";",
        context);
    if (status.ok()) status = db.Exec("COMMIT", context);
    if (!status.ok()) {
      if (sqlite3_get_autocommit(db.get()) == 0) (void)db.Exec("ROLLBACK", context);
      return status;
    }
  }
  return Status::Ok();
}

Status LimitSize(SqliteDb& db, int64_t max_database_bytes) {
  if (max_database_bytes <= 0) return Status::Ok();
  const std::string context = "limiting the size of '" + db.path() + "'";
  SHARC_ASSIGN_OR_RETURN(int64_t page_size, QueryInt(db, "PRAGMA page_size", context));
  int64_t pages = std::max<int64_t>(1, max_database_bytes / std::max<int64_t>(page_size, 1));
  // SQLite keeps the limit at least the current size.
  return db.Exec("PRAGMA max_page_count = " + std::to_string(pages), context);
}

}  // namespace

StatusOr<SqliteDb> OpenSharcDatabase(const std::string& path, SyncMode sync,
                                     int64_t max_database_bytes) {
  SHARC_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path));
  SHARC_ASSIGN_OR_RETURN(Identity identity, ReadIdentity(db));
  SHARC_RETURN_IF_ERROR(CheckIdentity(path, identity));
  SHARC_RETURN_IF_ERROR(Configure(db, sync));
  SHARC_RETURN_IF_ERROR(Migrate(db, identity.user_version));
  SHARC_RETURN_IF_ERROR(LimitSize(db, max_database_bytes));
  return db;
}

StatusOr<SqliteDb> OpenSharcDatabaseForReading(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(SqliteDb db, SqliteDb::Open(path, /*read_only=*/true));
  sqlite3_busy_timeout(db.get(), kBusyTimeoutMillis);
  return db;
}

}  // namespace sharc::store
