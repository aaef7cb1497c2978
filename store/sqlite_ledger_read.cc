#include "store/sqlite_ledger_read.h"

#include <sqlite3.h>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "store/ledger_replay.h"
#include "store/sqlite_load.h"

namespace sharc::store {
namespace {

constexpr std::string_view kColumns =
    "SELECT seq, tenant, grant_id, job_id, attempt, kind, amount, time FROM ledger ";

// The current row as an entry, or why it is not one.
StatusOr<LedgerEntry> ReadRow(const Statement& row) {
  LedgerEntry entry;
  entry.seq = row.ColumnInt(0);
  entry.tenant = std::string(row.ColumnText(1));
  entry.grant_id = row.ColumnInt(2);
  entry.attempt.job.value = row.ColumnInt(3);
  int64_t attempt = row.ColumnInt(4);
  if (attempt < 0 || attempt > INT32_MAX) {
    return InvalidArgumentError("its attempt " + std::to_string(attempt) + " is out of range");
  }
  entry.attempt.attempt = static_cast<int32_t>(attempt);
  std::optional<LedgerKind> kind = ParseLedgerKind(row.ColumnText(5));
  if (!kind)
    return InvalidArgumentError("its kind '" + std::string(row.ColumnText(5)) + "' is unknown");
  entry.kind = *kind;
  entry.amount = row.ColumnInt(6);
  entry.time = row.ColumnInt(7);
  return entry;
}

Status Replay(SqliteDb& db, LedgerReplay* out) {
  std::map<int64_t, std::string> grant_tenants;
  {
    SHARC_ASSIGN_OR_RETURN(Statement rows,
                           Statement::Prepare(db.get(), "SELECT id, tenant FROM grants", false));
    Status status;
    while (rows.Step(&status, "reading grants")) {
      grant_tenants[rows.ColumnInt(0)] = std::string(rows.ColumnText(1));
    }
    SHARC_RETURN_IF_ERROR(status);
  }
  LedgerReplayer replayer(grant_tenants);
  SHARC_ASSIGN_OR_RETURN(
      Statement rows, Statement::Prepare(db.get(), std::string(kColumns) + "ORDER BY seq", false));
  Status status;
  while (rows.Step(&status, "reading the ledger")) {
    StatusOr<LedgerEntry> entry = ReadRow(rows);
    if (entry.ok()) {
      replayer.Apply(*entry);
    } else {
      replayer.CannotApply(rows.ColumnInt(0), entry.status().message());
    }
  }
  SHARC_RETURN_IF_ERROR(status);
  *out = std::move(replayer).Finish();
  // The grants as stored, from the same read transaction, for the caller to compare.
  SHARC_ASSIGN_OR_RETURN(std::vector<Grant> stored, LoadStoredGrants(db));
  for (Grant& grant : stored) out->stored_grants[grant.id] = std::move(grant);
  return Status::Ok();
}

}  // namespace

StatusOr<std::vector<LedgerEntry>> ReadLedgerEntries(SqliteDb& db, const LedgerQuery& query) {
  // With a tenant, the (tenant, time) index finds the rows; without one, seq order is the
  // table's own.
  std::string sql(kColumns);
  sql += query.tenant.empty() ? "WHERE time >= ?2 AND time < ?3 ORDER BY seq"
                              : "WHERE tenant = ?1 AND time >= ?2 AND time < ?3 ORDER BY seq";
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), sql, false));
  if (!query.tenant.empty()) rows.BindText(1, query.tenant);
  rows.BindInt(2, query.from).BindInt(3, query.to);
  std::vector<LedgerEntry> entries;
  Status status;
  while (rows.Step(&status, "reading the ledger")) {
    StatusOr<LedgerEntry> entry = ReadRow(rows);
    if (!entry.ok()) {
      return InternalError("the store's ledger entry " + std::to_string(rows.ColumnInt(0)) +
                           " cannot be read: " + entry.status().message() +
                           "; repair that row or restore a backup");
    }
    entries.push_back(std::move(entry).value());
  }
  SHARC_RETURN_IF_ERROR(status);
  return entries;
}

StatusOr<LedgerReplay> ReplayLedgerEntries(SqliteDb& db) {
  SHARC_RETURN_IF_ERROR(db.Exec("BEGIN", "replaying the ledger"));
  LedgerReplay replay;
  Status status = Replay(db, &replay);
  if (sqlite3_get_autocommit(db.get()) == 0) (void)db.Exec("COMMIT", "replaying the ledger");
  SHARC_RETURN_IF_ERROR(status);
  return replay;
}

}  // namespace sharc::store
