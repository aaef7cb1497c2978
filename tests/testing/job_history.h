// A long history for tests and benchmarks: finished jobs written straight into a scheduler's
// store file, as a scheduler would have written them, before the scheduler starts.
#ifndef SHARC_TESTS_TESTING_JOB_HISTORY_H_
#define SHARC_TESTS_TESTING_JOB_HISTORY_H_

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/status.h"

namespace sharc::testing {

// Writes jobs 1..count to the SQLite store at `path` (created if absent, its directory too),
// all COMPLETED at `ended`, named "old-<id>", of tenant "acme" (odd ids) or "globex" (even),
// in transactions of 10,000.
Status SeedFinishedJobs(const std::string& path, int64_t count, UnixMillis ended);

}  // namespace sharc::testing

#endif  // SHARC_TESTS_TESTING_JOB_HISTORY_H_
