#include "scheduler/node_sessions.h"

#include "core/log.h"
#include "core/secret.h"

namespace sharc::scheduler {
namespace {

// Whether `job` is RUNNING attempt `attempt` with a part on node `node`: the attempt that node
// may report on.
bool IsCurrentOn(const Job* job, int32_t attempt, const std::string& node) {
  return job && job->state == JobState::kRunning && job->attempt == attempt && job->allocation &&
         job->allocation->Find(node) != nullptr;
}

constexpr std::string_view kHealthPrefix = "health check failed: ";

bool IsRevoked(const NodeEntry& node) {
  return node.record.credential_sha256 == store::kRevokedCredential;
}

// Drain and resume leave a revoked node alone: it is on its way DOWN (see RevokeNode).
Status CheckNotRevoked(const NodeEntry& node) {
  if (!IsRevoked(node)) return Status::Ok();
  return FailedPreconditionError("node " + node.name() +
                                 "'s credential was revoked: it comes back only when its agent "
                                 "joins with a new join token (sharc admin node token issue " +
                                 node.name() + ")");
}

}  // namespace

NodeSessions::NodeSessions(const SchedulerContext& context, JobLifecycle& jobs,
                           Accounting& accounting)
    : context_(context), jobs_(jobs), accounting_(accounting) {}

void NodeSessions::Restore(store::StoredState& stored) {
  join_tokens_.Restore(stored.join_tokens);
  SteadyTime now = context_.SteadyNow();
  for (store::NodeRecord& record : stored.nodes) {
    NodeEntry* node = context_.state.UpsertNode(std::move(record)).first;
    node->last_heartbeat = now;  // a fresh node_timeout to reconnect in
  }
}

void NodeSessions::Send(const std::string& node_name, const protocol::SchedulerMessage& message) {
  NodeEntry* node = context_.state.FindNode(node_name);
  if (node && node->connection) node->connection->Send(message);
}

std::optional<AgentAdmission> NodeSessions::AdmitAgent(const std::string& token) const {
  if (join_tokens_.NodeOf(token, context_.Now())) {
    return AgentAdmission{AgentAdmission::Kind::kJoinToken, token};
  }
  const std::string hash = Sha256Hex(token);
  for (const auto& [name, node] : context_.state.nodes()) {
    const std::string& expected = node.record.credential_sha256;
    if (!expected.empty() && SecretsEqual(hash, expected)) {
      return AgentAdmission{AgentAdmission::Kind::kCredential, ""};
    }
  }
  return std::nullopt;
}

std::optional<std::string> NodeSessions::JoiningAs(const AgentAdmission& admission) const {
  if (admission.kind != AgentAdmission::Kind::kJoinToken) return std::nullopt;
  return join_tokens_.NodeOf(admission.join_token, context_.Now());
}

void NodeSessions::IssueJoinToken(const Principal& who, const std::string& node,
                                  std::chrono::milliseconds lifetime,
                                  Reply<std::pair<store::JoinTokenRecord, std::string>> done) {
  std::vector<store::Mutation> batch;
  auto issued = join_tokens_.Issue(node, lifetime, context_.Now(), who.name, &batch);
  if (!issued.ok()) return done(issued.status());
  LogInfo("scheduler", "join token for node " + node + " issued by " + who.name + ", valid until " +
                           FormatRfc3339(issued->first.expires));
  // The token works once it is durable, and is shown only then.
  context_.commits.CommitOrDie(std::move(batch),
                               [done = std::move(done), issued = *issued] { done(issued); });
}

Status NodeSessions::OnAgentRegister(const protocol::RegisterMsg& message,
                                     std::shared_ptr<AgentConnection> connection,
                                     const AgentAdmission& admission) {
  if (message.protocol_version != protocol::kProtocolVersion) {
    return InvalidArgumentError("protocol version " + std::to_string(message.protocol_version) +
                                " is not supported; this scheduler speaks " +
                                std::to_string(protocol::kProtocolVersion));
  }
  const std::string& name = message.inventory.name;
  NodeEntry* existing = context_.state.FindNode(name);
  SHARC_RETURN_IF_ERROR(CheckNodeIdentity(existing, message, *connection, admission));
  const bool joining = JoiningAs(admission).has_value();
  store::NodeRecord record;
  record.inventory = message.inventory;
  record.last_seen = context_.Now();
  std::string issued;  // a credential issued now, sent in RegisteredMsg
  if (existing && existing->connection && existing->connection != connection) {
    // The node's own agent (its credential proven), back before its old connection ended.
    existing->connection->Close("replaced by a newer connection from the same node");
  }
  if (existing && !existing->record.credential_sha256.empty() && !joining) {
    record.credential_sha256 = existing->record.credential_sha256;
  } else {
    issued = NewToken();
    record.credential_sha256 = Sha256Hex(issued);
  }
  if (joining) {
    std::vector<store::Mutation> used;
    join_tokens_.Consume(name, &used);
    context_.commits.CommitOrDie(std::move(used), [] {});
    LogInfo("scheduler", "node " + name + " joined with its join token (now used up)");
  }
  // A node revoked and let back with a new join token returns UP, as from DOWN.
  if (existing && existing->record.state == NodeState::kDrain && !IsRevoked(*existing)) {
    record.state = NodeState::kDrain;
    record.reason = existing->record.reason;
  }
  auto [node, allocations_fit] = context_.state.UpsertNode(record);
  if (!allocations_fit) {
    LogWarning("scheduler", "node " + name +
                                " re-registered with hardware that lacks CPUs or GPUs its "
                                "running jobs hold");
  }
  node->connection = std::move(connection);
  node->last_heartbeat = context_.SteadyNow();
  node->heard_since_start = true;
  context_.state.SyncNode(*node);
  accounting_.NodeRestarted(name);
  const SchedulerOptions& options = context_.options;
  node->connection->Send(protocol::RegisteredMsg{options.heartbeat_interval.count(),
                                                 options.fence_after.count(), issued});
  LogInfo("scheduler", "node " + name + " registered (" +
                           std::to_string(node->topology->pus.size()) + " CPUs, " +
                           std::to_string(node->topology->gpus.size()) + " GPUs, " +
                           std::to_string(message.attempts.size()) + " attempts reported)");
  ReconcileAttempts(*node, message.attempts);
  return Status::Ok();
}

Status NodeSessions::CheckNodeIdentity(const NodeEntry* existing,
                                       const protocol::RegisterMsg& message,
                                       const AgentConnection& connection,
                                       const AgentAdmission& admission) const {
  const std::string& name = message.inventory.name;
  const bool development = admission.kind == AgentAdmission::Kind::kDevelopment;
  if (admission.kind == AgentAdmission::Kind::kJoinToken) {
    std::optional<std::string> joining = JoiningAs(admission);
    if (!joining) {
      return PermissionDeniedError(
          "this agent's join token is no longer valid (it expired or was used)");
    }
    if (*joining != name) {
      return PermissionDeniedError("this agent's join token is for node " + *joining + ", not " +
                                   name + "; issue one for " + name +
                                   " (sharc admin node token issue " + name + ")");
    }
    if (existing && existing->connection && existing->connection.get() != &connection) {
      return FailedPreconditionError(
          "node " + name +
          " is connected; a join token sets up a node whose agent is not (if the agent is gone, "
          "the scheduler notices within agents.node_timeout)");
    }
    return Status::Ok();  // it gets a new credential, and the token is used up
  }
  if (existing && IsRevoked(*existing)) {
    // Not even development mode (loopback, the join secret) brings a revoked node back.
    return PermissionDeniedError(
        "node " + name +
        "'s credential was revoked: only an agent with a new join token joins as it (sharc admin "
        "node token issue " +
        name +
        "; on the node, put it in join_token_file and remove <state_dir>/node-credential, the "
        "revoked one)");
  }
  if (!existing || existing->record.credential_sha256.empty()) {
    if (development) {
      if (!existing) return Status::Ok();  // a new node: it gets its credential now
    } else {
      return PermissionDeniedError(
          "node " + name +
          " has no credential yet: its agent joins with a join token (an admin or operator "
          "runs: sharc admin node token issue " +
          name + "; the agent reads it from join_token_file)");
    }
  }
  const std::string& expected = existing->record.credential_sha256;
  const bool proven = !expected.empty() && !message.credential.empty() &&
                      SecretsEqual(Sha256Hex(message.credential), expected);
  if (existing->connection && existing->connection.get() != &connection && !proven) {
    // Never let another agent take over a node: the first one's jobs would be requeued and
    // their launches (environments included) sent to the newcomer.
    return FailedPreconditionError(
        "node " + name +
        " is already connected; another agent registering as it is refused unless it presents "
        "the node's credential (if the first agent is gone, the scheduler notices within "
        "agents.node_timeout)");
  }
  if (expected.empty() || proven) return Status::Ok();  // no credential yet, or reset
  if (message.credential.empty()) {
    return PermissionDeniedError(
        "node " + name +
        " has its own credential since it first joined, and this agent presented none (an "
        "agent keeps it in <state_dir>/node-credential); if the node lost it, an admin can "
        "issue it a join token: sharc admin node token issue " +
        name);
  }
  return PermissionDeniedError("node " + name +
                               ": the credential this agent presented is not the node's");
}

void NodeSessions::RevokeNode(const Principal& who, const std::string& name, NodeDone done) {
  NodeEntry* node = context_.state.FindNode(name);
  if (!node) return done(NotFoundError("node '" + name + "' not found"));
  node->record.credential_sha256 = std::string(store::kRevokedCredential);
  std::vector<store::Mutation> batch;
  join_tokens_.Consume(name, &batch);
  LogWarning("scheduler", "node " + name + ": credential revoked by " + who.name +
                              "; only an agent with a new join token joins as it again");
  if (node->record.state != NodeState::kDown) {
    // Cut off at once: nothing new is placed on it, and nothing it says is heard. Its jobs may
    // still run there until its agent (or, without one, each job's monitor) stops them
    // fence_after after its last word from here, so they are requeued only when Tick finds
    // it silent for node_timeout, as for any node that falls silent: never beside their
    // successors.
    node->record.state = NodeState::kDrain;
    node->record.reason = "credential revoked by " + who.name;
    if (node->connection) {
      node->connection->Close(node->record.reason);
      node->connection.reset();
    }
    FailPendingOutput(name, "node " + name + " was revoked before sending the output");
    LogWarning("scheduler", "node " + name + " is cut off; DOWN, and its " +
                                std::to_string(context_.state.JobsOn(*node).size()) +
                                " job(s) requeued, once it has been silent for " +
                                std::to_string(context_.options.node_timeout.count()) +
                                "ms (its agent stops them first)");
  }
  context_.state.SyncNode(*node);
  batch.push_back(store::PutNode{node->record});
  context_.commits.CommitOrDie(std::move(batch), [this, name, done = std::move(done)] {
    done(StatusOf(*context_.state.FindNode(name)));
  });
}

void NodeSessions::ReconcileAttempts(NodeEntry& node,
                                     const std::vector<protocol::AttemptReport>& reports) {
  std::vector<store::Mutation> batch{store::PutNode{node.record}};
  std::vector<protocol::UpdateAckMsg> acks;
  std::vector<JobId> relaunch;
  std::set<JobId> reported;
  for (const protocol::AttemptReport& report : reports) {
    reported.insert(report.attempt.job);
    Job* job = context_.state.FindJob(report.attempt.job);
    if (!IsCurrentOn(job, report.attempt.attempt, node.name())) {
      // Fenced: an attempt the scheduler no longer runs here. Kill it if alive; forget it
      // (a gang's rank that ended after its job did is kept first, acknowledged on commit).
      if (!report.exited) {
        Send(node.name(), protocol::KillMsg{report.attempt, protocol::KillReason::kStale});
      } else if (job && jobs_.KeepLateRankExit(*job, node.name(), report, &batch)) {
        acks.push_back({report.attempt, true});
      } else {
        Send(node.name(), protocol::UpdateAckMsg{report.attempt, true});
      }
      continue;
    }
    if (report.exited) {
      jobs_.FinishRank(*job, node.name(), report, &batch);
    } else {
      jobs_.ConfirmLaunch(job->id);
      if (job->cancel_requested) {
        Send(node.name(), protocol::KillMsg{report.attempt, protocol::KillReason::kCancel});
      }
    }
    acks.push_back({report.attempt, report.exited});
  }
  ReconcileUnreported(node, reported, &batch, &relaunch);
  std::string name = node.name();
  context_.commits.CommitOrDie(
      std::move(batch), [this, name, acks = std::move(acks), relaunch = std::move(relaunch)] {
        for (const protocol::UpdateAckMsg& ack : acks) Send(name, ack);
        for (JobId id : relaunch) {
          const Job* job = context_.state.FindJob(id);
          if (job && IsCurrentOn(job, job->attempt, name)) jobs_.SendLaunch(*job, &name);
        }
        context_.cycles.RequestCycle();
      });
}

void NodeSessions::ReconcileUnreported(NodeEntry& node, const std::set<JobId>& reported,
                                       std::vector<store::Mutation>* batch,
                                       std::vector<JobId>* relaunch) {
  std::vector<JobId> placed = context_.state.JobsOn(node);  // a copy: ending jobs change it
  for (JobId id : placed) {
    if (reported.count(id)) continue;
    Job& job = *context_.state.FindJob(id);
    if (jobs_.LaunchConfirmed(id)) {
      jobs_.FailOrRequeue(
          job, std::string(reason::kNodeLostJob),
          "node " + node.name() + " no longer knows attempt " + std::to_string(job.attempt), batch);
    } else if (job.cancel_requested) {
      jobs_.EndJob(job, JobState::kCancelled, std::string(reason::kCancelledByUser), "", batch);
    } else if (job.preempt_requested) {
      jobs_.RequeueJob(job, std::string(reason::kPreempted), job.message + " (before it started)",
                       batch);
    } else {
      relaunch->push_back(id);  // the launch never reached the agent: sending it again is safe
    }
  }
}

void NodeSessions::OnAgentMessage(const std::string& node_name,
                                  const protocol::AgentMessage& message) {
  NodeEntry* node = context_.state.FindNode(node_name);
  if (!node) return;
  node->last_heartbeat = context_.SteadyNow();
  node->heard_since_start = true;
  node->record.last_seen = context_.Now();
  if (const auto* heartbeat = std::get_if<protocol::HeartbeatMsg>(&message)) {
    if (node->connection) node->connection->Send(protocol::HeartbeatAckMsg{});
    if (heartbeat->sample) accounting_.OnNodeSample(*node, *heartbeat->sample);
  } else if (const auto* update = std::get_if<protocol::JobUpdateMsg>(&message)) {
    OnJobUpdate(*node, update->report);
  } else if (const auto* health = std::get_if<protocol::HealthMsg>(&message)) {
    OnHealth(*node, *health);
  } else if (const auto* output = std::get_if<protocol::OutputResponseMsg>(&message)) {
    OnOutputResponse(node_name, *output);
  } else if (std::holds_alternative<protocol::RegisterMsg>(message)) {
    LogWarning("scheduler", "node " + node_name + " registered twice on one connection");
    if (context_.deps.metrics) context_.deps.metrics->CountRejectedAgentMessage();
  }
}

void NodeSessions::OnJobUpdate(NodeEntry& node, const protocol::AttemptReport& report) {
  Job* job = context_.state.FindJob(report.attempt.job);
  std::string name = node.name();
  if (!IsCurrentOn(job, report.attempt.attempt, name)) {
    std::vector<store::Mutation> late;
    if (!report.exited) {
      Send(name, protocol::KillMsg{report.attempt, protocol::KillReason::kStale});
    } else if (job && jobs_.KeepLateRankExit(*job, name, report, &late)) {
      protocol::UpdateAckMsg ack{report.attempt, true};
      context_.commits.CommitOrDie(std::move(late), [this, name, ack] { Send(name, ack); });
    } else {
      Send(name, protocol::UpdateAckMsg{report.attempt, true});
    }
    return;
  }
  protocol::UpdateAckMsg ack{report.attempt, report.exited};
  if (!report.exited) {
    // The job is already RUNNING durably; the agent's exact start time is saved with the
    // job's next transition, so confirming a start costs no commit.
    jobs_.ConfirmLaunch(job->id);
    if (report.start_time > 0) job->start_time = report.start_time;
    return Send(name, ack);
  }
  if (report.start_time > 0) job->start_time = report.start_time;
  std::vector<store::Mutation> batch;
  jobs_.FinishRank(*job, name, report, &batch);  // its end asks for a cycle: one fsync for both
  context_.commits.CommitOrDie(std::move(batch), [this, name, ack] { Send(name, ack); });
}

void NodeSessions::OnOutputResponse(const std::string& node,
                                    const protocol::OutputResponseMsg& message) {
  auto it = pending_output_.find(message.request_id);
  if (it == pending_output_.end() || it->second.node != node) return;
  OutputDone done = std::move(it->second.done);
  pending_output_.erase(it);
  if (!message.error.empty()) return done(NotFoundError(message.error));
  done(OutputChunk{message.data, message.total_size});
}

void NodeSessions::FailPendingOutput(const std::string& node, const std::string& why) {
  for (auto it = pending_output_.begin(); it != pending_output_.end();) {
    if (it->second.node != node) {
      ++it;
      continue;
    }
    OutputDone done = std::move(it->second.done);
    it = pending_output_.erase(it);
    done(UnavailableError(why));
  }
}

void NodeSessions::OnAgentDisconnected(const std::string& node_name,
                                       const AgentConnection* connection) {
  NodeEntry* node = context_.state.FindNode(node_name);
  if (!node || node->connection.get() != connection) return;
  node->connection.reset();
  context_.state.SyncNode(*node);
  LogInfo("scheduler", "node " + node_name + " disconnected; DOWN unless it returns within " +
                           std::to_string(context_.options.node_timeout.count()) + "ms");
  FailPendingOutput(node_name, "node " + node_name + " disconnected before sending the output");
}

void NodeSessions::MarkNodeDown(NodeEntry& node, const std::string& why) {
  LogWarning("scheduler", "node " + node.name() + " is DOWN: " + why);
  node.record.state = NodeState::kDown;
  node.record.reason = why;
  if (node.connection) {
    node.connection->Close(why);
    node.connection.reset();
  }
  context_.state.SyncNode(node);
  std::vector<store::Mutation> batch{store::PutNode{node.record}};
  std::vector<JobId> placed = context_.state.JobsOn(node);  // a copy: ending jobs change it
  for (JobId id : placed) {
    jobs_.FailOrRequeue(*context_.state.FindJob(id), std::string(reason::kNodeDown),
                        "node " + node.name() + " went down: " + why, &batch);
  }
  context_.commits.CommitOrDie(std::move(batch), [] {});
}

void NodeSessions::OnHealth(NodeEntry& node, const protocol::HealthMsg& health) {
  bool drained_for_health =
      node.record.state == NodeState::kDrain && node.record.reason.rfind(kHealthPrefix, 0) == 0;
  if (!health.ok && node.record.state == NodeState::kUp) {
    LogWarning("scheduler",
               "draining node " + node.name() + ": " + std::string(kHealthPrefix) + health.message);
    node.record.state = NodeState::kDrain;
    node.record.reason = std::string(kHealthPrefix) + health.message;
  } else if (health.ok && drained_for_health) {
    LogInfo("scheduler", "node " + node.name() + " is healthy again; resuming it");
    node.record.state = NodeState::kUp;
    node.record.reason.clear();
    context_.cycles.RequestCycle();
  } else {
    return;
  }
  context_.state.SyncNode(node);
  context_.commits.CommitOrDie({store::PutNode{node.record}}, [] {});
}

void NodeSessions::Tick() {
  SteadyTime now = context_.SteadyNow();
  for (auto& [name, node] : context_.state.nodes()) {
    if (node.record.state == NodeState::kDown) continue;
    auto silent = std::chrono::duration_cast<std::chrono::milliseconds>(now - node.last_heartbeat);
    if (silent > context_.options.node_timeout) {
      MarkNodeDown(node, IsRevoked(node)
                             ? node.record.reason
                             : "no heartbeat for " + std::to_string(silent.count()) + "ms");
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
}

NodeStatus NodeSessions::StatusOf(const NodeEntry& node) const {
  NodeStatus status;
  status.record = node.record;
  status.connected = node.connection != nullptr;
  status.capacity = node.topology->Capacity();
  status.allocated = context_.state.AllocatedOn(node);
  status.running_jobs = context_.state.JobsOn(node).size();
  status.heartbeat_age = node.HeartbeatAge(context_.SteadyNow(), context_.Now());
  return status;
}

std::vector<NodeStatus> NodeSessions::ListNodes() const {
  std::vector<NodeStatus> out;
  for (const auto& [name, node] : context_.state.nodes()) out.push_back(StatusOf(node));
  return out;
}

void NodeSessions::DrainNode(const Principal& who, const std::string& name, std::string why,
                             NodeDone done) {
  NodeEntry* node = context_.state.FindNode(name);
  if (!node) return done(NotFoundError("node '" + name + "' not found"));
  if (why.empty() || why.size() > 256) {
    return done(InvalidArgumentError("reason: say why, in 1 to 256 characters"));
  }
  if (Status revoked = CheckNotRevoked(*node); !revoked.ok()) return done(revoked);
  if (node->record.state == NodeState::kDown) {
    return done(FailedPreconditionError("node " + name + " is DOWN; drain it once it is back"));
  }
  node->record.state = NodeState::kDrain;
  node->record.reason = std::move(why);
  context_.state.SyncNode(*node);
  LogInfo("scheduler", "node " + name + " drained by " + who.name + ": " + node->record.reason);
  context_.commits.CommitOrDie(
      {store::PutNode{node->record}},
      [this, name, done = std::move(done)] { done(StatusOf(*context_.state.FindNode(name))); });
}

void NodeSessions::ResumeNode(const Principal& who, const std::string& name, NodeDone done) {
  NodeEntry* node = context_.state.FindNode(name);
  if (!node) return done(NotFoundError("node '" + name + "' not found"));
  if (Status revoked = CheckNotRevoked(*node); !revoked.ok()) return done(revoked);
  if (node->record.state != NodeState::kDrain) {
    return done(FailedPreconditionError("node " + name + " is " +
                                        std::string(NodeStateName(node->record.state)) +
                                        ", not drained"));
  }
  node->record.state = NodeState::kUp;
  node->record.reason.clear();
  context_.state.SyncNode(*node);
  LogInfo("scheduler", "node " + name + " resumed by " + who.name);
  context_.cycles.RequestCycle();
  context_.commits.CommitOrDie(
      {store::PutNode{node->record}},
      [this, name, done = std::move(done)] { done(StatusOf(*context_.state.FindNode(name))); });
}

void NodeSessions::ReadOutput(const Principal& who, JobId id, const std::string& stream,
                              int64_t rank, int64_t offset, int64_t limit, OutputDone done) {
  if (stream != "stdout" && stream != "stderr") {
    return done(InvalidArgumentError("stream: must be 'stdout' or 'stderr'"));
  }
  OutputRange range{stream, rank, offset, limit};
  if (const Job* job = context_.state.FindJob(id)) {
    if (!who.CanAccess(job->tenant)) return done(JobNotFound(id));
    return ReadOutputOf(*job, range, std::move(done));
  }
  std::optional<EvictedJob> evicted = context_.state.evicted().Find(id);
  if (!evicted || !who.CanAccess(*evicted->tenant)) return done(JobNotFound(id));
  store::Store* store = context_.deps.store;
  InBackground<std::optional<Job>>(
      context_, [store, id] { return store->ReadJob(id); },
      [this, id, range, done = std::move(done)](StatusOr<std::optional<Job>> job) mutable {
        if (!job.ok()) return done(job.status());
        if (!*job) return done(JobNotFound(id));
        ReadOutputOf(**job, range, std::move(done));
      });
}

void NodeSessions::ReadOutputOf(const Job& job, const OutputRange& range, OutputDone done) {
  const JobId id = job.id;
  const int64_t rank = range.rank;
  if (!job.allocation) {
    return done(FailedPreconditionError("job " + std::to_string(id.value) +
                                        " has not started, so it has no output yet"));
  }
  const int64_t ranks = static_cast<int64_t>(job.allocation->nodes.size());
  if (rank < 0 || rank >= ranks) {
    return done(InvalidArgumentError(
        "rank: job " + std::to_string(id.value) + " has " +
        (ranks == 1 ? std::string("one rank (0)")
                    : std::to_string(ranks) + " ranks (0-" + std::to_string(ranks - 1) + ")")));
  }
  const std::string& node_name = job.allocation->nodes[rank].node;
  const NodeEntry* node = context_.state.FindNode(node_name);
  if (!node || !node->connection) {
    return done(UnavailableError("node " + node_name + " is not connected; job " +
                                 std::to_string(id.value) + "'s output is kept on that node"));
  }
  int64_t request_id = next_output_request_++;
  pending_output_[request_id] = {node_name, std::move(done),
                                 context_.SteadyNow() + context_.options.output_timeout};
  Send(node_name, protocol::OutputRequestMsg{request_id, job.current_attempt(), range.stream,
                                             range.offset, range.limit});
}

}  // namespace sharc::scheduler
