// The agent-facing half of Scheduler: registration and reconciliation, heartbeats, attempt
// reports, output replies, and node liveness.
#include <csignal>
#include <cstring>

#include "core/log.h"
#include "core/units.h"
#include "scheduler/scheduler.h"

namespace sharc::scheduler {
namespace {

// Whether `job` is RUNNING attempt `attempt` with a part on node `node`: the attempt that node
// may report on.
bool IsCurrentOn(const Job* job, int32_t attempt, const std::string& node) {
  return job && job->state == JobState::kRunning && job->attempt == attempt && job->allocation &&
         job->allocation->Find(node) != nullptr;
}

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

void Scheduler::FinishAttempt(Job& job, const protocol::AttemptReport& report,
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
    std::string message = "preempted to give capacity back to another tenant's guarantee";
    if (job.spec.requeue) {
      return RequeueJob(job, std::string(reason::kPreempted), message, batch, &report);
    }
    return EndJob(job, JobState::kPreempted, std::string(reason::kPreempted), message, batch,
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

void Scheduler::FailOrRequeue(Job& job, std::string why, std::string message,
                              std::vector<store::Mutation>* batch) {
  if (job.cancel_requested) {
    return EndJob(job, JobState::kCancelled, std::string(reason::kCancelledByUser), "", batch);
  }
  if (job.spec.requeue && job.attempt < options_.max_attempts) {
    LogInfo("scheduler", "requeueing job " + std::to_string(job.id.value) + " after attempt " +
                             std::to_string(job.attempt) + ": " + message);
    return RequeueJob(job, std::string(reason::kNodeFailRequeued), std::move(message), batch);
  }
  if (job.spec.requeue) {
    message += "; not requeued: it has had " + std::to_string(job.attempt) + " attempts";
  }
  EndJob(job, JobState::kNodeFail, std::move(why), std::move(message), batch);
}

Status Scheduler::OnAgentRegister(const protocol::RegisterMsg& message,
                                  std::shared_ptr<AgentConnection> connection) {
  if (message.protocol_version != protocol::kProtocolVersion) {
    return InvalidArgumentError("protocol version " + std::to_string(message.protocol_version) +
                                " is not supported; this scheduler speaks " +
                                std::to_string(protocol::kProtocolVersion));
  }
  const std::string& name = message.inventory.name;
  store::NodeRecord record;
  record.inventory = message.inventory;
  record.last_seen = deps_.clock->WallMillis();
  if (NodeEntry* existing = state_.FindNode(name)) {
    if (existing->connection && existing->connection != connection) {
      existing->connection->Close("replaced by a newer connection from the same node");
    }
    if (existing->record.state == NodeState::kDrain) {
      record.state = NodeState::kDrain;
      record.reason = existing->record.reason;
    }
  }
  auto [node, allocations_fit] = state_.UpsertNode(record);
  if (!allocations_fit) {
    LogWarning("scheduler", "node " + name +
                                " re-registered with hardware that lacks CPUs or GPUs its "
                                "running jobs hold");
  }
  node->connection = std::move(connection);
  node->last_heartbeat = deps_.clock->SteadyNow();
  energy_.Restart(name);
  node->connection->Send(
      protocol::RegisteredMsg{options_.heartbeat_interval.count(), options_.fence_after.count()});
  LogInfo("scheduler", "node " + name + " registered (" +
                           std::to_string(node->topology->pus.size()) + " CPUs, " +
                           std::to_string(node->topology->gpus.size()) + " GPUs, " +
                           std::to_string(message.attempts.size()) + " attempts reported)");
  ReconcileAttempts(*node, message.attempts);
  return Status::Ok();
}

void Scheduler::ReconcileAttempts(NodeEntry& node,
                                  const std::vector<protocol::AttemptReport>& reports) {
  std::vector<store::Mutation> batch{store::PutNode{node.record}};
  std::vector<protocol::UpdateAckMsg> acks;
  std::vector<JobId> relaunch;
  std::set<JobId> reported;
  for (const protocol::AttemptReport& report : reports) {
    reported.insert(report.attempt.job);
    const Job* job = state_.FindJob(report.attempt.job);
    bool current = IsCurrentOn(job, report.attempt.attempt, node.name());
    if (!current) {
      // Fenced: an attempt the scheduler no longer runs here. Kill it if alive; forget it.
      if (!report.exited) {
        Send(node.name(), protocol::KillMsg{report.attempt, protocol::KillReason::kStale});
      } else {
        Send(node.name(), protocol::UpdateAckMsg{report.attempt, true});
      }
      continue;
    }
    if (report.exited) {
      FinishAttempt(*state_.FindJob(report.attempt.job), report, &batch);
    } else {
      launch_confirmed_.insert(job->id);
      if (job->cancel_requested) {
        Send(node.name(), protocol::KillMsg{report.attempt, protocol::KillReason::kCancel});
      }
    }
    acks.push_back({report.attempt, report.exited});
  }
  // Attempts the scheduler placed here that the agent did not report.
  for (JobId id : std::set<JobId>(node.jobs)) {
    if (reported.count(id)) continue;
    Job& job = *state_.FindJob(id);
    if (launch_confirmed_.count(id)) {
      FailOrRequeue(
          job, std::string(reason::kNodeLostJob),
          "node " + node.name() + " no longer knows attempt " + std::to_string(job.attempt),
          &batch);
    } else if (job.cancel_requested) {
      EndJob(job, JobState::kCancelled, std::string(reason::kCancelledByUser), "", &batch);
    } else if (job.preempt_requested) {
      RequeueJob(job, std::string(reason::kPreempted), "preempted before it started", &batch);
    } else {
      relaunch.push_back(id);  // the launch never reached the agent: sending it again is safe
    }
  }
  std::string name = node.name();
  CommitOrDie(std::move(batch),
              [this, name, acks = std::move(acks), relaunch = std::move(relaunch)] {
                for (const protocol::UpdateAckMsg& ack : acks) Send(name, ack);
                for (JobId id : relaunch) {
                  const Job* job = state_.FindJob(id);
                  if (job && IsCurrentOn(job, job->attempt, name)) SendLaunch(*job, &name);
                }
                RequestCycle();
              });
}

void Scheduler::OnAgentMessage(const std::string& node_name,
                               const protocol::AgentMessage& message) {
  NodeEntry* node = state_.FindNode(node_name);
  if (!node) return;
  node->last_heartbeat = deps_.clock->SteadyNow();
  node->record.last_seen = deps_.clock->WallMillis();
  if (const auto* heartbeat = std::get_if<protocol::HeartbeatMsg>(&message)) {
    if (node->connection) node->connection->Send(protocol::HeartbeatAckMsg{});
    if (heartbeat->sample) OnNodeSample(*node, *heartbeat->sample);
  } else if (const auto* update = std::get_if<protocol::JobUpdateMsg>(&message)) {
    OnJobUpdate(*node, update->report);
  } else if (const auto* health = std::get_if<protocol::HealthMsg>(&message)) {
    OnHealth(*node, *health);
  } else if (const auto* output = std::get_if<protocol::OutputResponseMsg>(&message)) {
    OnOutputResponse(node_name, *output);
  } else if (std::holds_alternative<protocol::RegisterMsg>(message)) {
    LogWarning("scheduler", "node " + node_name + " registered twice on one connection");
    if (deps_.metrics) deps_.metrics->CountRejectedAgentMessage();
  }
}

void Scheduler::OnJobUpdate(NodeEntry& node, const protocol::AttemptReport& report) {
  Job* job = state_.FindJob(report.attempt.job);
  // With several parts, the first to exit ends the attempt (for now every job has one).
  bool current = IsCurrentOn(job, report.attempt.attempt, node.name());
  std::string name = node.name();
  if (!current) {
    if (!report.exited) {
      Send(name, protocol::KillMsg{report.attempt, protocol::KillReason::kStale});
    } else {
      Send(name, protocol::UpdateAckMsg{report.attempt, true});
    }
    return;
  }
  protocol::UpdateAckMsg ack{report.attempt, report.exited};
  if (!report.exited) {
    // The job is already RUNNING durably; the agent's exact start time is saved with the
    // job's next transition, so confirming a start costs no commit.
    launch_confirmed_.insert(job->id);
    if (report.start_time > 0) job->start_time = report.start_time;
    return Send(name, ack);
  }
  if (report.start_time > 0) job->start_time = report.start_time;
  std::vector<store::Mutation> batch;
  FinishAttempt(*job, report, &batch);
  RequestCycle();  // its placements join this commit: one fsync per job ending
  CommitOrDie(std::move(batch), [this, name, ack] { Send(name, ack); });
}

void Scheduler::OnOutputResponse(const std::string& node,
                                 const protocol::OutputResponseMsg& message) {
  auto it = pending_output_.find(message.request_id);
  if (it == pending_output_.end() || it->second.node != node) return;
  OutputDone done = std::move(it->second.done);
  pending_output_.erase(it);
  if (!message.error.empty()) return done(NotFoundError(message.error));
  done(OutputChunk{message.data, message.total_size});
}

void Scheduler::OnAgentDisconnected(const std::string& node_name,
                                    const AgentConnection* connection) {
  NodeEntry* node = state_.FindNode(node_name);
  if (!node || node->connection.get() != connection) return;
  node->connection.reset();
  LogInfo("scheduler", "node " + node_name + " disconnected; DOWN unless it returns within " +
                           std::to_string(options_.node_timeout.count()) + "ms");
  for (auto it = pending_output_.begin(); it != pending_output_.end();) {
    if (it->second.node != node_name) {
      ++it;
      continue;
    }
    OutputDone done = std::move(it->second.done);
    it = pending_output_.erase(it);
    done(UnavailableError("node " + node_name + " disconnected before sending the output"));
  }
}

void Scheduler::MarkNodeDown(NodeEntry& node, const std::string& why) {
  LogWarning("scheduler", "node " + node.name() + " is DOWN: " + why);
  node.record.state = NodeState::kDown;
  node.record.reason = why;
  if (node.connection) {
    node.connection->Close(why);
    node.connection.reset();
  }
  std::vector<store::Mutation> batch{store::PutNode{node.record}};
  for (JobId id : std::set<JobId>(node.jobs)) {
    FailOrRequeue(*state_.FindJob(id), std::string(reason::kNodeDown),
                  "node " + node.name() + " went down: " + why, &batch);
  }
  CommitOrDie(std::move(batch), [] {});
}

namespace {
constexpr std::string_view kHealthPrefix = "health check failed: ";
}  // namespace

void Scheduler::OnHealth(NodeEntry& node, const protocol::HealthMsg& health) {
  bool drained_for_health =
      node.record.state == NodeState::kDrain && node.record.reason.rfind(kHealthPrefix, 0) == 0;
  if (!health.ok && node.record.state == NodeState::kUp) {
    LogWarning("scheduler",
               "draining node " + node.name() + ": " + std::string(kHealthPrefix) + health.message);
    node.record.state = NodeState::kDrain;
    node.record.reason = std::string(kHealthPrefix) + health.message;
    CommitOrDie({store::PutNode{node.record}}, [] {});
  } else if (health.ok && drained_for_health) {
    LogInfo("scheduler", "node " + node.name() + " is healthy again; resuming it");
    node.record.state = NodeState::kUp;
    node.record.reason.clear();
    RequestCycle();
    CommitOrDie({store::PutNode{node.record}}, [] {});
  }
}

void Scheduler::Tick() {
  SteadyTime now = deps_.clock->SteadyNow();
  for (auto& [name, node] : state_.nodes()) {
    if (node.record.state == NodeState::kDown) continue;
    auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - node.last_heartbeat);
    if (silent > options_.node_timeout) {
      MarkNodeDown(node, "no heartbeat for " + std::to_string(silent.count()) + "ms");
    }
  }
  for (auto it = pending_output_.begin(); it != pending_output_.end();) {
    if (it->second.deadline > now) {
      ++it;
      continue;
    }
    OutputDone done = std::move(it->second.done);
    std::string node = it->second.node;
    it = pending_output_.erase(it);
    done(UnavailableError("node " + node + " did not send the output in time"));
  }
  CloseSilentEnergyBuckets();
  std::vector<store::Mutation> expired;
  credit_.ExpireDue(deps_.clock->WallMillis(), &expired);
  if (!expired.empty()) CommitOrDie(std::move(expired), [] {});
}

}  // namespace sharc::scheduler
