// The job lifecycle: submit, show, list and cancel (tenants), start and preempt (the cycle),
// and the end of an attempt (the agents), each transition committed before it is acted upon or
// acknowledged.
//
//   1. Submit: validated, its priority class resolved, checked against the tenant's limits and
//      every known node (never-fits -> Unsatisfiable), given an id, committed; only then
//      acknowledged and queued (PENDING).
//   2. Start (a cycle's placement): RUNNING (attempt + 1) and the credit reservation are
//      committed; only then is the launch sent to each node of the allocation, with its rank.
//   3. The agent reports start and exit; each exit is committed, then acknowledged, so the
//      agent can forget it. Cancel is committed, then the kill is sent.
//   4. Preempt: the victim is marked (reason PREEMPTING, the job it makes room for) and
//      committed, then killed with the grace period; its exit requeues it with the same id.
//   5. A node failure ends a RUNNING job NODE_FAIL or requeues it (attempt + 1), up to
//      max_attempts.
//   6. Dependencies: a job submitted with dependencies waits (reason DEPENDENCY, no candidate
//      of the cycle) until they are satisfied; when a job ends, in the same commit, each job
//      waiting on it is released, or cancelled (DEPENDENCY_NEVER_SATISFIED) if it never can
//      be, and so on down the chain.
//   7. Arrays (scheduler/job_arrays.h): one submit commits the array job; its tasks are queued
//      for the cycle a few at a time and stored as jobs when they start. The array is PENDING
//      until a task starts, RUNNING while tasks run or remain, then COMPLETED if every task
//      completed, CANCELLED if it was cancelled, else FAILED; jobs depending on it wait for
//      that end. Cancelling the array ends every task; cancelling a task ends that one only.
// State thread only.
#ifndef SHARC_SCHEDULER_JOB_LIFECYCLE_H_
#define SHARC_SCHEDULER_JOB_LIFECYCLE_H_

#include <functional>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "policies/scheduling_cycle.h"
#include "protocol/job_spec_codec.h"
#include "scheduler/accounting.h"
#include "scheduler/auth.h"
#include "scheduler/job_arrays.h"
#include "scheduler/job_dependencies.h"
#include "scheduler/job_queries.h"
#include "scheduler/scheduler_context.h"
#include "scheduler/tenant_service.h"

namespace sharc::scheduler {

// The ports gang jobs rendezvous at (MASTER_PORT) on their rank 0's node; 29500 is the
// PyTorch default.
inline constexpr int32_t kFirstRendezvousPort = 29500;
inline constexpr int32_t kLastRendezvousPort = 29999;

struct SubmitOutcome {
  std::vector<Job> jobs;  // in request order
  bool created = false;   // false when every job already existed (idempotent retry)
};

class JobLifecycle {
 public:
  JobLifecycle(const SchedulerContext& context, TenantService& tenants, Accounting& accounting);

  // Loads the stored jobs. RUNNING jobs keep their allocations; one that no longer fits its
  // node ends NODE_FAIL (its repairs are added to `repairs`).
  void Restore(store::StoredState& stored, std::vector<store::Mutation>* repairs);
  // Retention: takes the finished jobs that ended more than options.retention ago, or beyond
  // options.max_finished_in_memory, out of memory (ClusterState::EvictEnded).
  void EvictEnded();

  // --- Tenants ---
  using SubmitDone = std::function<void(StatusOr<SubmitOutcome>)>;
  void Submit(const Principal& who, std::vector<protocol::SubmitItem> items, SubmitDone done);
  using JobDone = std::function<void(StatusOr<Job>)>;
  void Cancel(const Principal& who, JobId id, JobDone done);

  // --- The scheduling cycle ---
  // Starts `job` (PENDING) on `placement` of the view; false (nothing changed) if the view
  // refuses it, which is a policy bug. The launch is sent once `batch` commits.
  bool Start(Job& job, const policies::Placement& placement, std::vector<store::Mutation>* batch,
             std::vector<AttemptId>* launches);
  // Sends the launches of attempts that are still current.
  void SendLaunches(const std::vector<AttemptId>& launches);
  // Stops `victim` (RUNNING) for `preemption.for_job`: committed, then killed.
  void Preempt(Job& victim, const policies::Preemption& preemption);
  // A pending job's reason and message after a cycle (a requeued job keeps saying why it is
  // back in the queue).
  void SetPendingReason(Job& job, const std::string& why, const std::string& message);

  // --- The agents ---
  // Ends (or, when preempted, requeues) the attempt an agent reported exited.
  void FinishAttempt(Job& job, const protocol::AttemptReport& report,
                     std::vector<store::Mutation>* batch);
  // The rank on `node` of `job`'s current attempt exited (precondition: `node` holds a part).
  // A single-node job ends (FinishAttempt). A gang keeps the rank's exit, and ends when rank 0
  // has ended (or every rank, with wait_all_ranks) or a rank failed to launch: its exit is
  // rank 0's, its usage and energy the ranks' sum; the ranks still running are killed.
  void FinishRank(Job& job, const std::string& node, const protocol::AttemptReport& report,
                  std::vector<store::Mutation>* batch);
  // A rank of a gang's attempt that had already ended (it was being killed, or ended on its
  // own as rank 0 did) reported its exit: kept with the others (true, added to `batch`) if
  // `report` is of the job's last attempt and `node` holds a rank of it not yet recorded.
  bool KeepLateRankExit(Job& job, const std::string& node, const protocol::AttemptReport& report,
                        std::vector<store::Mutation>* batch);
  // A RUNNING job whose node failed: requeued (same id) if it may be, else NODE_FAIL.
  // `exited`: the node's report of the attempt, when it sent one (it fenced the job).
  void FailOrRequeue(Job& job, std::string why, std::string message,
                     std::vector<store::Mutation>* batch,
                     const protocol::AttemptReport* exited = nullptr);
  // Ends a RUNNING job in a terminal state: frees its allocation, records the attempt, settles
  // its credit. `exited`: the agent's report of the attempt's exit, when there is one.
  void EndJob(Job& job, JobState state, std::string why, std::string message,
              std::vector<store::Mutation>* batch, const protocol::AttemptReport* exited = nullptr);
  // Puts a RUNNING job back in the queue (same id; the next launch is attempt + 1).
  void RequeueJob(Job& job, std::string why, std::string message,
                  std::vector<store::Mutation>* batch,
                  const protocol::AttemptReport* exited = nullptr);
  // Sends `job`'s launch to the node of each part of its allocation, each with its rank; or
  // only to `only_node`, when given (a node that reconnected without it).
  void SendLaunch(const Job& job, const std::string* only_node = nullptr);
  // Sends `message` (e.g. a kill) to every node `job` has a part on.
  void SendToNodesOf(const Job& job, const protocol::SchedulerMessage& message);
  // The agent confirmed the attempt started (or re-registered with it running).
  void ConfirmLaunch(JobId job) { launch_confirmed_.insert(job); }
  bool LaunchConfirmed(JobId job) const { return launch_confirmed_.count(job) > 0; }
  // Whether a PENDING job waits for its dependencies (and is no candidate of the cycle).
  bool WaitsForDependencies(JobId job) const { return dependencies_.Waiting(job); }

  // --- Job arrays (job_lifecycle_arrays.cc) ---
  // Queues tasks of the arrays open to the cycle (not ended, not cancelled, not waiting for
  // dependencies) as PENDING jobs, up to each array's limits; appends their ids to `queued`.
  void QueueArrayTasks(std::vector<JobId>* queued);
  // Whether a queued task started since the last call (its array may have more to queue).
  bool TakeArrayTaskStarted() { return std::exchange(array_task_started_, false); }
  // Task `index` of array `array`: its job once started (or queued for the cycle).
  StatusOr<const Job*> GetTask(const Principal& who, JobId array, int64_t index) const;
  // Cancels task `index` of array `array` only: a started task as Cancel does; one that has
  // not started is stored CANCELLED (a job of its own) with its array's unstarted set.
  void CancelTask(const Principal& who, JobId array, int64_t index, JobDone done);
  // An array's tasks by state: started ones by their job's state, the unstarted PENDING (or
  // CANCELLED once the array was cancelled).
  std::map<JobState, int64_t> ArrayTaskCounts(const Job& array) const;
  // A task queued for the cycle, never stored: listings show it as part of its array.
  static bool IsQueuedTask(const Job& job) {
    return job.is_array_task() && job.state == JobState::kPending && job.attempt == 0;
  }

 private:
  // The job an idempotency key names, held or (evicted) read from the store.
  Job ExistingJob(JobId id) const;
  // OK if `item` asks for what the job its idempotency key already names was submitted with;
  // AlreadyExists (409) naming the fields that differ otherwise.
  Status CheckSameRequest(JobId existing, const protocol::SubmitItem& item) const;
  Status PrepareSpec(const Tenant& tenant, protocol::SubmitItem& item,
                     const std::string& where) const;
  Status CheckItems(const Principal& who, const Tenant& tenant,
                    std::vector<protocol::SubmitItem>& items) const;
  void FinishSubmit(const std::string& tenant, std::vector<Job> fresh,
                    std::vector<std::optional<JobId>> existing, Status commit, SubmitDone done);
  void CountSubmissions(const std::string& tenant, std::string_view result, int64_t n) const;
  // Evaluates the dependencies of `job` (PENDING): released to the cycle, left waiting, or,
  // when they can never be satisfied, cancelled (its end added to `batch`; true, and the
  // caller settles its dependents) or kept waiting with keep_on_unsatisfied.
  bool SettleDependencies(Job& job, std::vector<store::Mutation>* batch);
  // A gang's attempt is ending: its ranks that have not ended are killed (every part of a
  // gang stops together; a node keeps no rank of an old attempt).
  void StopOtherRanks(const Job& job);
  // A gang's rendezvous: each part's node address, and a port on rank 0's node.
  void AddRendezvous(Allocation& allocation) const;
  // Settles the jobs that wait on `ended`, which just reached a terminal state.
  void SettleDependentsOf(const Job& ended, std::vector<store::Mutation>* batch);
  // Cancel of an array job: queued tasks are dropped, the others cancelled; it ends CANCELLED
  // once no task runs.
  void CancelArray(Job& array, JobDone done);
  // A task's job for `index` of `array` (PENDING, a fresh id, not yet in the state).
  Job NewTask(const Job& array, int64_t index);
  // Bookkeeping of a task that just started (its array's unstarted set, state and id counter,
  // added to `batch`) or ended.
  void ArrayTaskStarted(const Job& task, std::vector<store::Mutation>* batch);
  void ArrayTaskEnded(const Job& task, std::vector<store::Mutation>* batch);
  // Ends `array` if nothing of it is left to run (every task ended and none unstarted, or it
  // was cancelled and no task runs).
  void FinishArrayIfDone(Job& array, std::vector<store::Mutation>* batch);

  const SchedulerContext& context_;
  TenantService& tenants_;
  Accounting& accounting_;
  int64_t next_job_id_ = 1;
  std::set<JobId> launch_confirmed_;  // RUNNING jobs whose agent reported them started
  JobDependencies dependencies_;
  JobArrays arrays_;
  bool array_task_started_ = false;
  // Submits in flight by (tenant, idempotency key): later duplicates wait for the first.
  std::map<std::pair<std::string, std::string>, std::vector<std::function<void(Status)>>>
      inflight_keys_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_JOB_LIFECYCLE_H_
