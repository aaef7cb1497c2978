#include "scheduler/scheduler.h"

#include <unistd.h>

#include "core/log.h"
#include "policies/cycle.h"

namespace sharc::scheduler {

Scheduler::Scheduler(SchedulerOptions options, SchedulerDeps deps)
    : options_(options), deps_(std::move(deps)) {
  assert(deps_.clock && deps_.store && deps_.post && deps_.queue_order && deps_.placement);
}

Status Scheduler::Restore(store::StoredState stored) {
  next_job_id_ = stored.next_job_id;
  SteadyTime now = deps_.clock->SteadyNow();
  for (store::NodeRecord& record : stored.nodes) {
    NodeEntry* node = state_.UpsertNode(std::move(record)).first;
    node->last_heartbeat = now;  // a fresh node_timeout to reconnect in
  }
  std::vector<store::Mutation> repairs;
  for (Job& stored_job : stored.jobs) {
    if (stored_job.id.value >= next_job_id_) next_job_id_ = stored_job.id.value + 1;
    Job& job = state_.AddJob(std::move(stored_job));
    if (job.state != JobState::kRunning) continue;
    Status allocated = job.allocation ? state_.Allocate(job)
                                      : FailedPreconditionError("no allocation recorded");
    if (!allocated.ok()) {
      LogWarning("scheduler", "job " + std::to_string(job.id.value) +
                                  " cannot be restored on its node: " + allocated.message());
      job.allocation.reset();
      job.end_time = deps_.clock->WallMillis();
      state_.SetState(job, JobState::kNodeFail);
      job.reason = std::string(reason::kNodeLostJob);
      repairs.push_back(store::PutJob{job});
    }
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
  deps_.store->Commit(std::move(outbox_), [post = deps_.post, actions = std::move(actions)](
                                              Status status) mutable {
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
  policies::CycleResult result = policies::RunSchedulingCycle(
      snapshot, std::move(pending), *deps_.queue_order, *deps_.placement, now);

  std::vector<store::Mutation> batch;
  std::vector<AttemptId> placed;
  for (const policies::Decision& decision : result.decisions) {
    Job* job = state_.FindJob(decision.job);
    if (decision.kind != policies::VerdictKind::kPlaced) {
      job->reason = decision.reason;
      job->message = decision.message;
      continue;
    }
    const policies::Placement& p = *decision.placement;
    const policies::NodeSnapshot& view = snapshot.nodes[p.node_index];
    job->allocation = Allocation{view.name, p.cpus, p.gpus, p.memory_bytes,
                                 view.binding_simulated};
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
    job->end_time = 0;
    job->exit_code.reset();
    job->exit_signal.reset();
    batch.push_back(store::PutJob{*job});
    placed.push_back(job->current_attempt());
  }
  if (deps_.metrics) deps_.metrics->ObserveCycle(std::chrono::steady_clock::now() - started);
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

void Scheduler::SendLaunch(const Job& job) {
  protocol::LaunchMsg launch;
  launch.attempt = job.current_attempt();
  launch.tenant = job.tenant;
  launch.spec = job.spec;
  launch.allocation = *job.allocation;
  Send(job.allocation->node, launch);
}

void Scheduler::Send(const std::string& node_name, const protocol::SchedulerMessage& message) {
  NodeEntry* node = state_.FindNode(node_name);
  if (node && node->connection) node->connection->Send(message);
}

store::Mutation Scheduler::EndJob(Job& job, JobState state, std::string why,
                                  std::string message) {
  state_.Release(job);
  state_.SetState(job, state);
  launch_confirmed_.erase(job.id);
  job.reason = std::move(why);
  job.message = std::move(message);
  if (job.end_time == 0) job.end_time = deps_.clock->WallMillis();
  return store::PutJob{job};
}

metrics::ClusterMetricsSnapshot Scheduler::MetricsSnapshot() const {
  metrics::ClusterMetricsSnapshot s;
  for (const auto& [name, node] : state_.nodes()) {
    ++s.nodes_by_state[std::string(NodeStateName(node.record.state))];
    s.node_resources.push_back({name, node.topology->Capacity(), node.Allocated()});
    if (node.connection) ++s.agent_connections;
  }
  for (const auto& [id, job] : state_.jobs()) {
    ++s.jobs_by_state_tenant[{std::string(JobStateName(job.state)), job.tenant}];
  }
  return s;
}

}  // namespace sharc::scheduler
