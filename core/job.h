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
#include "core/job_array.h"
#include "core/node.h"
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
inline constexpr std::string_view kResources = "RESOURCES";          // pending: waiting for room
inline constexpr std::string_view kNoNodes = "NO_NODES";             // pending: no node is up
inline constexpr std::string_view kUnsatisfiable = "UNSATISFIABLE";  // pending: no node could
// Pending: it could start now, but would delay a higher job's backfill reservation.
inline constexpr std::string_view kPriority = "PRIORITY";
// Pending: resources are reserved for it; the message says when and where it is expected to start.
inline constexpr std::string_view kReserved = "RESERVED";
// Pending: lower-priority jobs are being preempted to make room for it.
inline constexpr std::string_view kAwaitingPreemption = "AWAITING_PREEMPTION";
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
// Pending: a job it depends on has not ended the way it needs yet.
inline constexpr std::string_view kDependency = "DEPENDENCY";
// Cancelled (or, with keep_on_unsatisfied, pending until an operator acts): a job it depends
// on ended in a way that can never satisfy the dependency.
inline constexpr std::string_view kDependencyNeverSatisfied = "DEPENDENCY_NEVER_SATISFIED";
// An array job: as many of its tasks run as its "%K" allows; the rest wait.
inline constexpr std::string_view kArrayTaskLimit = "ARRAY_TASK_LIMIT";
// An array job that ended FAILED: some of its tasks did not complete.
inline constexpr std::string_view kArrayTasksFailed = "ARRAY_TASKS_FAILED";
}  // namespace reason

// The names of JobSpec's fields wherever a spec is written down (the REST API and the submit
// body, the store's job record, the agent's launch message) and in validation errors, which
// start with the field's name ("cpus: must be between 1 and 65536"); the CLI maps them to its
// flags. Adding a spec field means: JobSpec, a name here, ValidateJobSpec's rule,
// DifferingSpecFields and the spec codec (protocol/job_spec_codec.cc).
namespace spec_field {
inline constexpr std::string_view kName = "name";
inline constexpr std::string_view kCommand = "command";
inline constexpr std::string_view kEnv = "env";
inline constexpr std::string_view kCpus = "cpus";
inline constexpr std::string_view kMemoryBytes = "mem_bytes";
inline constexpr std::string_view kGpus = "gpus";
inline constexpr std::string_view kGpuModel = "gpu_model";
inline constexpr std::string_view kTimeLimitSeconds = "time_limit_seconds";
inline constexpr std::string_view kLabels = "labels";
inline constexpr std::string_view kRequeue = "requeue";
inline constexpr std::string_view kPriorityClass = "priority_class";
inline constexpr std::string_view kAfterOk = "after_ok";
inline constexpr std::string_view kAfterAny = "after_any";
inline constexpr std::string_view kAfterNotOk = "after_not_ok";
inline constexpr std::string_view kKeepOnUnsatisfied = "keep_on_unsatisfied";
inline constexpr std::string_view kNumNodes = "num_nodes";
inline constexpr std::string_view kTopologyGroup = "topology_group";
inline constexpr std::string_view kWaitAllRanks = "wait_all_ranks";
inline constexpr std::string_view kArray = "array";
}  // namespace spec_field

// What a tenant asks for. The rules (ValidateJobSpec) and their limits below are the only
// statement of what a valid spec is: codecs, the store and the CLI call them.
struct JobSpec {
  std::string name;                        // 1..kMaxJobNameBytes printable characters
  std::vector<std::string> command;        // argv; command[0] is looked up in PATH
  std::map<std::string, std::string> env;  // added to the job's clean environment
  // cpus, memory_bytes, gpus and gpu_model are per node: a gang job (num_nodes > 1) gets them on
  // each of its nodes.
  int32_t cpus = 1;          // whole CPUs (hwloc PUs); binding is per PU
  int64_t memory_bytes = 0;  // > 0
  int32_t gpus = 0;
  std::string gpu_model;                      // "" = any model
  int64_t time_limit_seconds = 0;             // 1..kMaxTimeLimitSeconds
  std::map<std::string, std::string> labels;  // the node must carry every one of these
  bool requeue = true;                        // requeue after NODE_FAIL (later issue)
  // A priority class of the scheduler's configuration; "" = the tenant's default (filled in
  // at submit). [a-z0-9_-], at most 63.
  std::string priority_class;
  // Dependencies: the job starts only once every listed job has ended, each as its list asks:
  // after_ok COMPLETED; after_any in any terminal state; after_not_ok in a terminal state
  // other than COMPLETED. The jobs must exist and belong to the same tenant when the job is
  // submitted, so dependencies never form a cycle. When one can no longer be satisfied the
  // job is CANCELLED (DEPENDENCY_NEVER_SATISFIED), or with keep_on_unsatisfied stays PENDING
  // with that reason until someone cancels it.
  std::vector<JobId> after_ok;
  std::vector<JobId> after_any;
  std::vector<JobId> after_not_ok;
  bool keep_on_unsatisfied = false;
  // A gang: `num_nodes` distinct nodes, placed all in one cycle or not at all, one rank per node
  // (rank 0 first). 1 = an ordinary job.
  int32_t num_nodes = 1;
  // A node label (e.g. "rack"): every node of the gang carries it with one same value; the
  // group that fits the gang tightest is preferred. "" = any nodes. Only with num_nodes > 1.
  std::string topology_group;
  // A gang ends when rank 0 ends (false) or once every rank has ended (true).
  bool wait_all_ranks = false;
  // A job array (core/job_array.h syntax, e.g. "0-999:2%50"): one task per index, each run as
  // its own job with this spec (less `array` and the dependencies, which the array as a whole
  // waits for). "" = an ordinary job. Not with num_nodes > 1.
  std::string array;
  friend bool operator==(const JobSpec&, const JobSpec&) = default;

  bool HasDependencies() const {
    return !after_ok.empty() || !after_any.empty() || !after_not_ok.empty();
  }

  // The whole job's request, every node's part together: cpu (millicpus), memory, gpu and
  // gpu/<model>.
  Resources Request() const;
};

inline constexpr size_t kMaxJobNameBytes = 128;
inline constexpr size_t kMaxCommandArgs = 4096;
inline constexpr size_t kMaxCommandAndEnvBytes = 1 << 20;  // arguments, names and values
// The longest one argument or one NAME=value may be: Linux's execve refuses a longer string
// (MAX_ARG_STRLEN, 32 pages, with its NUL) with E2BIG. Checked at submit only: jobs stored
// before the check still load.
inline constexpr size_t kMaxExecStringBytes = 32 * 4096 - 1;
inline constexpr int32_t kMaxCpusPerJob = 1 << 16;
// The least memory a submitted job may ask for: with less, hardly a program starts, and the
// job would only fail on its node.
inline constexpr int64_t kMinJobMemoryBytes = 1 << 20;
inline constexpr int32_t kMaxGpusPerJob = 1024;
inline constexpr int32_t kMaxNodesPerJob = 4096;
inline constexpr int64_t kMaxTimeLimitSeconds = 366LL * 24 * 3600;
inline constexpr size_t kMaxLabelBytes = 63;  // each key and each value
inline constexpr size_t kMaxIdempotencyKeyBytes = 128;
inline constexpr size_t kMaxDependencies = 100;  // after_ok, after_any and after_not_ok together
// Not a spec field, but submitted with one: a retried submit with the same key finds its job.
inline constexpr std::string_view kIdempotencyKeyField = "idempotency_key";

// Checks a spec as the scheduler keeps it: every field set and within the limits above. The
// error names the field ("cpus: must be between 1 and 65536").
Status ValidateJobSpec(const JobSpec& spec);
// Checks a spec as a client submits it: the same rules, except that name "", memory_bytes 0
// and time_limit_seconds 0 are allowed and mean "the scheduler's default" (the scheduler fills
// them in, then checks the result with ValidateJobSpec).
Status ValidateSubmittedJobSpec(const JobSpec& spec);
// The names (spec_field) of the fields in which `a` and `b` differ, in declaration order.
std::vector<std::string_view> DifferingSpecFields(const JobSpec& a, const JobSpec& b);
// "" (none) or at most kMaxIdempotencyKeyBytes bytes; the error names kIdempotencyKeyField.
Status ValidateIdempotencyKey(std::string_view key);

// The names of NodeAllocation's fields in JSON and in validation errors (as spec_field).
namespace allocation_field {
inline constexpr std::string_view kNode = "node";
inline constexpr std::string_view kCpus = "cpus";
inline constexpr std::string_view kGpus = "gpus";
inline constexpr std::string_view kMemoryBytes = "mem_bytes";
inline constexpr std::string_view kBinding = "binding";  // "real" or "simulated"
inline constexpr std::string_view kAddress = "address";
inline constexpr std::string_view kPort = "port";
}  // namespace allocation_field

// One node's part of a job's grant.
struct NodeAllocation {
  std::string node;
  std::vector<int> cpus;  // PU OS indices
  std::vector<int> gpus;  // GPU indices on the node
  int64_t memory_bytes = 0;
  bool binding_simulated = false;
  // Gang jobs only: the address the node's agent advertises, where the other ranks reach it
  // (rank 0's is MASTER_ADDR; all of them fill the hostfile). "" otherwise.
  std::string address;
  // Gang jobs only, rank 0's part: the TCP port on its node the ranks rendezvous at
  // (MASTER_PORT), chosen by the scheduler so that no two running jobs with a port on one node
  // share it. 0 otherwise.
  int32_t port = 0;
  friend bool operator==(const NodeAllocation&, const NodeAllocation&) = default;
};

// Where a running (or finished) attempt was placed: the whole job's grant, one part per node
// it runs on, at most one part per node. Every job has one part today; a multi-node (gang) job
// will have several, and a part's index is its rank.
struct Allocation {
  std::vector<NodeAllocation> nodes;
  friend bool operator==(const Allocation&, const Allocation&) = default;

  // The part on `node`, or nullptr.
  const NodeAllocation* Find(std::string_view node) const;
  // The parts' nodes, in rank order.
  std::vector<std::string> NodeNames() const;
};

// OK if `part` can describe a node's grant: it names a node, its CPUs are OS indices 0 to
// kMaxCpuListIndex, its GPUs indices 0 to kMaxGpusPerJob, its memory is not negative. Whether
// it fits the node is the scheduler's business. The error names the field ("cpus: ...").
Status ValidateNodeAllocation(const NodeAllocation& part);
// OK if `allocation` has at least one part, every part is valid and no node has two parts.
// Errors start with `name`, the allocation's own ("allocation[1].cpus: ...").
Status ValidateAllocation(const Allocation& allocation, std::string_view name);

// How one rank of a gang job's attempt ended.
struct RankExit {
  int32_t rank = 0;  // an index of the allocation's parts
  std::optional<int32_t> exit_code;
  std::optional<int32_t> exit_signal;
  UnixMillis end_time = 0;
  friend bool operator==(const RankExit&, const RankExit&) = default;
};

struct Job {
  JobId id;
  std::string tenant;
  JobSpec spec;
  JobState state = JobState::kPending;
  int32_t attempt = 0;  // 0 until first launched; +1 on every launch
  // Attempts lost to their node (it went down, or killed the job unasked): what
  // jobs.max_attempts bounds. Preemptions, the scheduler's own doing, do not count.
  int32_t node_failures = 0;
  std::string reason;                    // see namespace reason
  std::string idempotency_key;           // "" if none
  std::optional<Allocation> allocation;  // set while RUNNING and kept after it ends
  std::optional<int32_t> exit_code;
  std::optional<int32_t> exit_signal;
  // Gang jobs: the ranks of the current (or last) attempt that have ended, by rank. The job's
  // own exit is rank 0's.
  std::vector<RankExit> rank_exits;
  std::string message;  // detail for people, e.g. the exec error
  UnixMillis submit_time = 0;
  UnixMillis start_time = 0;  // 0 = not started
  UnixMillis end_time = 0;    // 0 = not ended
  // When a requeued job re-entered the queue (preempted, its node failed); 0 = never requeued:
  // it has been queued since submit_time.
  UnixMillis requeue_time = 0;
  bool cancel_requested = false;
  bool preempt_requested = false;  // being stopped for another job; then requeued
  // The job the last preemption made room for (0: never preempted); its reason and message
  // say why while it is stopped and requeued.
  JobId preempted_by;
  // What the last attempt used, from its cgroup (0 when the node does not measure it).
  int64_t cpu_time_ms = 0;
  int64_t peak_memory_bytes = 0;
  // Energy attributed to the job by its nodes, over all its attempts, in microjoules: its
  // share of the CPU packages' energy (package and DRAM) and its GPUs' energy.
  int64_t cpu_energy_uj = 0;
  int64_t gpu_energy_uj = 0;
  // An array job (spec.array set) holds no resources itself: its tasks do, each a job of its
  // own once it starts. array_unstarted: the indices of its tasks that have not started (once
  // it is cancelled, those that never will). Empty for other jobs.
  TaskIndices array_unstarted;
  // A task of an array job: the array's id and the task's index (0 and 0 for other jobs).
  JobId array_job;
  int64_t array_task = 0;
  friend bool operator==(const Job&, const Job&) = default;

  AttemptId current_attempt() const { return {id, attempt}; }
  bool is_array() const { return !spec.array.empty(); }
  bool is_array_task() const { return array_job.value > 0; }
};

// Checks a job as the scheduler keeps and stores it: its spec (ValidateJobSpec), its
// allocation (ValidateAllocation, named "allocation"), id >= 1, attempt >= 0, exit_code 0..255,
// signal 1..128, times 0 (unset) to kMaxRfc3339Millis, usage and energy not negative, its
// idempotency key, and its array fields (array_unstarted only on an array job, a subset of
// nothing but valid indices; a task's index 0..kMaxArrayIndex, and a task is no array). The error
// names the field ("exit_code: must be between 0 and 255").
Status ValidateJob(const Job& job);

}  // namespace sharc

#endif  // SHARC_CORE_JOB_H_
