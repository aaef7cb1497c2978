// JobLifecycle's part for job arrays (scheduler/job_arrays.h explains the design).
#include <algorithm>

#include "core/log.h"
#include "scheduler/job_lifecycle.h"

namespace sharc::scheduler {
namespace {

std::string TaskText(JobId array, int64_t index) {
  return "job " + std::to_string(array.value) + "_" + std::to_string(index);
}

// Why an array's unstarted tasks wait: its "%K" limit, or what the last cycle said of its first
// queued task.
void SetWaitingReason(Job& array, const JobArrays::Entry& entry, int64_t limit,
                      const ClusterState& state) {
  if (limit > 0 && entry.active >= limit) {
    array.reason = std::string(reason::kArrayTaskLimit);
    array.message = std::to_string(entry.active) + " of its tasks run, the most it may at once";
    return;
  }
  const Job* first = entry.queued.empty() ? nullptr : state.FindJob(entry.queued.begin()->second);
  if (first) {
    array.reason = first->reason;
    array.message = first->message;
  } else if (array.reason == reason::kArrayTaskLimit) {
    array.reason.clear();
    array.message.clear();
  }
}

}  // namespace

Job JobLifecycle::NewTask(const Job& array, int64_t index) {
  Job task;
  task.id = JobId{next_job_id_++};
  task.tenant = array.tenant;
  task.spec = array.spec;
  task.spec.array.clear();
  // The array as a whole waited for its dependencies: its tasks have none.
  task.spec.after_ok.clear();
  task.spec.after_any.clear();
  task.spec.after_not_ok.clear();
  task.spec.keep_on_unsatisfied = false;
  task.submit_time = array.submit_time;  // queued in the array's place
  task.reason = std::string(reason::kResources);
  task.array_job = array.id;
  task.array_task = index;
  return task;
}

void JobLifecycle::QueueArrayTasks(std::vector<JobId>* queued) {
  ClusterState& state = context_.state;
  std::vector<JobId> ended;
  for (JobId id : arrays_.live()) {
    Job* array = state.FindJob(id);
    if (!array || IsTerminal(array->state)) {
      ended.push_back(id);
      continue;
    }
    if (array->cancel_requested || dependencies_.Waiting(id)) continue;
    JobArrays::Entry& entry = *arrays_.Find(id);
    int64_t room = kMaxQueuedTasksPerArray - static_cast<int64_t>(entry.queued.size());
    StatusOr<ArraySpec> spec = ParseArraySpec(array->spec.array);  // validated at submit
    const int64_t limit = spec.ok() ? spec->max_running : 0;
    if (limit > 0) {
      room = std::min(room, limit - entry.active - static_cast<int64_t>(entry.queued.size()));
    }
    SetWaitingReason(*array, entry, limit, state);
    if (room <= 0) continue;
    ForEachTask(array->array_unstarted, [&](int64_t index) {
      if (entry.queued.count(index)) return true;
      Job& task = state.AddJob(NewTask(*array, index));
      entry.queued[index] = task.id;
      queued->push_back(task.id);
      return --room > 0;
    });
  }
  for (JobId id : ended) arrays_.Ended(id);
}

void JobLifecycle::ArrayTaskStarted(const Job& task, std::vector<store::Mutation>* batch) {
  Job* array = context_.state.FindJob(task.array_job);
  JobArrays::Entry* entry = arrays_.Find(task.array_job);
  // A requeued task starting again changes nothing of its array.
  if (!array || !entry || entry->queued.erase(task.array_task) == 0) return;
  array_task_started_ = true;
  RemoveTask(array->array_unstarted, task.array_task);
  entry->started[task.array_task] = task.id;
  ++entry->active;
  if (array->state == JobState::kPending) {
    context_.state.SetState(*array, JobState::kRunning);
    array->start_time = task.start_time;
    if (array->reason == reason::kResources) array->reason.clear();
    array->message.clear();
  }
  if (array->array_unstarted.empty()) {  // nothing waits any more: its tasks say the rest
    array->reason.clear();
    array->message.clear();
  }
  batch->push_back(store::PutJob{*array});
  batch->push_back(store::ReserveJobIds{next_job_id_});
}

void JobLifecycle::ArrayTaskEnded(const Job& task, std::vector<store::Mutation>* batch) {
  Job* array = context_.state.FindJob(task.array_job);
  JobArrays::Entry* entry = arrays_.Find(task.array_job);
  if (!array || !entry) return;
  if (entry->active > 0) --entry->active;
  FinishArrayIfDone(*array, batch);
}

void JobLifecycle::FinishArrayIfDone(Job& array, std::vector<store::Mutation>* batch) {
  const JobArrays::Entry* entry = arrays_.Find(array.id);
  if (IsTerminal(array.state) || !entry || entry->active > 0) return;
  if (!array.cancel_requested && !array.array_unstarted.empty()) return;
  int64_t not_ok = 0;
  for (const auto& [index, id] : entry->started) {
    const Job* task = context_.state.FindJob(id);
    if (!task || task->state != JobState::kCompleted) ++not_ok;
  }
  JobState end = array.cancel_requested ? JobState::kCancelled
                 : not_ok > 0           ? JobState::kFailed
                                        : JobState::kCompleted;
  // PENDING ends only CANCELLED: an array whose every task was cancelled before it started
  // passes through RUNNING to FAILED.
  if (array.state == JobState::kPending && end != JobState::kCancelled) {
    context_.state.SetState(array, JobState::kRunning);
  }
  context_.state.SetState(array, end);
  array.end_time = context_.Now();
  array.reason.clear();
  array.message.clear();
  if (end == JobState::kCancelled) array.reason = std::string(reason::kCancelledByUser);
  if (end == JobState::kFailed) {
    array.reason = std::string(reason::kArrayTasksFailed);
    array.message = std::to_string(not_ok) + " of its " + std::to_string(entry->started.size()) +
                    " tasks did not complete";
  }
  dependencies_.Release(array.id);
  arrays_.Ended(array.id);
  batch->push_back(store::PutJob{array});
  SettleDependentsOf(array, batch);
}

void JobLifecycle::CancelArray(Job& array, JobDone done) {
  if (array.cancel_requested) return done(array);  // already on its way out
  ClusterState& state = context_.state;
  array.cancel_requested = true;
  dependencies_.Release(array.id);
  JobArrays::Entry& entry = *arrays_.Find(array.id);
  for (const auto& [index, id] : entry.queued) state.RemovePendingJob(id);
  entry.queued.clear();
  std::vector<store::Mutation> batch;
  std::vector<AttemptId> kills;
  for (const auto& [index, id] : entry.started) {
    Job& task = *state.FindJob(id);
    if (task.state == JobState::kPending) {  // requeued: it ends now
      task.end_time = context_.Now();
      state.SetState(task, JobState::kCancelled);
      task.reason = std::string(reason::kCancelledByUser);
      task.message.clear();
      --entry.active;
      batch.push_back(store::PutJob{task});
    } else if (task.state == JobState::kRunning && !task.cancel_requested) {
      task.cancel_requested = true;
      task.reason = std::string(reason::kCancelRequested);
      state.MarkStopping(task);
      batch.push_back(store::PutJob{task});
      kills.push_back(task.current_attempt());
    }
  }
  array.reason = std::string(reason::kCancelRequested);
  array.message.clear();
  batch.push_back(store::PutJob{array});
  FinishArrayIfDone(array, &batch);  // at once if no task runs
  JobId id = array.id;
  context_.commits.CommitOrDie(std::move(batch), [this, id, kills, done = std::move(done)] {
    for (const AttemptId& attempt : kills) {
      const Job* task = context_.state.FindJob(attempt.job);
      if (task && task->state == JobState::kRunning && task->attempt == attempt.attempt) {
        SendToNodesOf(*task, protocol::KillMsg{attempt, protocol::KillReason::kCancel});
      }
    }
    done(*context_.state.FindJob(id));
  });
}

void JobLifecycle::CancelTask(const Principal& who, JobId array_id, int64_t index, JobDone done) {
  ClusterState& state = context_.state;
  Job* array = state.FindJob(array_id);
  JobArrays::Entry* entry = arrays_.Find(array_id);
  if (!array || !entry || !who.CanAccess(array->tenant)) {
    return done(NotFoundError(TaskText(array_id, index) + " not found"));
  }
  if (auto started = entry->started.find(index); started != entry->started.end()) {
    return Cancel(who, started->second, std::move(done));
  }
  if (!ContainsTask(array->array_unstarted, index)) {
    return done(NotFoundError(TaskText(array_id, index) + " not found: the array's tasks are " +
                              array->spec.array));
  }
  if (array->cancel_requested || IsTerminal(array->state)) {
    return done(FailedPreconditionError(TaskText(array_id, index) +
                                        " already ended (cancelled with its array)"));
  }
  Job* task = nullptr;
  if (auto queued = entry->queued.find(index); queued != entry->queued.end()) {
    task = state.FindJob(queued->second);
    entry->queued.erase(queued);
  } else {
    task = &state.AddJob(NewTask(*array, index));
  }
  task->end_time = context_.Now();
  state.SetState(*task, JobState::kCancelled);
  task->reason = std::string(reason::kCancelledByUser);
  RemoveTask(array->array_unstarted, index);
  entry->started[index] = task->id;
  std::vector<store::Mutation> batch{store::PutJob{*task}, store::PutJob{*array},
                                     store::ReserveJobIds{next_job_id_}};
  FinishArrayIfDone(*array, &batch);
  JobId id = task->id;
  context_.commits.CommitOrDie(
      std::move(batch), [this, id, done = std::move(done)] { done(*context_.state.FindJob(id)); });
}

StatusOr<const Job*> JobLifecycle::GetTask(const Principal& who, JobId array_id,
                                           int64_t index) const {
  const Job* array = context_.state.FindJob(array_id);
  const JobArrays::Entry* entry = arrays_.Find(array_id);
  if (!array || !entry || !who.CanAccess(array->tenant)) {
    return NotFoundError(TaskText(array_id, index) + " not found");
  }
  for (const auto* tasks : {&entry->started, &entry->queued}) {
    if (auto it = tasks->find(index); it != tasks->end()) return context_.state.FindJob(it->second);
  }
  if (ContainsTask(array->array_unstarted, index)) {
    return NotFoundError(TaskText(array_id, index) + " has not started (`sharc show " +
                         std::to_string(array_id.value) + "` shows its array)");
  }
  return NotFoundError(TaskText(array_id, index) + " not found: the array's tasks are " +
                       array->spec.array);
}

std::map<JobState, int64_t> JobLifecycle::ArrayTaskCounts(const Job& array) const {
  std::map<JobState, int64_t> counts;
  if (const JobArrays::Entry* entry = arrays_.Find(array.id)) {
    for (const auto& [index, id] : entry->started) {
      if (const Job* task = context_.state.FindJob(id)) ++counts[task->state];
    }
  }
  const bool ended = array.cancel_requested || IsTerminal(array.state);
  int64_t unstarted = CountTasks(array.array_unstarted);
  if (unstarted > 0) counts[ended ? JobState::kCancelled : JobState::kPending] += unstarted;
  return counts;
}

}  // namespace sharc::scheduler
