#include "scheduler/job_dependencies.h"

#include <string_view>

namespace sharc::scheduler {
namespace {

enum class Kind { kAfterOk, kAfterAny, kAfterNotOk };

struct List {
  Kind kind;
  std::string_view field;
  const std::vector<JobId>* ids;
};

std::vector<List> ListsOf(const JobSpec& spec) {
  return {{Kind::kAfterOk, spec_field::kAfterOk, &spec.after_ok},
          {Kind::kAfterAny, spec_field::kAfterAny, &spec.after_any},
          {Kind::kAfterNotOk, spec_field::kAfterNotOk, &spec.after_not_ok}};
}

// What `kind` needs of a job that ended in `state`; nullopt while it has not ended.
std::optional<bool> Accepts(Kind kind, JobState state) {
  if (!IsTerminal(state)) return std::nullopt;
  switch (kind) {
    case Kind::kAfterOk:
      return state == JobState::kCompleted;
    case Kind::kAfterAny:
      return true;
    case Kind::kAfterNotOk:
      return state != JobState::kCompleted;
  }
  return false;
}

std::string_view Needs(Kind kind) {
  switch (kind) {
    case Kind::kAfterOk:
      return "to complete successfully";
    case Kind::kAfterAny:
      return "to end";
    case Kind::kAfterNotOk:
      return "to end without success";
  }
  return "";
}

std::string JobText(JobId id) { return "job " + std::to_string(id.value); }

}  // namespace

Status JobDependencies::CheckSubmitted(const JobSpec& spec, const std::string& tenant,
                                       const ClusterState& state) {
  for (const List& list : ListsOf(spec)) {
    for (JobId id : *list.ids) {
      std::optional<ClusterState::JobStatus> job = state.StatusOf(id);
      if (!job || job->tenant != tenant) {
        return InvalidArgumentError(std::string(list.field) + ": " + JobText(id) +
                                    " not found (a job may depend only on its tenant's jobs "
                                    "submitted before it)");
      }
      if (Accepts(list.kind, job->state) == false) {
        return InvalidArgumentError(std::string(list.field) + ": " + JobText(id) +
                                    " already ended " + std::string(JobStateName(job->state)) +
                                    ", so this dependency can never be satisfied");
      }
    }
  }
  return Status::Ok();
}

JobDependencies::Verdict JobDependencies::Evaluate(const JobSpec& spec, const ClusterState& state) {
  Verdict verdict;
  int waiting = 0;
  for (const List& list : ListsOf(spec)) {
    for (JobId id : *list.ids) {
      std::optional<ClusterState::JobStatus> job = state.StatusOf(id);  // evicted ones too
      std::optional<bool> accepted =
          job ? Accepts(list.kind, job->state) : std::optional<bool>(false);
      if (accepted == false) {
        std::string ended = job ? "ended " + std::string(JobStateName(job->state)) : "is gone";
        return {Outcome::kNever, JobText(id) + " " + ended + "; " + std::string(list.field) +
                                     " needed it " + std::string(Needs(list.kind))};
      }
      if (accepted) continue;
      if (waiting++ == 0) {
        verdict.message = "waiting for " + JobText(id) + " " + std::string(Needs(list.kind)) +
                          " (" + std::string(list.field) + ")";
      }
    }
  }
  if (waiting > 1) verdict.message += " and " + std::to_string(waiting - 1) + " more";
  verdict.outcome = waiting > 0 ? Outcome::kWaiting : Outcome::kSatisfied;
  return verdict;
}

void JobDependencies::Wait(const Job& job, const ClusterState& state) {
  if (!waiting_.insert(job.id).second) return;
  for (const List& list : ListsOf(job.spec)) {
    for (JobId id : *list.ids) {
      const Job* on = state.FindJob(id);
      if (on && !IsTerminal(on->state)) dependents_[id].push_back(job.id);
    }
  }
}

std::vector<JobId> JobDependencies::TakeDependentsOf(JobId ended) {
  auto it = dependents_.find(ended);
  if (it == dependents_.end()) return {};
  std::vector<JobId> out = std::move(it->second);
  dependents_.erase(it);
  return out;
}

}  // namespace sharc::scheduler
