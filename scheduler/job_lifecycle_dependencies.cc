// JobLifecycle's job dependencies: settling a waiting job, and the jobs that wait on one that
// ended (scheduler/job_dependencies.h keeps who waits for whom).
#include <utility>

#include "scheduler/job_lifecycle.h"

namespace sharc::scheduler {

bool JobLifecycle::SettleDependencies(Job& job, std::vector<store::Mutation>* batch) {
  JobDependencies::Verdict verdict = JobDependencies::Evaluate(job.spec, context_.state);
  switch (verdict.outcome) {
    case JobDependencies::Outcome::kSatisfied:
      dependencies_.Release(job.id);
      job.reason = std::string(reason::kResources);
      job.message.clear();
      context_.cycles.Arrived(job.id);
      return false;
    case JobDependencies::Outcome::kWaiting:
      dependencies_.Wait(job, context_.state);
      job.reason = std::string(reason::kDependency);
      job.message = std::move(verdict.message);
      return false;
    case JobDependencies::Outcome::kNever:
      break;
  }
  job.reason = std::string(reason::kDependencyNeverSatisfied);
  job.message = std::move(verdict.message);
  if (job.spec.keep_on_unsatisfied) {
    dependencies_.Wait(job, context_.state);
    job.message += "; kept pending (keep_on_unsatisfied) until it is cancelled";
    return false;
  }
  dependencies_.Release(job.id);
  job.end_time = context_.Now();
  context_.state.SetState(job, JobState::kCancelled);
  batch->push_back(store::PutJob{job});
  return true;
}

void JobLifecycle::SettleDependentsOf(const Job& ended, std::vector<store::Mutation>* batch) {
  // A worklist, not recursion: a chain of cancellations may be long.
  std::vector<JobId> todo = dependencies_.TakeDependentsOf(ended.id);
  while (!todo.empty()) {
    JobId id = todo.back();
    todo.pop_back();
    Job* dependent = context_.state.FindJob(id);
    if (!dependent || dependent->state != JobState::kPending) continue;
    if (SettleDependencies(*dependent, batch)) {
      for (JobId next : dependencies_.TakeDependentsOf(id)) todo.push_back(next);
    }
  }
}

}  // namespace sharc::scheduler
