// Reads of the audit log table (store.h AuditRecord): pages for `sharc admin audit` and its
// verification, and the last entry, which the scheduler's hash chain continues from.
//
// Threading: uses the connection; the caller makes sure no other thread uses it meanwhile.
#ifndef SHARC_STORE_SQLITE_AUDIT_H_
#define SHARC_STORE_SQLITE_AUDIT_H_

#include <optional>
#include <vector>

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/store.h"

namespace sharc::store {

StatusOr<std::vector<AuditRecord>> ReadAuditRecords(SqliteDb& db, const AuditQuery& query);

// The entry with the highest seq, or nullopt when the log is empty.
StatusOr<std::optional<AuditRecord>> ReadLastAuditRecord(SqliteDb& db);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_AUDIT_H_
