#include "scheduler/job_lifecycle.h"

#include <cstring>

#include "core/log.h"
#include "core/units.h"
#include "policies/feasibility.h"

namespace sharc::scheduler {
namespace {

std::string SignalText(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return std::to_string(signal) + (abbrev ? std::string(" (SIG") + abbrev + ")" : "");
}

// The terminal state, reason and message for an attempt that exited.
struct Ending {
  JobState state;
  std::string_view reason;
  std::string message;
};

Ending EndingOf(const protocol::AttemptReport& report, bool cancel_requested) {
  using protocol::AttemptEnding;
  if (report.ending == AttemptEnding::kLaunchFailed) {
    return {JobState::kFailed, reason::kLaunchFailed, report.message};
  }
  if (report.ending == AttemptEnding::kCancelled ||
      (cancel_requested && report.ending == AttemptEnding::kKilled)) {
    return {JobState::kCancelled, reason::kCancelledByUser, ""};
  }
  if (report.ending == AttemptEnding::kTimeLimit) {
    return {JobState::kTimeout, reason::kTimeLimit, "killed at its time limit"};
  }
  if (report.exit_code && *report.exit_code == 0) return {JobState::kCompleted, "", ""};
  if (report.exit_code) {
    return {JobState::kFailed, reason::kNonZeroExit,
            "exit code " + std::to_string(*report.exit_code)};
  }
  if (report.signal) {
    return {JobState::kFailed, reason::kSignaled, "killed by signal " + SignalText(*report.signal)};
  }
  return {JobState::kFailed, reason::kNodeLostJob, report.message};
}

}  // namespace

JobLifecycle::JobLifecycle(const SchedulerContext& context, TenantService& tenants,
                           Accounting& accounting)
    : context_(context), tenants_(tenants), accounting_(accounting) {}

void JobLifecycle::Restore(store::StoredState& stored, std::vector<store::Mutation>* repairs) {
  next_job_id_ = stored.next_job_id;
  UnixMillis now = context_.Now();
  ClusterState& state = context_.state;
  for (Job& stored_job : stored.jobs) {
    if (stored_job.id.value >= next_job_id_) next_job_id_ = stored_job.id.value + 1;
    Job& job = state.AddJob(std::move(stored_job));
    arrays_.Track(job);
    if (job.state != JobState::kRunning || job.is_array()) continue;
    UnixMillis granted = job.start_time > 0 ? job.start_time : now;
    Status allocated = job.allocation ? state.Allocate(job, tenants_.ClassOf(job), granted)
                                      : FailedPreconditionError("no allocation recorded");
    if (allocated.ok()) {
      accounting_.Regranted(job, granted);
      continue;
    }
    LogWarning("scheduler", "job " + std::to_string(job.id.value) +
                                " cannot be restored on its node: " + allocated.message());
    job.allocation.reset();
    job.end_time = now;
    state.SetState(job, JobState::kNodeFail);
    job.reason = std::string(reason::kNodeLostJob);
    repairs->push_back(store::PutJob{job});
  }
  for (const store::EndedJob& ended : stored.ended_jobs) {
    if (ended.id.value >= next_job_id_) next_job_id_ = ended.id.value + 1;
    state.AddEvicted(ended.id, ended.tenant, ended.state);
  }
  state.SortEndedByEndTime();
  for (JobId id : std::vector<JobId>(state.pending().begin(), state.pending().end())) {
    Job& job = *state.FindJob(id);
    if (job.spec.HasDependencies()) SettleDependencies(job, repairs);
  }
}

void JobLifecycle::EvictEnded() {
  const SchedulerOptions& options = context_.options;
  const UnixMillis before = context_.Now() - options.retention.count();
  for (JobId id : context_.state.EvictEnded(before, options.max_finished_in_memory)) {
    arrays_.Forget(id);
    launch_confirmed_.erase(id);
  }
}

void JobLifecycle::CountSubmissions(const std::string& tenant, std::string_view result,
                                    int64_t n) const {
  if (context_.deps.metrics)
    context_.deps.metrics->CountSubmissions(tenant, std::string(result), n);
}

Status JobLifecycle::PrepareSpec(const Tenant& tenant, protocol::SubmitItem& item,
                                 const std::string& where) const {
  JobSpec& spec = item.spec;
  const SchedulerOptions& options = context_.options;
  if (spec.name.empty() && !spec.command.empty()) {
    std::string program = spec.command[0];
    size_t slash = program.rfind('/');
    spec.name = slash == std::string::npos ? program : program.substr(slash + 1);
    if (spec.name.size() > kMaxJobNameBytes) spec.name.resize(kMaxJobNameBytes);
    if (spec.name.empty()) spec.name = "job";
  }
  if (spec.memory_bytes == 0) spec.memory_bytes = spec.cpus * options.default_memory_per_cpu;
  if (spec.time_limit_seconds == 0)
    spec.time_limit_seconds = tenants_.DefaultTimeLimitSeconds(tenant);
  auto prefixed = [&](Status s) { return where.empty() ? s : s.WithPrefix(where); };
  SHARC_RETURN_IF_ERROR(prefixed(ValidateJobSpec(spec)));
  if (spec.time_limit_seconds > options.max_time_limit.count()) {
    return prefixed(
        InvalidArgumentError(std::string(spec_field::kTimeLimitSeconds) + ": " +
                             FormatDuration(std::chrono::seconds(spec.time_limit_seconds)) +
                             " exceeds the maximum of " + FormatDuration(options.max_time_limit)));
  }
  return prefixed(tenants_.ResolvePriorityClass(tenant, spec));
}

Status JobLifecycle::CheckItems(const Principal& who, const Tenant& tenant,
                                std::vector<protocol::SubmitItem>& items) const {
  const bool bulk = items.size() > 1;
  std::set<std::string> keys;
  size_t new_jobs = 0;  // for max_pending_jobs, an array counts as its tasks
  for (const protocol::SubmitItem& item : items) {
    StatusOr<ArraySpec> array = ParseArraySpec(item.spec.array);
    new_jobs += item.spec.array.empty() || !array.ok() ? 1 : CountTasks(array->indices);
  }
  for (size_t i = 0; i < items.size(); ++i) {
    std::string where = bulk ? "[" + std::to_string(i) + "]" : "";
    Status status = PrepareSpec(tenant, items[i], where);
    std::string_view result = "invalid";
    if (status.ok() && !items[i].idempotency_key.empty() &&
        !keys.insert(items[i].idempotency_key).second) {
      status = InvalidArgumentError((where.empty() ? "" : where + ".") +
                                    "idempotency_key: used twice in one request");
    }
    if (status.ok() && !items[i].idempotency_key.empty()) {
      // A retry: it creates nothing, so only its sameness with the first request is checked.
      std::optional<JobId> existing =
          context_.state.FindByIdempotencyKey(tenant.name, items[i].idempotency_key);
      if (existing) {
        status = CheckSameRequest(*existing, items[i]);
        if (!status.ok() && bulk) status = status.WithPrefix(where);
        if (status.ok()) continue;
        result = "conflict";
      }
    }
    if (status.ok()) {
      status = JobDependencies::CheckSubmitted(items[i].spec, tenant.name, context_.state);
      if (!status.ok() && bulk) status = status.WithPrefix(where);
    }
    if (status.ok()) {
      status = tenants_.CheckSubmit(tenant, items[i].spec, new_jobs);
      if (status.ok()) status = policies::CheckEverFits(context_.state.view(), items[i].spec);
      if (!status.ok() && bulk) status = status.WithPrefix(where);
      result = status.code() == StatusCode::kResourceExhausted ? "over_limit" : "unsatisfiable";
    }
    if (!status.ok()) {
      CountSubmissions(who.tenant, result, static_cast<int64_t>(items.size()));
      return status;
    }
  }
  return Status::Ok();
}

void JobLifecycle::Submit(const Principal& who, std::vector<protocol::SubmitItem> items,
                          SubmitDone done) {
  const std::string& tenant = who.tenant;
  const Tenant* account = tenants_.Find(tenant);
  if (!account) return done(PermissionDeniedError("tenant " + tenant + " does not exist"));
  if (account->disabled) {
    return done(
        PermissionDeniedError("tenant " + tenant + " is disabled: it can submit nothing new"));
  }
  if (Status s = CheckItems(who, *account, items); !s.ok()) return done(s);
  // A retry racing the first attempt with the same key waits for it, then finds its job.
  for (const protocol::SubmitItem& item : items) {
    auto inflight = inflight_keys_.find({tenant, item.idempotency_key});
    if (!item.idempotency_key.empty() && inflight != inflight_keys_.end()) {
      inflight->second.push_back(
          [this, who, items, done](Status) mutable { Submit(who, std::move(items), done); });
      return;
    }
  }
  UnixMillis now = context_.Now();
  std::vector<Job> fresh;
  std::vector<std::optional<JobId>> existing(items.size());
  std::vector<store::Mutation> batch;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& key = items[i].idempotency_key;
    if (!key.empty()) {
      existing[i] = context_.state.FindByIdempotencyKey(tenant, key);
      if (existing[i]) continue;
      inflight_keys_[{tenant, key}];
    }
    Job job;
    job.id = JobId{next_job_id_++};
    job.tenant = tenant;
    job.spec = std::move(items[i].spec);
    job.idempotency_key = key;
    job.submit_time = now;
    job.reason = std::string(reason::kResources);
    if (job.is_array()) {  // validated by CheckItems
      job.array_unstarted = ParseArraySpec(job.spec.array)->indices;
    }
    batch.push_back(store::PutJob{job});
    fresh.push_back(std::move(job));
  }
  if (fresh.empty()) {
    SubmitOutcome outcome;
    for (const auto& id : existing) outcome.jobs.push_back(ExistingJob(*id));
    return done(std::move(outcome));
  }
  batch.push_back(store::ReserveJobIds{next_job_id_});
  // Not the shared commit queue: a submit that cannot be saved is refused, not fatal.
  auto post = context_.deps.post;
  context_.deps.store->Commit(std::move(batch), [this, post, tenant, fresh = std::move(fresh),
                                                 existing = std::move(existing),
                                                 done = std::move(done)](Status status) mutable {
    post([this, tenant, fresh = std::move(fresh), existing = std::move(existing),
          done = std::move(done), status]() mutable {
      FinishSubmit(tenant, std::move(fresh), std::move(existing), status, std::move(done));
    });
  });
}

Status JobLifecycle::CheckSameRequest(JobId existing, const protocol::SubmitItem& item) const {
  std::optional<JobSpec> first;
  if (const Job* job = context_.state.FindJob(existing)) {
    first = job->spec;
  } else if (StatusOr<std::optional<Job>> stored = context_.deps.store->ReadJob(existing);
             stored.ok() && *stored) {
    first = (*stored)->spec;
  }
  if (!first) return Status::Ok();  // cannot tell: the retry gets the job, as before
  std::vector<std::string_view> differing = DifferingSpecFields(*first, item.spec);
  if (differing.empty()) return Status::Ok();
  std::string fields;
  for (std::string_view field : differing) {
    fields += (fields.empty() ? "" : ", ") + std::string(field);
  }
  return AlreadyExistsError(std::string(kIdempotencyKeyField) + " \"" + item.idempotency_key +
                            "\" already submitted job " + std::to_string(existing.value) +
                            " with a different request (" + fields +
                            " differ): a retry must repeat the request, and a new job needs a "
                            "new key");
}

Job JobLifecycle::ExistingJob(JobId id) const {
  if (const Job* job = context_.state.FindJob(id)) return *job;
  // Retention took it out of memory: a retried submit that old is rare, so a synchronous read
  // of one row is acceptable here. Its id and tenant stand in should the store fail.
  StatusOr<std::optional<Job>> stored = context_.deps.store->ReadJob(id);
  if (stored.ok() && *stored) return **stored;
  Job stand_in;
  stand_in.id = id;
  if (std::optional<ClusterState::JobStatus> status = context_.state.StatusOf(id)) {
    stand_in.tenant = status->tenant;
    stand_in.state = status->state;
  }
  return stand_in;
}

void JobLifecycle::FinishSubmit(const std::string& tenant, std::vector<Job> fresh,
                                std::vector<std::optional<JobId>> existing, Status commit,
                                SubmitDone done) {
  std::vector<std::function<void(Status)>> waiters;
  for (const Job& job : fresh) {
    if (job.idempotency_key.empty()) continue;
    auto it = inflight_keys_.find({tenant, job.idempotency_key});
    if (it == inflight_keys_.end()) continue;
    for (auto& waiter : it->second) waiters.push_back(std::move(waiter));
    inflight_keys_.erase(it);
  }
  if (!commit.ok()) {
    LogError("scheduler", "submit not saved: " + commit.ToString());
    CountSubmissions(tenant, "unavailable", static_cast<int64_t>(fresh.size()));
    done(UnavailableError("the job could not be saved (" + commit.message() +
                          "); nothing was submitted, try again"));
  } else {
    CountSubmissions(tenant, "accepted", static_cast<int64_t>(fresh.size()));
    SubmitOutcome outcome;
    outcome.created = true;
    size_t next_fresh = 0;
    std::vector<store::Mutation> settled;  // a dependency that ended since the check
    for (const auto& id : existing) {
      if (id) {
        outcome.jobs.push_back(ExistingJob(*id));
        continue;
      }
      Job& added = context_.state.AddJob(std::move(fresh[next_fresh++]));
      arrays_.Track(added);
      if (added.spec.HasDependencies()) {
        SettleDependencies(added, &settled);
      } else {
        context_.cycles.Arrived(added.id);
      }
      outcome.jobs.push_back(added);
    }
    if (!settled.empty()) context_.commits.CommitOrDie(std::move(settled), [] {});
    done(std::move(outcome));
  }
  for (auto& waiter : waiters) waiter(commit);
}

void JobLifecycle::Cancel(const Principal& who, JobId id, JobDone done) {
  std::optional<ClusterState::JobStatus> status = context_.state.StatusOf(id);
  if (!status || !who.CanAccess(status->tenant)) return done(JobNotFound(id));
  if (IsTerminal(status->state)) {
    return done(FailedPreconditionError("job " + std::to_string(id.value) + " already ended (" +
                                        std::string(JobStateName(status->state)) + ")"));
  }
  Job* job = context_.state.FindJob(id);  // not ended, so held
  if (job->is_array()) return CancelArray(*job, std::move(done));
  if (IsQueuedTask(*job)) return CancelTask(who, job->array_job, job->array_task, std::move(done));
  if (job->state == JobState::kPending) {
    job->end_time = context_.Now();
    context_.state.SetState(*job, JobState::kCancelled);
    dependencies_.Release(id);
    job->reason = std::string(reason::kCancelledByUser);
    job->message.clear();
    std::vector<store::Mutation> batch{store::PutJob{*job}};
    SettleDependentsOf(*job, &batch);
    if (job->is_array_task()) ArrayTaskEnded(*job, &batch);
    context_.commits.CommitOrDie(std::move(batch), [this, id, done = std::move(done)] {
      done(*context_.state.FindJob(id));
    });
    return;
  }
  if (job->cancel_requested) return done(*job);  // already on its way out
  job->cancel_requested = true;
  job->reason = std::string(reason::kCancelRequested);
  context_.state.MarkStopping(*job);
  AttemptId attempt = job->current_attempt();
  context_.commits.CommitOrDie({store::PutJob{*job}}, [this, attempt, done = std::move(done)] {
    const Job* job = context_.state.FindJob(attempt.job);
    if (job->state == JobState::kRunning && job->attempt == attempt.attempt) {
      SendToNodesOf(*job, protocol::KillMsg{attempt, protocol::KillReason::kCancel});
    }
    done(*job);
  });
}

bool JobLifecycle::Start(Job& job, const policies::Placement& placement,
                         std::vector<store::Mutation>* batch, std::vector<AttemptId>* launches) {
  ClusterState& state = context_.state;
  UnixMillis now = context_.Now();
  job.allocation = AllocationOf(placement, state.view());
  if (job.spec.num_nodes > 1) AddRendezvous(*job.allocation);
  Status allocated = state.Allocate(job, tenants_.ClassOf(job), now);
  if (!allocated.ok()) {  // a policy bug: it chose resources that are not free
    LogError("scheduler", "placement of job " + std::to_string(job.id.value) +
                              " refused: " + allocated.message());
    job.allocation.reset();
    return false;
  }
  state.SetState(job, JobState::kRunning);
  // Queued since its submit, or since its requeue.
  const UnixMillis queued_since = job.requeue_time > 0 ? job.requeue_time : job.submit_time;
  job.attempt += 1;
  job.reason.clear();
  job.message.clear();
  job.start_time = now;
  job.end_time = 0;
  job.exit_code.reset();
  job.exit_signal.reset();
  job.rank_exits.clear();
  if (job.spec.num_nodes > 1) {  // summed over the ranks as they end
    job.cpu_time_ms = 0;
    job.peak_memory_bytes = 0;
  }
  accounting_.Granted(job, now);
  if (context_.deps.metrics) {
    context_.deps.metrics->ObserveQueueWait(
        job.tenant, std::chrono::milliseconds(std::max<int64_t>(0, now - queued_since)));
  }
  tenants_.ReserveCredit(job, batch);
  batch->push_back(store::PutJob{job});
  if (job.is_array_task()) ArrayTaskStarted(job, batch);
  launches->push_back(job.current_attempt());
  return true;
}

void JobLifecycle::SendLaunches(const std::vector<AttemptId>& launches) {
  for (const AttemptId& attempt : launches) {
    const Job* job = context_.state.FindJob(attempt.job);
    if (job && job->state == JobState::kRunning && job->attempt == attempt.attempt) {
      SendLaunch(*job);
    }
  }
}

void JobLifecycle::Preempt(Job& victim, const policies::Preemption& preemption) {
  LogInfo("scheduler", "preempting job " + std::to_string(victim.id.value) + " of " +
                           victim.tenant + ": " + preemption.message);
  if (context_.deps.metrics) {
    context_.deps.metrics->CountPreemption(victim.tenant,
                                           preemption.reason == "RECLAIM" ? "reclaim" : "priority");
  }
  victim.preempt_requested = true;
  victim.preempted_by = preemption.for_job;
  victim.reason = std::string(reason::kPreempting);
  victim.message = preemption.message;
  context_.state.MarkStopping(victim);
  AttemptId attempt = victim.current_attempt();
  context_.commits.CommitOrDie({store::PutJob{victim}}, [this, attempt] {
    const Job* job = context_.state.FindJob(attempt.job);
    if (job && job->state == JobState::kRunning && job->attempt == attempt.attempt) {
      SendToNodesOf(*job, protocol::KillMsg{attempt, protocol::KillReason::kPreempt});
    }
  });
}

void JobLifecycle::SetPendingReason(Job& job, const std::string& why, const std::string& message) {
  if (job.reason == reason::kPreempted || job.reason == reason::kNodeFailRequeued) {
    // A requeued job keeps saying why it is back in the queue until it starts again.
    std::string cause = job.message.substr(0, job.message.find("; waiting: "));
    job.message = cause + "; waiting: " + why + (message.empty() ? "" : " (" + message + ")");
    return;
  }
  job.reason = why;
  job.message = message;
}

void JobLifecycle::FinishAttempt(Job& job, const protocol::AttemptReport& report,
                                 std::vector<store::Mutation>* batch) {
  job.exit_code = report.exit_code;
  job.exit_signal = report.signal;
  if (report.end_time > 0) job.end_time = report.end_time;
  job.cpu_time_ms = report.cpu_time_ms;
  job.peak_memory_bytes = report.peak_memory_bytes;
  job.cpu_energy_uj += report.cpu_energy_uj;
  job.gpu_energy_uj += report.gpu_energy_uj;
  if (job.preempt_requested && !job.cancel_requested &&
      report.ending != protocol::AttemptEnding::kLaunchFailed) {
    std::string message = job.message;  // who it made room for, and why
    if (job.spec.requeue) {
      return RequeueJob(job, std::string(reason::kPreempted), message, batch, &report);
    }
    return EndJob(job, JobState::kPreempted, std::string(reason::kPreempted), message, batch,
                  &report);
  }
  if (report.ending == protocol::AttemptEnding::kKilled && !job.cancel_requested &&
      !report.oom_killed) {
    // A kill the scheduler did not ask for is the node's: it fenced the job (cut off from the
    // scheduler, or its agent gone for fence_after) or could not keep it. Like a node failure.
    return FailOrRequeue(job, std::string(reason::kNodeLostJob),
                         report.message.empty() ? "killed on its node" : report.message, batch,
                         &report);
  }
  Ending ending = EndingOf(report, job.cancel_requested);
  if (report.oom_killed && ending.state != JobState::kCancelled &&
      ending.state != JobState::kTimeout) {
    ending = {JobState::kFailed, reason::kOutOfMemory,
              "killed by the OOM killer: it needed more than its " +
                  FormatSize(job.spec.memory_bytes) + " of memory"};
  }
  EndJob(job, ending.state, std::string(ending.reason), std::move(ending.message), batch, &report);
}

void JobLifecycle::FailOrRequeue(Job& job, std::string why, std::string message,
                                 std::vector<store::Mutation>* batch,
                                 const protocol::AttemptReport* exited) {
  if (job.cancel_requested) {
    return EndJob(job, JobState::kCancelled, std::string(reason::kCancelledByUser), "", batch,
                  exited);
  }
  ++job.node_failures;
  if (job.spec.requeue && job.node_failures < context_.options.max_attempts) {
    LogInfo("scheduler", "requeueing job " + std::to_string(job.id.value) + " after attempt " +
                             std::to_string(job.attempt) + ": " + message);
    return RequeueJob(job, std::string(reason::kNodeFailRequeued), std::move(message), batch,
                      exited);
  }
  if (job.spec.requeue) {
    message += "; not requeued: it has lost " + std::to_string(job.node_failures) +
               " attempts to failed nodes (jobs.max_attempts)";
  }
  EndJob(job, JobState::kNodeFail, std::move(why), std::move(message), batch, exited);
}

void JobLifecycle::EndJob(Job& job, JobState state, std::string why, std::string message,
                          std::vector<store::Mutation>* batch,
                          const protocol::AttemptReport* exited) {
  StopOtherRanks(job);
  accounting_.RecordAttempt(job, JobStateName(state), exited, batch);  // if it held a grant
  context_.state.Release(job);
  context_.state.SetState(job, state);
  launch_confirmed_.erase(job.id);
  job.reason = std::move(why);
  job.message = std::move(message);
  if (job.end_time == 0) job.end_time = context_.Now();
  tenants_.SettleCredit(job, batch);
  batch->push_back(store::PutJob{job});
  SettleDependentsOf(job, batch);
  if (job.is_array_task()) ArrayTaskEnded(job, batch);
  context_.cycles.RequestCycle();  // its resources are free
}

void JobLifecycle::RequeueJob(Job& job, std::string why, std::string message,
                              std::vector<store::Mutation>* batch,
                              const protocol::AttemptReport* exited) {
  if (job.end_time == 0) job.end_time = context_.Now();
  StopOtherRanks(job);
  accounting_.RecordAttempt(job, "REQUEUED", exited, batch);
  tenants_.SettleCredit(job, batch);
  context_.state.Release(job);
  context_.state.SetState(job, JobState::kPending);
  launch_confirmed_.erase(job.id);
  job.reason = std::move(why);
  job.message = std::move(message);
  job.allocation.reset();
  job.start_time = 0;
  job.end_time = 0;
  job.requeue_time = context_.Now();
  job.exit_code.reset();
  job.exit_signal.reset();
  job.preempt_requested = false;
  batch->push_back(store::PutJob{job});
  context_.cycles.RequestCycle();
}

void JobLifecycle::SendLaunch(const Job& job, const std::string* only_node) {
  protocol::LaunchMsg launch;
  launch.attempt = job.current_attempt();
  launch.tenant = job.tenant;
  launch.spec = job.spec;
  launch.allocation = *job.allocation;
  launch.array_job = job.array_job;
  launch.array_task = job.array_task;
  for (size_t rank = 0; rank < job.allocation->nodes.size(); ++rank) {
    const std::string& node = job.allocation->nodes[rank].node;
    if (only_node && *only_node != node) continue;
    launch.rank = static_cast<int32_t>(rank);
    context_.agents.Send(node, launch);
  }
}

void JobLifecycle::SendToNodesOf(const Job& job, const protocol::SchedulerMessage& message) {
  if (!job.allocation) return;
  for (const NodeAllocation& part : job.allocation->nodes) context_.agents.Send(part.node, message);
}

}  // namespace sharc::scheduler
