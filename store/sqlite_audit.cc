#include "store/sqlite_audit.h"

#include <string>
#include <string_view>

namespace sharc::store {
namespace {

constexpr std::string_view kColumns =
    "seq, time, actor, action, request, peer, status, detail, hash";

AuditRecord ReadRow(Statement& rows) {
  AuditRecord r;
  r.seq = rows.ColumnInt(0);
  r.time = rows.ColumnInt(1);
  r.actor = std::string(rows.ColumnText(2));
  r.action = std::string(rows.ColumnText(3));
  r.request = std::string(rows.ColumnText(4));
  r.peer = std::string(rows.ColumnText(5));
  r.status = static_cast<int>(rows.ColumnInt(6));
  r.detail = std::string(rows.ColumnText(7));
  r.hash = std::string(rows.ColumnText(8));
  return r;
}

}  // namespace

StatusOr<std::vector<AuditRecord>> ReadAuditRecords(SqliteDb& db, const AuditQuery& query) {
  const std::string sql = "SELECT " + std::string(kColumns) +
                          " FROM audit_log WHERE seq > ?1 AND time >= ?2 AND (?3 = '' OR actor = "
                          "?3) ORDER BY seq LIMIT ?4";
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), sql, false));
  rows.BindInt(1, query.after_seq)
      .BindInt(2, query.since)
      .BindText(3, query.actor)
      .BindInt(4, query.limit);
  std::vector<AuditRecord> out;
  Status status;
  while (rows.Step(&status, "reading the audit log")) out.push_back(ReadRow(rows));
  SHARC_RETURN_IF_ERROR(status);
  return out;
}

StatusOr<std::optional<AuditRecord>> ReadLastAuditRecord(SqliteDb& db) {
  const std::string sql =
      "SELECT " + std::string(kColumns) + " FROM audit_log ORDER BY seq DESC LIMIT 1";
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), sql, false));
  std::optional<AuditRecord> last;
  Status status;
  if (rows.Step(&status, "reading the audit log")) last = ReadRow(rows);
  SHARC_RETURN_IF_ERROR(status);
  return last;
}

}  // namespace sharc::store
