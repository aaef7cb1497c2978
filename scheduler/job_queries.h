// Reads of jobs for the API: listings with filters and pagination, and single jobs. What the
// state holds is answered on the state thread; finished jobs that retention moved out of memory
// (ClusterState::evicted) are read from the store off it, and merged in id order.
//
// Listing cost: a listing of jobs that have not ended walks only those (ClusterState::active);
// one that may include finished jobs walks the ones held and, if any were evicted, reads a page
// from the store. Either way at most `limit` jobs are returned, and `next_after` says where the
// next page starts.
#ifndef SHARC_SCHEDULER_JOB_QUERIES_H_
#define SHARC_SCHEDULER_JOB_QUERIES_H_

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/job.h"
#include "scheduler/auth.h"
#include "scheduler/scheduler_context.h"

namespace sharc::scheduler {

inline constexpr int64_t kDefaultListLimit = 1000;
inline constexpr int64_t kMaxListLimit = 10000;

// NotFound "job N not found": what a caller gets for a job that does not exist or is not
// theirs alike.
Status JobNotFound(JobId id);

struct JobFilter {
  bool all = false;           // include finished jobs
  std::set<JobState> states;  // empty = any (subject to `all`); a state includes finished ones
  std::string tenant;         // "" = every tenant the caller may see
  std::string name;           // "" = any
  std::map<std::string, std::string> labels;  // node labels the job asks for, each with value
  JobId after{0};                             // ids above this only
  int64_t limit = kDefaultListLimit;          // 1..kMaxListLimit
};

struct JobPage {
  std::vector<const Job*> jobs;     // in id order; valid until the state next changes
  std::optional<JobId> next_after;  // set when more may follow: the next page's `after`
  std::vector<Job> read;            // the jobs read from the store, which `jobs` may point to
};

class JobQueries {
 public:
  explicit JobQueries(const SchedulerContext& context) : context_(context) {}

  // Calls `done` on the state thread: at once when the state holds every job that can match,
  // else once the store has been read.
  void List(const Principal& who, const JobFilter& filter,
            std::function<void(StatusOr<JobPage>)> done) const;
  // The tenant of a job held in memory or evicted to the store; nullopt if there is no such job.
  std::optional<std::string> OwnerOf(JobId id) const;
  // A job held in memory, or read from the store if it was evicted; NotFound (the same for a
  // job of another tenant) otherwise.
  void Get(const Principal& who, JobId id, Reply<Job> done) const;

 private:
  // The page from what memory holds alone.
  JobPage ListHeld(const Principal& who, const JobFilter& filter) const;
  bool Matches(const Principal& who, const JobFilter& filter, const Job& job) const;

  const SchedulerContext& context_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_JOB_QUERIES_H_
