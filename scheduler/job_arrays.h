// The scheduler's index of job arrays (JobSpec::array), kept on the state thread beside the
// jobs. It holds no state of its own that is not derived from the jobs, so a restart rebuilds
// it from the store (Track each loaded job):
//
//   - An array job is a Job record holding no resources. Its tasks that have not started are
//     only indices (Job::array_unstarted, a few ranges), never one entry each.
//   - Before a cycle, each array open to the cycle gets at most
//     min(K - active, kMaxQueuedTasksPerArray, unstarted) tasks "queued": real PENDING jobs in
//     the cluster state, with fresh ids, that were never stored (a restart queues them anew).
//   - A queued task that starts is stored (RUNNING), in the same commit as its array's
//     shrunken unstarted set and the id counter: a crash loses nothing and runs nothing twice.
//   - A started task is an ordinary job (requeue, cancel, end); it stays "active" until it ends.
// State thread only.
#ifndef SHARC_SCHEDULER_JOB_ARRAYS_H_
#define SHARC_SCHEDULER_JOB_ARRAYS_H_

#include <cstdint>
#include <map>
#include <set>

#include "core/job.h"

namespace sharc::scheduler {

// How many tasks of one array wait as queued jobs at once, at most.
inline constexpr int64_t kMaxQueuedTasksPerArray = 128;

class JobArrays {
 public:
  struct Entry {
    std::map<int64_t, JobId> started;  // task index -> its stored job (started or ended)
    std::map<int64_t, JobId> queued;   // task index -> its queued, never stored, job
    int64_t active = 0;                // started tasks that have not ended
  };

  // Registers a job as it enters the state (submitted, restored or a task stored): an array
  // gets an entry, a stored task is filed under its array. Other jobs are ignored.
  void Track(const Job& job);
  Entry* Find(JobId array);
  const Entry* Find(JobId array) const;
  // The arrays that have not ended (those a cycle may queue tasks of).
  const std::set<JobId>& live() const { return live_; }
  // The array ended: no cycle queues its tasks any more.
  void Ended(JobId array) { live_.erase(array); }
  // Drops what is kept of `array` (it left memory); nothing if it is not an array.
  void Forget(JobId array) {
    entries_.erase(array);
    live_.erase(array);
  }

 private:
  std::map<JobId, Entry> entries_;
  std::set<JobId> live_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_JOB_ARRAYS_H_
