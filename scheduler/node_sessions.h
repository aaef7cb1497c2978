// Node sessions: agents registering and reconciling the attempts they run, heartbeats, health,
// liveness, drain and resume, and proxying job output from the node that keeps it.
//
//   - Node identity: a node's first registration issues its agent a credential of its own
//     (RegisteredMsg::credential; the store keeps its hash). Later registrations as that node
//     must present it; one that does replaces the node's older connection (its agent came
//     back before the old one ended). Without it, or while a node without a credential yet is
//     connected, a registration is refused: an agent holding only the join secret cannot take
//     over a node, its jobs or their launches.
//   - Joining: an agent admitted with a node's one-time join token (join_tokens.h) may register
//     as that node only; it gets a new credential (replacing a lost one: the node must be
//     disconnected) and the token is used up. A node without a credential yet accepts other
//     agents only in development mode (AgentAdmission::kDevelopment: the shared join secret, or
//     loopback without one).
//   - Revoking (RevokeNode): the node's credential and join token stop working at once; a
//     connected node is cut off and DOWN, its jobs failed or requeued.
//   - Registration records the node (UP unless drained) and reconciles: attempts the node runs that
//   the scheduler still runs there are
//     adopted; others are killed (fenced); attempts the scheduler placed there that the node
//     does not know are failed or requeued if they had started, else launched again.
//   - A node silent for node_timeout becomes DOWN and its RUNNING jobs fail or are requeued.
//   - A failed health check drains the node; passing again resumes it (an operator's drain
//     stays until an operator resumes it).
// State thread only.
#ifndef SHARC_SCHEDULER_NODE_SESSIONS_H_
#define SHARC_SCHEDULER_NODE_SESSIONS_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "protocol/agent_messages.h"
#include "scheduler/accounting.h"
#include "scheduler/auth.h"
#include "scheduler/job_lifecycle.h"
#include "scheduler/join_tokens.h"
#include "scheduler/scheduler_context.h"

namespace sharc::scheduler {

struct OutputChunk {
  std::string data;
  int64_t total_size = 0;
};

// A node as `sharc nodes` shows it.
struct NodeStatus {
  store::NodeRecord record;
  bool connected = false;
  Resources capacity;
  Resources allocated;
  size_t running_jobs = 0;
  std::chrono::milliseconds heartbeat_age{0};
};

// How the agent hub admitted an agent's connection (agent_hub.h).
struct AgentAdmission {
  enum class Kind {
    kDevelopment,  // the shared join secret, or loopback when none is set
    kJoinToken,    // a node's one-time join token (`join_token`)
    kCredential,   // a node's credential; the registration must present it too
  };
  Kind kind = Kind::kDevelopment;
  std::string join_token;
};

class NodeSessions final : public AgentLink {
 public:
  NodeSessions(const SchedulerContext& context, JobLifecycle& jobs, Accounting& accounting);

  // Loads the known nodes; each starts disconnected with a fresh node_timeout to reconnect in.
  void Restore(store::StoredState& stored);

  // --- The agent hub ---
  // Accepts a registration (see above). On error the hub closes the connection with it.
  Status OnAgentRegister(const protocol::RegisterMsg& message,
                         std::shared_ptr<AgentConnection> connection,
                         const AgentAdmission& admission = {});
  // Whether `token` may open an agent connection: a join token that has not expired, or a
  // known node's credential. The registration that follows is checked as above.
  std::optional<AgentAdmission> AdmitAgent(const std::string& token) const;
  // A message from the connection registered as `node`.
  void OnAgentMessage(const std::string& node, const protocol::AgentMessage& message);
  void OnAgentDisconnected(const std::string& node, const AgentConnection* connection);
  void Send(const std::string& node, const protocol::SchedulerMessage& message) override;

  // --- Requests, authorized by the REST pipeline (rest_api.h); `who` is named in the log ---
  std::vector<NodeStatus> ListNodes() const;
  using NodeDone = std::function<void(StatusOr<NodeStatus>)>;
  // Stop placing jobs on a node (running ones finish) / undo it.
  void DrainNode(const Principal& who, const std::string& node, std::string reason, NodeDone done);
  void ResumeNode(const Principal& who, const std::string& node, NodeDone done);
  // Cuts the node off now: forgets its credential and any join token issued for it, and, if
  // it is connected, closes its connection and marks it DOWN ("revoked by <who>"), its jobs
  // failed or requeued as for any node that went down. Only an agent with a new join token
  // joins as the node again (or, in development mode, any admitted agent).
  void RevokeNode(const Principal& who, const std::string& node, NodeDone done);
  // A one-time join token for `node` (which need not exist yet), valid for `lifetime`; the
  // token itself is in the result's second, shown only now.
  void IssueJoinToken(const Principal& who, const std::string& node,
                      std::chrono::milliseconds lifetime,
                      Reply<std::pair<store::JoinTokenRecord, std::string>> done);
  using OutputDone = std::function<void(StatusOr<OutputChunk>)>;
  // A job's output of rank `rank` (0 for a single-node job), from that rank's node, which
  // keeps it. A job no longer held in memory is first read from the store.
  void ReadOutput(const Principal& who, JobId id, const std::string& stream, int64_t rank,
                  int64_t offset, int64_t limit, OutputDone done);

  // Checks heartbeat deadlines and output-request timeouts. Call every ~heartbeat/4.
  void Tick();

 private:
  struct OutputRange {
    std::string stream;
    int64_t rank = 0, offset = 0, limit = 0;
  };
  // ReadOutput of a job found (held, or read from the store).
  void ReadOutputOf(const Job& job, const OutputRange& range, OutputDone done);

  struct PendingOutput {
    std::string node;
    OutputDone done;
    SteadyTime deadline;
  };
  NodeStatus StatusOf(const NodeEntry& node) const;
  // OK if `message` may register as its node on `connection` (see Node identity above).
  Status CheckNodeIdentity(const NodeEntry* existing, const protocol::RegisterMsg& message,
                           const AgentConnection& connection,
                           const AgentAdmission& admission) const;
  // The node a join-token admission is for; nullopt for other admissions (or a token that
  // expired since).
  std::optional<std::string> JoiningAs(const AgentAdmission& admission) const;
  void ReconcileAttempts(NodeEntry& node, const std::vector<protocol::AttemptReport>& reports);
  // Attempts the scheduler placed on `node` that its agent did not report (see above).
  void ReconcileUnreported(NodeEntry& node, const std::set<JobId>& reported,
                           std::vector<store::Mutation>* batch, std::vector<JobId>* relaunch);
  void OnJobUpdate(NodeEntry& node, const protocol::AttemptReport& report);
  void OnHealth(NodeEntry& node, const protocol::HealthMsg& health);
  void OnOutputResponse(const std::string& node, const protocol::OutputResponseMsg& message);
  void MarkNodeDown(NodeEntry& node, const std::string& why);
  void FailPendingOutput(const std::string& node, const std::string& why);

  const SchedulerContext& context_;
  JobLifecycle& jobs_;
  Accounting& accounting_;
  JoinTokens join_tokens_;
  int64_t next_output_request_ = 1;
  std::map<int64_t, PendingOutput> pending_output_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_NODE_SESSIONS_H_
