// Reads of the accounting tables (core/accounting.h): the per-tenant totals and the facility
// readings the scheduler loads at start-up, and the records an efficiency report covers.
//
// Threading: uses the connection; the caller makes sure no other thread uses it meanwhile.
#ifndef SHARC_STORE_SQLITE_ACCOUNTING_H_
#define SHARC_STORE_SQLITE_ACCOUNTING_H_

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/store.h"

namespace sharc::store {

// Fills state->tenant_totals (summed over every attempt row) and state->facility_readings
// (by time). Inside the caller's transaction.
Status LoadAccounting(SqliteDb& db, StoredState* state);

// The attempts and node energy buckets that overlap [query.from, query.to), in one read
// transaction.
StatusOr<AccountingRecords> ReadAccountingRecords(SqliteDb& db, const AccountingQuery& query);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_ACCOUNTING_H_
