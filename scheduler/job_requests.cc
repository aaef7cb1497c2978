// The tenant- and admin-facing half of Scheduler: submit, show, list, cancel, output, nodes.
#include "core/log.h"
#include "core/tenant.h"
#include "core/units.h"
#include "policies/cycle.h"
#include "scheduler/scheduler.h"

namespace sharc::scheduler {
namespace {

Status JobNotFound(JobId id) {
  return NotFoundError("job " + std::to_string(id.value) + " not found");
}

}  // namespace

Status Scheduler::CheckTenantLimits(const Tenant& tenant, const JobSpec& spec,
                                    size_t new_jobs) const {
  const TenantQuota& q = tenant.quota;
  const Resources request = spec.Request();
  if (std::optional<std::string> over = q.max.FirstExceeded(request)) {
    return UnsatisfiableError("quota: " + tenant.name + "'s max " + *over + " is " +
                              FormatResourceAmount(*over, *q.max.Get(*over)) +
                              "; this job asks for " +
                              FormatResourceAmount(*over, request.Get(*over)));
  }
  if (std::optional<std::string> over = q.max_per_job.FirstExceeded(request)) {
    return UnsatisfiableError("quota: " + tenant.name + "'s jobs may ask for at most " +
                              FormatResourceAmount(*over, *q.max_per_job.Get(*over)) + " " +
                              *over + " each; this one asks for " +
                              FormatResourceAmount(*over, request.Get(*over)));
  }
  if (q.max_time_limit_seconds && spec.time_limit_seconds > *q.max_time_limit_seconds) {
    return UnsatisfiableError(
        "quota: " + tenant.name + "'s jobs may run at most " +
        FormatDuration(std::chrono::seconds(*q.max_time_limit_seconds)) + "; this one asks for " +
        FormatDuration(std::chrono::seconds(spec.time_limit_seconds)));
  }
  if (q.max_pending_jobs) {
    int64_t pending = state_.UsageOf(tenant.name).pending;
    if (pending + static_cast<int64_t>(new_jobs) > *q.max_pending_jobs) {
      return ResourceExhaustedError("quota: " + tenant.name + " has " + std::to_string(pending) +
                                    " pending jobs and may have at most " +
                                    std::to_string(*q.max_pending_jobs));
    }
  }
  if (credit_.enforced()) {
    MicroCredits worst = WorstCaseCost(credit_.prices(), spec);
    MicroCredits remaining = credit_.Remaining(tenant.name);
    if (worst > remaining) {
      return UnsatisfiableError("credit: this job may cost up to " + FormatCredits(worst) +
                                " credits (its request for its whole time limit); " +
                                tenant.name + " has " + FormatCredits(remaining) +
                                " credits left in all its grants");
    }
  }
  return Status::Ok();
}

Status Scheduler::PrepareSpec(protocol::SubmitItem& item, const std::string& where) const {
  JobSpec& spec = item.spec;
  if (spec.name.empty() && !spec.command.empty()) {
    std::string program = spec.command[0];
    size_t slash = program.rfind('/');
    spec.name = slash == std::string::npos ? program : program.substr(slash + 1);
    if (spec.name.size() > kMaxJobNameBytes) spec.name.resize(kMaxJobNameBytes);
    if (spec.name.empty()) spec.name = "job";
  }
  if (spec.memory_bytes == 0) spec.memory_bytes = spec.cpus * options_.default_memory_per_cpu;
  if (spec.time_limit_seconds == 0) spec.time_limit_seconds = options_.default_time_limit.count();
  auto prefixed = [&](Status s) { return where.empty() ? s : s.WithPrefix(where); };
  SHARC_RETURN_IF_ERROR(prefixed(ValidateJobSpec(spec)));
  if (spec.time_limit_seconds > options_.max_time_limit.count()) {
    return prefixed(InvalidArgumentError(
        "time_limit_seconds: " + FormatDuration(std::chrono::seconds(spec.time_limit_seconds)) +
        " exceeds the maximum of " + FormatDuration(options_.max_time_limit)));
  }
  return Status::Ok();
}

void Scheduler::Submit(const Principal& who, std::vector<protocol::SubmitItem> items,
                       SubmitDone done) {
  if (who.is_admin()) {
    return done(PermissionDeniedError("admins cannot submit jobs: use a tenant's token"));
  }
  if (!who.CanWrite()) {
    return done(PermissionDeniedError("this token can only read (role viewer)"));
  }
  const std::string& tenant = who.tenant;
  const Tenant* account = tenants_.Find(tenant);
  if (!account) return done(PermissionDeniedError("tenant " + tenant + " does not exist"));
  if (account->disabled) {
    return done(PermissionDeniedError("tenant " + tenant + " is disabled: it can submit nothing new"));
  }
  const bool bulk = items.size() > 1;
  policies::ClusterSnapshot capacity = state_.Snapshot();
  std::set<std::string> keys;
  for (size_t i = 0; i < items.size(); ++i) {
    std::string where = bulk ? "[" + std::to_string(i) + "]" : "";
    Status status = PrepareSpec(items[i], where);
    const char* result = "invalid";
    if (status.ok() && !items[i].idempotency_key.empty() &&
        !keys.insert(items[i].idempotency_key).second) {
      status = InvalidArgumentError((where.empty() ? "" : where + ".") +
                                    "idempotency_key: used twice in one request");
    }
    if (status.ok()) {
      status = CheckTenantLimits(*account, items[i].spec, items.size());
      if (status.ok()) status = policies::CheckEverFits(capacity, items[i].spec);
      if (!status.ok() && bulk) status = status.WithPrefix(where);
      result = status.code() == StatusCode::kResourceExhausted ? "over_limit" : "unsatisfiable";
    }
    if (!status.ok()) {
      if (deps_.metrics) {
        deps_.metrics->CountSubmissions(tenant, result, static_cast<int64_t>(items.size()));
      }
      return done(status);
    }
  }
  // A retry racing the first attempt with the same key waits for it, then finds its job.
  for (const protocol::SubmitItem& item : items) {
    auto inflight = inflight_keys_.find({tenant, item.idempotency_key});
    if (!item.idempotency_key.empty() && inflight != inflight_keys_.end()) {
      inflight->second.push_back(
          [this, who, items, done](Status) mutable { Submit(who, std::move(items), done); });
      return;
    }
  }
  UnixMillis now = deps_.clock->WallMillis();
  std::vector<Job> fresh;
  std::vector<std::optional<JobId>> existing(items.size());
  std::vector<store::Mutation> batch;
  for (size_t i = 0; i < items.size(); ++i) {
    const std::string& key = items[i].idempotency_key;
    if (!key.empty()) {
      existing[i] = state_.FindByIdempotencyKey(tenant, key);
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
    batch.push_back(store::PutJob{job});
    fresh.push_back(std::move(job));
  }
  if (fresh.empty()) {
    SubmitOutcome outcome;
    for (const auto& id : existing) outcome.jobs.push_back(*state_.FindJob(*id));
    return done(std::move(outcome));
  }
  batch.push_back(store::ReserveJobIds{next_job_id_});
  deps_.store->Commit(
      std::move(batch), [this, tenant, fresh = std::move(fresh), existing = std::move(existing),
                         done = std::move(done)](Status status) mutable {
        deps_.post([this, tenant, fresh = std::move(fresh), existing = std::move(existing),
                    done = std::move(done), status]() mutable {
          FinishSubmit(tenant, std::move(fresh), std::move(existing), status, std::move(done));
        });
      });
}

void Scheduler::FinishSubmit(const std::string& tenant, std::vector<Job> fresh,
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
    if (deps_.metrics) {
      deps_.metrics->CountSubmissions(tenant, "unavailable", static_cast<int64_t>(fresh.size()));
    }
    done(UnavailableError("the job could not be saved (" + commit.message() +
                          "); nothing was submitted, try again"));
  } else {
    if (deps_.metrics) {
      deps_.metrics->CountSubmissions(tenant, "accepted", static_cast<int64_t>(fresh.size()));
    }
    SubmitOutcome outcome;
    outcome.created = true;
    size_t next_fresh = 0;
    for (const auto& id : existing) {
      if (id) {
        outcome.jobs.push_back(*state_.FindJob(*id));
      } else {
        const Job& added = state_.AddJob(std::move(fresh[next_fresh++]));
        arrived_.push_back(added.id);
        outcome.jobs.push_back(added);
      }
    }
    RequestCycle(/*capacity_changed=*/false);
    done(std::move(outcome));
  }
  for (auto& waiter : waiters) waiter(commit);
}

StatusOr<const Job*> Scheduler::GetJob(const Principal& who, JobId id) const {
  const Job* job = state_.FindJob(id);
  if (!job || !who.CanAccess(job->tenant)) return JobNotFound(id);
  return job;
}

std::vector<const Job*> Scheduler::ListJobs(const Principal& who, const JobFilter& filter) const {
  std::vector<const Job*> out;
  for (const auto& [id, job] : state_.jobs()) {
    if (!who.CanAccess(job.tenant)) continue;
    if (!filter.tenant.empty() && job.tenant != filter.tenant) continue;
    if (!filter.states.empty()) {
      if (!filter.states.count(job.state)) continue;
    } else if (!filter.all && IsTerminal(job.state)) {
      continue;
    }
    out.push_back(&job);
  }
  return out;
}

void Scheduler::Cancel(const Principal& who, JobId id, JobDone done) {
  Job* job = state_.FindJob(id);
  if (!job || !who.CanAccess(job->tenant)) return done(JobNotFound(id));
  if (!who.CanWrite()) return done(PermissionDeniedError("this token can only read (role viewer)"));
  if (IsTerminal(job->state)) {
    return done(FailedPreconditionError("job " + std::to_string(id.value) + " already ended (" +
                                        std::string(JobStateName(job->state)) + ")"));
  }
  if (job->state == JobState::kPending) {
    job->end_time = deps_.clock->WallMillis();
    state_.SetState(*job, JobState::kCancelled);
    job->reason = std::string(reason::kCancelledByUser);
    job->message.clear();
    CommitOrDie({store::PutJob{*job}}, [this, id, done = std::move(done)] {
      done(*state_.FindJob(id));
    });
    return;
  }
  if (job->cancel_requested) return done(*job);  // already on its way out
  job->cancel_requested = true;
  job->reason = std::string(reason::kCancelRequested);
  AttemptId attempt = job->current_attempt();
  CommitOrDie({store::PutJob{*job}}, [this, attempt, done = std::move(done)] {
    const Job* job = state_.FindJob(attempt.job);
    if (job->state == JobState::kRunning && job->attempt == attempt.attempt) {
      SendToNodesOf(*job, protocol::KillMsg{attempt, protocol::KillReason::kCancel});
    }
    done(*job);
  });
}

void Scheduler::ReadOutput(const Principal& who, JobId id, const std::string& stream,
                           int64_t offset, int64_t limit, OutputDone done) {
  const Job* job = state_.FindJob(id);
  if (!job || !who.CanAccess(job->tenant)) return done(JobNotFound(id));
  if (stream != "stdout" && stream != "stderr") {
    return done(InvalidArgumentError("stream: must be 'stdout' or 'stderr'"));
  }
  if (!job->allocation) {
    return done(FailedPreconditionError("job " + std::to_string(id.value) +
                                        " has not started, so it has no output yet"));
  }
  // The output kept by rank 0's node (every job has one part for now).
  const std::string& node_name = job->allocation->nodes.front().node;
  const NodeEntry* node = state_.FindNode(node_name);
  if (!node || !node->connection) {
    return done(UnavailableError("node " + node_name + " is not connected; job " +
                                 std::to_string(id.value) + "'s output is kept on that node"));
  }
  int64_t request_id = next_output_request_++;
  pending_output_[request_id] = {node_name, std::move(done),
                                 deps_.clock->SteadyNow() + options_.output_timeout};
  Send(node_name,
       protocol::OutputRequestMsg{request_id, job->current_attempt(), stream, offset, limit});
}

NodeStatus Scheduler::StatusOf(const NodeEntry& node) const {
  NodeStatus status;
  status.record = node.record;
  status.connected = node.connection != nullptr;
  status.capacity = node.topology->Capacity();
  status.allocated = node.Allocated();
  status.running_jobs = node.jobs.size();
  status.heartbeat_age = std::chrono::duration_cast<std::chrono::milliseconds>(
      deps_.clock->SteadyNow() - node.last_heartbeat);
  return status;
}

std::vector<NodeStatus> Scheduler::ListNodes() const {
  std::vector<NodeStatus> out;
  for (const auto& [name, node] : state_.nodes()) out.push_back(StatusOf(node));
  return out;
}

void Scheduler::DrainNode(const Principal& who, const std::string& name, std::string why,
                          NodeDone done) {
  if (!who.is_admin()) return done(PermissionDeniedError("only an admin may do this"));
  NodeEntry* node = state_.FindNode(name);
  if (!node) return done(NotFoundError("node '" + name + "' not found"));
  if (why.empty() || why.size() > 256) {
    return done(InvalidArgumentError("reason: say why, in 1 to 256 characters"));
  }
  if (node->record.state == NodeState::kDown) {
    return done(FailedPreconditionError("node " + name + " is DOWN; drain it once it is back"));
  }
  node->record.state = NodeState::kDrain;
  node->record.reason = std::move(why);
  LogInfo("scheduler", "node " + name + " drained by " + who.name + ": " + node->record.reason);
  CommitOrDie({store::PutNode{node->record}},
              [this, name, done = std::move(done)] { done(StatusOf(*state_.FindNode(name))); });
}

void Scheduler::ResumeNode(const Principal& who, const std::string& name, NodeDone done) {
  if (!who.is_admin()) return done(PermissionDeniedError("only an admin may do this"));
  NodeEntry* node = state_.FindNode(name);
  if (!node) return done(NotFoundError("node '" + name + "' not found"));
  if (node->record.state != NodeState::kDrain) {
    return done(FailedPreconditionError("node " + name + " is " +
                                        std::string(NodeStateName(node->record.state)) +
                                        ", not drained"));
  }
  node->record.state = NodeState::kUp;
  node->record.reason.clear();
  LogInfo("scheduler", "node " + name + " resumed by " + who.name);
  RequestCycle();
  CommitOrDie({store::PutNode{node->record}},
              [this, name, done = std::move(done)] { done(StatusOf(*state_.FindNode(name))); });
}

}  // namespace sharc::scheduler
