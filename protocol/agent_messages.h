// The messages agents and the scheduler exchange over the agent channel (a WebSocket on the
// scheduler's port, path /v1/agent/connect, authenticated by the node join secret).
//
// Each message is one JSON text frame {"v":2,"type":"<type>",...} (v: kProtocolVersion).
// Every message is idempotent: re-sending one after a reconnect is always safe.
//
//   agent -> scheduler                       scheduler -> agent
//   register   inventory + every attempt     registered   session accepted
//              the agent knows               launch       start an attempt
//   heartbeat  liveness (every ~1 s)         heartbeat_ack  the scheduler heard it
//   job_update an attempt started/exited     kill         end an attempt (fenced)
//   health     the node's health check       update_ack   the update is durable; forget it
//   output_response                          output_request  read a job's stdout/stderr
//
// Self-fencing: an agent that has heard no heartbeat_ack for fence_after_ms kills its running
// attempts (the scheduler declares the node DOWN and requeues them only after its
// node_timeout, which is longer), so one attempt never runs while its requeued successor
// does.
//
// Fencing: launch, kill and job_update name an AttemptId (job id, attempt). An agent refuses
// a launch older than an attempt it already ran for that job; the scheduler ignores updates
// about an attempt that is not the job's current one on that node and orders it killed.
#ifndef SHARC_PROTOCOL_AGENT_MESSAGES_H_
#define SHARC_PROTOCOL_AGENT_MESSAGES_H_

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "core/job.h"
#include "core/node.h"

namespace sharc::protocol {

// Version 2: a launch carries the job's whole allocation (a list of per-node parts) and the
// receiver's rank instead of one node's flat fields. Both sides must speak the same version;
// the scheduler refuses to register an agent that speaks another.
inline constexpr int kProtocolVersion = 2;
inline constexpr std::string_view kAgentChannelPath = "/v1/agent/connect";

// How an attempt ended, as the agent knows it.
enum class AttemptEnding {
  kNone,          // still running, or exited on its own
  kCancelled,     // killed because the scheduler said cancel
  kTimeLimit,     // killed at its walltime
  kKilled,        // killed for another reason (stale attempt, node shutdown)
  kPreempted,     // killed because the scheduler preempted it
  kLaunchFailed,  // never started (bad program, no such directory...)
};
std::string_view AttemptEndingName(AttemptEnding ending);

// The state of one attempt on a node.
struct AttemptReport {
  AttemptId attempt;
  bool exited = false;
  UnixMillis start_time = 0;
  UnixMillis end_time = 0;           // when exited
  std::optional<int32_t> exit_code;  // when it exited normally
  std::optional<int32_t> signal;     // when a signal ended it
  AttemptEnding ending = AttemptEnding::kNone;
  std::string message;  // e.g. "exec: No such file or directory"
  // From the attempt's cgroup, when it exited (0 when not measured).
  int64_t cpu_time_ms = 0;
  int64_t peak_memory_bytes = 0;
  bool oom_killed = false;
  // Energy attributed to the attempt so far (agent/energy/attribution.h), in microjoules: its
  // share of the CPU packages' energy (package and DRAM domains) and its GPUs' energy.
  int64_t cpu_energy_uj = 0;
  int64_t gpu_energy_uj = 0;
  friend bool operator==(const AttemptReport&, const AttemptReport&) = default;
};

// Agent -> scheduler.
struct RegisterMsg {
  int protocol_version = kProtocolVersion;
  NodeInventory inventory;
  std::vector<AttemptReport> attempts;  // running ones and exited ones not yet acknowledged
  // The node's own credential (RegisteredMsg::credential from its first join); "" before
  // it has one. Encoded only when set; at most kMaxNodeCredentialBytes.
  std::string credential;
};
inline constexpr size_t kMaxNodeCredentialBytes = 256;
// What the node measured, sent with heartbeats. Energy figures are counters since the agent
// process started (agent_start_time): a new start time means they began again from zero.
struct NodeSample {
  UnixMillis agent_start_time = 0;
  int64_t cpu_used_millis = 0;    // CPUs busy over the last interval, in milli-CPUs
  int64_t memory_used_bytes = 0;  // total minus available
  int64_t cpu_energy_uj = 0;      // package + DRAM domains
  int64_t gpu_energy_uj = 0;
  int64_t idle_energy_uj = 0;     // the part of both no job is charged for
  std::string cpu_energy_source;  // "rapl" or "model"
  std::string gpu_energy_source;  // "nvml", "model", or "" when the node has no GPUs
  friend bool operator==(const NodeSample&, const NodeSample&) = default;
};
struct HeartbeatMsg {
  std::optional<NodeSample> sample;  // absent until the agent has measured an interval
};
// The result of the node's health-check command: when it fails, the scheduler drains the
// node with `message` as the reason; when it passes again, a node drained for its health is
// resumed.
struct HealthMsg {
  bool ok = true;
  std::string message;  // the check's output (trimmed) or why it could not run
};
struct JobUpdateMsg {
  AttemptReport report;
};
struct OutputResponseMsg {
  int64_t request_id = 0;
  std::string error;  // "" on success
  std::string data;   // raw bytes (base64 on the wire)
  int64_t total_size = 0;
};

// Scheduler -> agent.
struct RegisteredMsg {
  int64_t heartbeat_interval_ms = 1000;
  // Kill running attempts after this long without a heartbeat_ack (0 = never).
  int64_t fence_after_ms = 0;
  // Set when the scheduler issues the node its own credential (its first join, or the first
  // after an admin reset it): the agent keeps it and presents it in every later register.
  std::string credential;
};
struct HeartbeatAckMsg {};
// The job's whole allocation goes to each of its nodes, with the index of the receiver's part.
struct LaunchMsg {
  AttemptId attempt;
  std::string tenant;
  JobSpec spec;
  Allocation allocation;  // every node's part
  int32_t rank = 0;       // the receiving node's part: an index of allocation.nodes
  // A task of a job array: the array's id and the task's index (0 and 0 otherwise). Encoded
  // as "array_job_id" and "array_task_id", left out for other jobs.
  JobId array_job;
  int64_t array_task = 0;

  // The part at `rank`, or nullptr if rank is not an index of allocation.nodes. The agent
  // also checks that the part names it (agent/attempt_setup.h, LocalPart).
  const NodeAllocation* part() const;
};
enum class KillReason { kCancel, kStale, kPreempt };
struct KillMsg {
  AttemptId attempt;
  KillReason reason = KillReason::kCancel;
};
struct UpdateAckMsg {
  AttemptId attempt;
  bool exited = false;
};
struct OutputRequestMsg {
  int64_t request_id = 0;
  AttemptId attempt;
  std::string stream;  // "stdout" or "stderr"
  int64_t offset = 0;
  int64_t limit = 0;
};

using AgentMessage =
    std::variant<RegisterMsg, HeartbeatMsg, JobUpdateMsg, OutputResponseMsg, HealthMsg>;
using SchedulerMessage = std::variant<RegisteredMsg, LaunchMsg, KillMsg, UpdateAckMsg,
                                      OutputRequestMsg, HeartbeatAckMsg>;

inline constexpr size_t kMaxAgentMessageBytes = 8 << 20;

std::string EncodeAgentMessage(const AgentMessage& message);
std::string EncodeSchedulerMessage(const SchedulerMessage& message);
// Never throws; InvalidArgument names the offending field.
StatusOr<AgentMessage> DecodeAgentMessage(std::string_view text);
StatusOr<SchedulerMessage> DecodeSchedulerMessage(std::string_view text);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_AGENT_MESSAGES_H_
