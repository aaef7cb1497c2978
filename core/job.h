// Jobs: what a tenant asks for (JobSpec), what the scheduler granted (Allocation), and the
// job's lifecycle (JobState and its legal transitions).
//
//   PENDING -> RUNNING -> COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | PREEMPTED
//   PENDING -> CANCELLED
//   RUNNING -> PENDING   (requeue: same id, attempt + 1)
#ifndef SHARC_CORE_JOB_H_
#define SHARC_CORE_JOB_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/resources.h"
#include "core/status.h"

namespace sharc {

enum class JobState {
  kPending,
  kRunning,
  kCompleted,
  kFailed,
  kCancelled,
  kTimeout,
  kNodeFail,
  kPreempted,
};

std::string_view JobStateName(JobState state);  // "PENDING", "NODE_FAIL", ...
std::optional<JobState> ParseJobState(std::string_view name);
bool IsTerminal(JobState state);
// OK if `from -> to` is an edge of the lifecycle above; FailedPrecondition otherwise.
Status CheckTransition(JobState from, JobState to);

// Why a job is in its state, as a short upper-case code people and scripts can match on.
namespace reason {
inline constexpr std::string_view kResources = "RESOURCES";        // pending: waiting for room
inline constexpr std::string_view kNoNodes = "NO_NODES";           // pending: no node is up
inline constexpr std::string_view kUnsatisfiable = "UNSATISFIABLE";  // pending: no node could
inline constexpr std::string_view kCancelRequested = "CANCEL_REQUESTED";  // running, ending
inline constexpr std::string_view kCancelledByUser = "CANCELLED_BY_USER";
inline constexpr std::string_view kTimeLimit = "TIME_LIMIT";
inline constexpr std::string_view kNonZeroExit = "NON_ZERO_EXIT";
inline constexpr std::string_view kSignaled = "SIGNALED";
inline constexpr std::string_view kLaunchFailed = "LAUNCH_FAILED";
inline constexpr std::string_view kNodeDown = "NODE_DOWN";
inline constexpr std::string_view kNodeLostJob = "NODE_LOST_JOB";
// Pending because of the tenant: quotas and credit.
inline constexpr std::string_view kTenantDisabled = "TENANT_DISABLED";
inline constexpr std::string_view kQuotaRunningJobs = "QUOTA_RUNNING_JOBS";
inline constexpr std::string_view kQuotaMax = "QUOTA_MAX";
inline constexpr std::string_view kNoIdleCapacity = "NO_IDLE_CAPACITY";  // nothing to borrow
inline constexpr std::string_view kReclaiming = "RECLAIMING";  // borrowers are being preempted
inline constexpr std::string_view kInsufficientCredit = "INSUFFICIENT_CREDIT";
// Running, being stopped to give capacity back to a tenant's guarantee; then PENDING again.
inline constexpr std::string_view kPreempting = "PREEMPTING";
inline constexpr std::string_view kPreempted = "PREEMPTED";
inline constexpr std::string_view kOutOfMemory = "OUT_OF_MEMORY";  // killed by the OOM killer
// Requeued after its node failed; the next attempt runs elsewhere (or there, once back).
inline constexpr std::string_view kNodeFailRequeued = "NODE_FAIL";
}  // namespace reason

// What a tenant asks for. Validated by ValidateJobSpec before the scheduler accepts it.
struct JobSpec {
  std::string name;                          // 1..128 printable characters
  std::vector<std::string> command;          // argv; command[0] is looked up in PATH
  std::map<std::string, std::string> env;    // added to the job's clean environment
  int32_t cpus = 1;                          // whole CPUs (hwloc PUs); binding is per PU
  int64_t memory_bytes = 0;                  // > 0
  int32_t gpus = 0;
  std::string gpu_model;                     // "" = any model
  int64_t time_limit_seconds = 0;            // > 0
  std::map<std::string, std::string> labels; // the node must carry every one of these
  bool requeue = true;                       // requeue after NODE_FAIL (later issue)
  friend bool operator==(const JobSpec&, const JobSpec&) = default;

  // cpu (millicpus), memory, gpu and gpu/<model>.
  Resources Request() const;
};

inline constexpr int32_t kMaxCpusPerJob = 1 << 16;
inline constexpr int32_t kMaxGpusPerJob = 1024;
inline constexpr int64_t kMaxTimeLimitSeconds = 366LL * 24 * 3600;

// Checks every field; the error names the field ("cpus: must be at least 1").
Status ValidateJobSpec(const JobSpec& spec);

// Where a running (or finished) attempt was placed.
struct Allocation {
  std::string node;
  std::vector<int> cpus;      // PU OS indices
  std::vector<int> gpus;      // GPU indices on the node
  int64_t memory_bytes = 0;
  bool binding_simulated = false;
  friend bool operator==(const Allocation&, const Allocation&) = default;
};

struct Job {
  JobId id;
  std::string tenant;
  JobSpec spec;
  JobState state = JobState::kPending;
  int32_t attempt = 0;            // 0 until first launched; +1 on every launch
  std::string reason;             // see namespace reason
  std::string idempotency_key;    // "" if none
  std::optional<Allocation> allocation;  // set while RUNNING and kept after it ends
  std::optional<int32_t> exit_code;
  std::optional<int32_t> exit_signal;
  std::string message;            // detail for people, e.g. the exec error
  UnixMillis submit_time = 0;
  UnixMillis start_time = 0;      // 0 = not started
  UnixMillis end_time = 0;        // 0 = not ended
  bool cancel_requested = false;
  bool preempt_requested = false;  // being stopped to give a guarantee back; then requeued
  // What the last attempt used, from its cgroup (0 when the node does not measure it).
  int64_t cpu_time_ms = 0;
  int64_t peak_memory_bytes = 0;
  // Energy attributed to the job by its nodes, over all its attempts, in microjoules: its
  // share of the CPU packages' energy (package and DRAM) and its GPUs' energy.
  int64_t cpu_energy_uj = 0;
  int64_t gpu_energy_uj = 0;
  friend bool operator==(const Job&, const Job&) = default;

  AttemptId current_attempt() const { return {id, attempt}; }
};

}  // namespace sharc

#endif  // SHARC_CORE_JOB_H_
