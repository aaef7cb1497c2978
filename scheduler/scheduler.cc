#include "scheduler/scheduler.h"

#include <unistd.h>

#include "core/log.h"
#include "policies/cycle.h"
#include "scheduler/tenant_admission.h"

namespace sharc::scheduler {

Scheduler::Scheduler(SchedulerOptions options, SchedulerDeps deps)
    : options_(std::move(options)), deps_(std::move(deps)), credit_(options_.prices) {
  assert(deps_.clock && deps_.store && deps_.post && deps_.queue_order && deps_.placement);
}

Status Scheduler::Restore(store::StoredState stored) {
  next_job_id_ = stored.next_job_id;
  UnixMillis now = deps_.clock->WallMillis();
  tenants_.Restore(std::move(stored.tenants), std::move(stored.tokens));
  tenant_totals_ = std::move(stored.tenant_totals);
  facility_readings_ = std::move(stored.facility_readings);
  credit_.Restore(std::move(stored.grants), stored.next_grant_id, stored.open_reservations);
  std::vector<store::Mutation> repairs;
  tenants_.ApplyFile(options_.tenants_file, now, &repairs);
  SteadyTime steady_now = deps_.clock->SteadyNow();
  for (store::NodeRecord& record : stored.nodes) {
    NodeEntry* node = state_.UpsertNode(std::move(record)).first;
    node->last_heartbeat = steady_now;  // a fresh node_timeout to reconnect in
  }
  for (Job& stored_job : stored.jobs) {
    if (stored_job.id.value >= next_job_id_) next_job_id_ = stored_job.id.value + 1;
    Job& job = state_.AddJob(std::move(stored_job));
    if (job.state != JobState::kRunning) continue;
    granted_since_[job.id] = job.start_time > 0 ? job.start_time : now;
    Status allocated =
        job.allocation ? state_.Allocate(job) : FailedPreconditionError("no allocation recorded");
    if (!allocated.ok()) {
      LogWarning("scheduler", "job " + std::to_string(job.id.value) +
                                  " cannot be restored on its node: " + allocated.message());
      job.allocation.reset();
      job.end_time = now;
      state_.SetState(job, JobState::kNodeFail);
      job.reason = std::string(reason::kNodeLostJob);
      RecordAttempt(job, JobStateName(JobState::kNodeFail), nullptr, &repairs);
      SettleCredit(job, &repairs);
      repairs.push_back(store::PutJob{job});
    }
  }
  // Credit held by attempts that no longer run (a crash between two commits cannot leave
  // any, but a hand-edited database could): give it back.
  for (const store::OpenReservation& open : stored.open_reservations) {
    const Job* job = state_.FindJob(open.attempt.job);
    if (!job || job->state != JobState::kRunning || job->attempt != open.attempt.attempt) {
      LogWarning("scheduler", "releasing credit held by job " +
                                  std::to_string(open.attempt.job.value) + " attempt " +
                                  std::to_string(open.attempt.attempt) + ", which is not running");
      credit_.Settle(open.attempt, 0, now, &repairs);
    }
  }
  if (Status fits = CheckGuaranteesFit(Tenant{}); !fits.ok()) {
    return fits.WithPrefix("tenants file");
  }
  if (!repairs.empty()) CommitOrDie(std::move(repairs), [] {});
  LogInfo("scheduler", "restored " + std::to_string(state_.jobs().size()) + " jobs and " +
                           std::to_string(state_.nodes().size()) + " nodes; next job id " +
                           std::to_string(next_job_id_));
  RequestCycle();
  return Status::Ok();
}

void Scheduler::CommitOrDie(std::vector<store::Mutation> batch, std::function<void()> then) {
  for (store::Mutation& m : batch) outbox_.push_back(std::move(m));
  outbox_actions_.push_back(std::move(then));
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  deps_.post([this] { Flush(); });
}

void Scheduler::Flush() {
  flush_scheduled_ = false;
  std::vector<std::function<void()>> actions = std::move(outbox_actions_);
  outbox_actions_.clear();
  deps_.store->Commit(
      std::move(outbox_), [post = deps_.post, actions = std::move(actions)](Status status) mutable {
        if (!status.ok()) {
          LogError("scheduler", "could not persist a state change (" + status.ToString() +
                                    "); exiting so that a restart reloads the durable state");
          ::_exit(75);
        }
        post([actions = std::move(actions)] {
          for (const auto& action : actions) action();
        });
      });
  outbox_.clear();
}

void Scheduler::RequestCycle(bool capacity_changed) {
  capacity_changed_ = capacity_changed_ || capacity_changed;
  if (cycle_requested_) return;
  cycle_requested_ = true;
  deps_.post([this] { RunCycle(); });
}

Resources Scheduler::UpCapacity() const {
  Resources capacity;
  for (const auto& [name, node] : state_.nodes()) {
    if (node.record.state == NodeState::kUp && node.connection) {
      (void)capacity.Add(node.topology->Capacity());
    }
  }
  return capacity;
}

void Scheduler::CheckInvariantsOrDie(const char* where) const {
  if (!options_.check_invariants) return;
  Status status = state_.CheckInvariants();
  if (status.ok()) status = credit_.CheckConsistency();
  if (status.ok()) {
    for (const Tenant* tenant : tenants_.List()) {
      const TenantUsage& usage = state_.UsageOf(tenant->name);
      if (std::optional<std::string> over = tenant->quota.max.FirstExceeded(usage.held)) {
        status = InternalError("tenant " + tenant->name + " holds more " + *over + " than its max");
      }
      if (tenant->quota.max_running_jobs && usage.running > *tenant->quota.max_running_jobs) {
        status = InternalError("tenant " + tenant->name + " runs more jobs than its limit");
      }
    }
  }
  if (!status.ok()) {
    LogError("scheduler", std::string("invariant broken after ") + where + ": " + status.message());
    std::abort();
  }
}

void Scheduler::RunCycle() {
  cycle_requested_ = false;
  std::vector<JobId> candidates;
  if (capacity_changed_) {
    candidates.assign(state_.pending().begin(), state_.pending().end());
  } else {
    for (JobId id : arrived_) {
      if (state_.pending().count(id)) candidates.push_back(id);
    }
  }
  capacity_changed_ = false;
  arrived_.clear();
  if (candidates.empty()) return;
  auto started = std::chrono::steady_clock::now();

  policies::ClusterSnapshot snapshot = state_.Snapshot();
  for (policies::NodeSnapshot& view : snapshot.nodes) {
    const NodeEntry* node = state_.FindNode(view.name);
    if (!node->connection && view.state == NodeState::kUp) view.state = NodeState::kDown;
  }
  std::vector<policies::PendingJob> pending;
  pending.reserve(candidates.size());
  for (JobId id : candidates) {
    const Job* job = state_.FindJob(id);
    pending.push_back({id, job->tenant, &job->spec, job->submit_time});
  }
  UnixMillis now = deps_.clock->WallMillis();
  TenantAdmission gate(tenants_, state_, credit_, UpCapacity(), now);
  policies::CycleResult result = policies::RunSchedulingCycle(
      snapshot, std::move(pending), *deps_.queue_order, *deps_.placement, now, &gate);

  std::vector<store::Mutation> batch;
  std::vector<AttemptId> placed;
  for (const policies::Decision& decision : result.decisions) {
    Job* job = state_.FindJob(decision.job);
    if (decision.kind != policies::VerdictKind::kPlaced) {
      if (job->reason == reason::kPreempted || job->reason == reason::kNodeFailRequeued) {
        // A requeued job keeps saying why it is back in the queue until it starts again.
        job->message = "requeued; waiting: " + decision.reason +
                       (decision.message.empty() ? "" : " (" + decision.message + ")");
      } else {
        job->reason = decision.reason;
        job->message = decision.message;
      }
      continue;
    }
    job->allocation = AllocationOf(*decision.placement, snapshot);
    Status allocated = state_.Allocate(*job);
    if (!allocated.ok()) {  // a policy bug: it chose resources that are not free
      LogError("scheduler", "placement of job " + std::to_string(job->id.value) +
                                " refused: " + allocated.message());
      job->allocation.reset();
      continue;
    }
    state_.SetState(*job, JobState::kRunning);
    job->attempt += 1;
    job->reason.clear();
    job->message.clear();
    job->start_time = now;
    granted_since_[job->id] = now;
    job->end_time = 0;
    job->exit_code.reset();
    job->exit_signal.reset();
    if (deps_.metrics && job->attempt == 1) {
      deps_.metrics->ObserveQueueWait(
          job->tenant, std::chrono::milliseconds(std::max<int64_t>(0, now - job->submit_time)));
    }
    if (credit_.enforced()) {
      credit_.Reserve(job->tenant, job->current_attempt(),
                      WorstCaseCost(credit_.prices(), job->spec), now, &batch);
    }
    batch.push_back(store::PutJob{*job});
    placed.push_back(job->current_attempt());
  }
  Reclaim(snapshot);
  if (deps_.metrics) {
    deps_.metrics->ObserveCycle(std::chrono::steady_clock::now() - started);
    for (std::chrono::nanoseconds d : result.placement_durations)
      deps_.metrics->ObservePlacement(d);
  }
  CheckInvariantsOrDie("a scheduling cycle");
  if (batch.empty()) return;
  CommitOrDie(std::move(batch), [this, placed = std::move(placed)] {
    for (const AttemptId& attempt : placed) {
      const Job* job = state_.FindJob(attempt.job);
      if (job && job->state == JobState::kRunning && job->attempt == attempt.attempt) {
        SendLaunch(*job);
      }
    }
  });
}

void Scheduler::SendLaunch(const Job& job, const std::string* only_node) {
  protocol::LaunchMsg launch;
  launch.attempt = job.current_attempt();
  launch.tenant = job.tenant;
  launch.spec = job.spec;
  launch.allocation = *job.allocation;
  for (size_t rank = 0; rank < job.allocation->nodes.size(); ++rank) {
    const std::string& node = job.allocation->nodes[rank].node;
    if (only_node && *only_node != node) continue;
    launch.rank = static_cast<int32_t>(rank);
    Send(node, launch);
  }
}

void Scheduler::SendToNodesOf(const Job& job, const protocol::SchedulerMessage& message) {
  if (!job.allocation) return;
  for (const NodeAllocation& part : job.allocation->nodes) Send(part.node, message);
}

void Scheduler::Send(const std::string& node_name, const protocol::SchedulerMessage& message) {
  NodeEntry* node = state_.FindNode(node_name);
  if (node && node->connection) node->connection->Send(message);
}

void Scheduler::SettleCredit(const Job& job, std::vector<store::Mutation>* batch) {
  if (!credit_.enforced()) return;
  UnixMillis end = job.end_time ? job.end_time : deps_.clock->WallMillis();
  MicroCredits cost = Cost(credit_.prices(), job.spec, std::max<int64_t>(0, end - job.start_time));
  credit_.Settle(job.current_attempt(), cost, deps_.clock->WallMillis(), batch);
}

void Scheduler::EndJob(Job& job, JobState state, std::string why, std::string message,
                       std::vector<store::Mutation>* batch, const protocol::AttemptReport* exited) {
  RecordAttempt(job, JobStateName(state), exited, batch);  // if it held a grant
  state_.Release(job);
  state_.SetState(job, state);
  launch_confirmed_.erase(job.id);
  job.reason = std::move(why);
  job.message = std::move(message);
  if (job.end_time == 0) job.end_time = deps_.clock->WallMillis();
  SettleCredit(job, batch);
  batch->push_back(store::PutJob{job});
}

void Scheduler::RequeueJob(Job& job, std::string why, std::string message,
                           std::vector<store::Mutation>* batch,
                           const protocol::AttemptReport* exited) {
  if (job.end_time == 0) job.end_time = deps_.clock->WallMillis();
  RecordAttempt(job, "REQUEUED", exited, batch);
  SettleCredit(job, batch);
  state_.Release(job);
  state_.SetState(job, JobState::kPending);
  launch_confirmed_.erase(job.id);
  job.reason = std::move(why);
  job.message = std::move(message);
  job.allocation.reset();
  job.start_time = 0;
  job.end_time = 0;
  job.exit_code.reset();
  job.exit_signal.reset();
  job.preempt_requested = false;
  batch->push_back(store::PutJob{job});
  RequestCycle();
}

metrics::ClusterMetricsSnapshot Scheduler::MetricsSnapshot() const {
  metrics::ClusterMetricsSnapshot s;
  SteadyTime steady_now = deps_.clock->SteadyNow();
  UnixMillis now = deps_.clock->WallMillis();
  for (const auto& [name, node] : state_.nodes()) {
    ++s.nodes_by_state[std::string(NodeStateName(node.record.state))];
    metrics::ClusterMetricsSnapshot::NodeResources r{name, node.topology->Capacity(),
                                                     node.Allocated()};
    if (const protocol::NodeSample* sample = energy_.LastSample(name)) {
      r.used = Resources{};
      r.used->Set("cpu", sample->cpu_used_millis);
      r.used->Set("memory", sample->memory_used_bytes);
    }
    r.heartbeat_age_seconds =
        std::chrono::duration<double>(steady_now - node.last_heartbeat).count();
    s.node_resources.push_back(std::move(r));
    if (node.connection) ++s.agent_connections;
  }
  for (const auto& [tenant, totals] : tenant_totals_) {
    auto& a = s.tenant_accounting[tenant];
    a.granted_cpu_seconds += totals.granted_millicpu_ms / 1e6;
    a.used_cpu_seconds += totals.used_cpu_ms / 1e3;
    a.granted_gpu_seconds += totals.granted_gpu_ms / 1e3;
    a.energy_joules += (totals.cpu_energy_uj + totals.gpu_energy_uj) / 1e6;
  }
  for (const auto& [id, job] : state_.jobs()) {
    ++s.jobs_by_state_tenant[{std::string(JobStateName(job.state)), job.tenant}];
    if (job.state == JobState::kPending) ++s.pending_by_tenant_reason[{job.tenant, job.reason}];
  }
  for (const auto& [id, since] : granted_since_) {
    // Running attempts count as granted up to now, so the counter rises smoothly (and never
    // falls: the attempt's record, when it ends, runs from the same instant to a later one).
    const Job& job = *state_.FindJob(id);
    double running_s = static_cast<double>(std::max<int64_t>(0, now - since)) / 1e3;
    auto& a = s.tenant_accounting[job.tenant];
    a.granted_cpu_seconds += job.spec.cpus * running_s;
    a.granted_gpu_seconds += job.spec.gpus * running_s;
  }
  s.pue = options_.efficiency.pue;
  s.grid_carbon_g_per_kwh = options_.efficiency.grid_carbon_g_per_kwh;
  for (const Tenant* tenant : tenants_.List()) {
    metrics::ClusterMetricsSnapshot::TenantQuota q;
    q.tenant = tenant->name;
    q.guaranteed = tenant->quota.guaranteed;
    q.max = tenant->quota.max;
    q.used = state_.UsageOf(tenant->name).held;
    s.tenant_quotas.push_back(std::move(q));
  }
  s.credit_enforced = credit_.enforced();
  for (const auto& [id, grant] : credit_.grants()) {
    if (grant.closed || !grant.ValidAt(now)) {
      s.credit_balance[grant.tenant] += 0;
    } else {
      s.credit_balance[grant.tenant] += grant.available;
    }
    s.credit_spent[{grant.tenant, std::string(GrantSourceName(grant.source))}] += grant.spent;
  }
  return s;
}

}  // namespace sharc::scheduler
