// Reads everything the store holds, in one read transaction (a consistent snapshot).
//
// Threading: uses the connection; the caller makes sure no other thread uses it meanwhile.
#ifndef SHARC_STORE_SQLITE_LOAD_H_
#define SHARC_STORE_SQLITE_LOAD_H_

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/store.h"

namespace sharc::store {

// Jobs sorted by id, nodes by name, and next_job_id at least 1 and above every stored id.
// A row whose record does not decode (or disagrees with its key) is an Internal error naming
// the job id or node name.
StatusOr<StoredState> LoadState(SqliteDb& db);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_LOAD_H_
