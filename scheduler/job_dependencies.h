// Job dependencies (JobSpec's after_ok, after_any and after_not_ok): which pending jobs wait
// for others to end, and what one job's end means for the jobs waiting on it. State thread only.
//
// A dependency names a job that existed, of the same tenant, when the dependent was submitted,
// so the graph has no cycles by construction and a job's dependencies all have lower ids.
// A waiting job is PENDING with reason DEPENDENCY and is no candidate of the scheduling cycle.
#ifndef SHARC_SCHEDULER_JOB_DEPENDENCIES_H_
#define SHARC_SCHEDULER_JOB_DEPENDENCIES_H_

#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "core/job.h"
#include "core/status.h"
#include "scheduler/cluster_state.h"

namespace sharc::scheduler {

class JobDependencies {
 public:
  enum class Outcome {
    kSatisfied,  // every listed job ended as its list asks
    kWaiting,    // some listed job has not ended yet, and none rules the job out
    kNever,      // a listed job ended in a way its list cannot accept
  };
  struct Verdict {
    Outcome outcome = Outcome::kSatisfied;
    std::string message;  // for kWaiting and kNever: which job, and what it waits for
  };

  // A submitted spec's dependencies against the jobs the scheduler holds: each listed job
  // exists and belongs to `tenant`, and has not already ended in a way that can never satisfy
  // its list. InvalidArgument naming the field otherwise ("after_ok: job 12 not found").
  static Status CheckSubmitted(const JobSpec& spec, const std::string& tenant,
                               const ClusterState& state);
  // Where `spec`'s dependencies stand, given the jobs' current states.
  static Verdict Evaluate(const JobSpec& spec, const ClusterState& state);

  // Marks `job` as waiting for the listed jobs that have not ended yet (once; later calls for
  // the same job change nothing).
  void Wait(const Job& job, const ClusterState& state);
  // Whether `job` waits (kWaiting, or kNever kept by keep_on_unsatisfied).
  bool Waiting(JobId job) const { return waiting_.count(job) > 0; }
  // `job` no longer waits (it was released, cancelled or ended).
  void Release(JobId job) { waiting_.erase(job); }
  // The waiting jobs registered on `ended`, which just ended; the caller evaluates each again.
  std::vector<JobId> TakeDependentsOf(JobId ended);

 private:
  std::unordered_set<JobId> waiting_;
  std::unordered_map<JobId, std::vector<JobId>> dependents_;  // by the job they wait for
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_JOB_DEPENDENCIES_H_
