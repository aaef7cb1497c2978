// Reads of the jobs table: the jobs the scheduler loads at start-up (whole, or as EndedJob
// entries for those that ended before LoadOptions::records_ended_since), and the records that
// ReadJob and ReadJobs return for jobs the scheduler no longer holds in memory.
//
// Threading: uses the connection; the caller makes sure no other thread uses it meanwhile.
#ifndef SHARC_STORE_SQLITE_JOBS_H_
#define SHARC_STORE_SQLITE_JOBS_H_

#include <optional>
#include <vector>

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/store.h"

namespace sharc::store {

// Fills state->jobs and state->ended_jobs. Inside the caller's transaction. A row whose record
// does not decode, or names another job or tenant, fails the load with Internal naming it.
Status LoadJobs(SqliteDb& db, const LoadOptions& options, StoredState* state);

StatusOr<std::optional<Job>> ReadJobRecord(SqliteDb& db, JobId id);
StatusOr<std::vector<Job>> ReadJobRecords(SqliteDb& db, const JobQuery& query);

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_JOBS_H_
