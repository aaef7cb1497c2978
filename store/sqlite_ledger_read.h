// Reads of the credit ledger that run beside the writer: on the caller's thread, over a
// read-only connection (store/sqlite_schema.h, OpenSharcDatabaseForReading). WAL lets them read
// what is committed while the writer writes.
//
// Threading: uses the connection; the caller makes sure no other thread uses it meanwhile.
#ifndef SHARC_STORE_SQLITE_LEDGER_READ_H_
#define SHARC_STORE_SQLITE_LEDGER_READ_H_

#include <vector>

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/store.h"

namespace sharc::store {

// The entries with query.from <= time < query.to, of query.tenant (or of every tenant when
// it is ""), in seq order. Internal, naming the entry, if a row cannot be read back (an
// unknown kind, an attempt out of range).
StatusOr<std::vector<LedgerEntry>> ReadLedgerEntries(SqliteDb& db, const LedgerQuery& query);

// Replays the whole ledger onto the grant rows (store/ledger_replay.h), in one read
// transaction so that grants and entries are one snapshot.
StatusOr<LedgerReplay> ReplayLedgerEntries(SqliteDb& db);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_LEDGER_READ_H_
