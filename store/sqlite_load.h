// Reads everything the store holds, in one read transaction (a consistent snapshot).
//
// Threading: uses the connection; the caller makes sure no other thread uses it meanwhile.
#ifndef SHARC_STORE_SQLITE_LOAD_H_
#define SHARC_STORE_SQLITE_LOAD_H_

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/store.h"

namespace sharc::store {

// Jobs sorted by id, nodes by name, tenants by name, tokens by id, grants by id; next_job_id
// and next_grant_id at least 1 and above every stored id; the open credit reservations,
// computed from the ledger; the accounting totals and facility readings
// (store/sqlite_accounting.h). A row whose record does not decode (or disagrees with its key
// columns) is an Internal error naming the job id, node or tenant name, token id or grant id.
StatusOr<StoredState> LoadState(SqliteDb& db, const LoadOptions& options);

// Only the grants, sorted by id, with the same checks; inside the caller's transaction.
StatusOr<std::vector<Grant>> LoadStoredGrants(SqliteDb& db);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_LOAD_H_
