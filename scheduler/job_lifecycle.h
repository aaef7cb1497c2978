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
#include "scheduler/scheduler_context.h"
#include "scheduler/tenant_service.h"

namespace sharc::scheduler {

struct JobFilter {
  bool all = false;           // include finished jobs
  std::set<JobState> states;  // empty = any (subject to `all`)
  std::string tenant;         // admins only; "" = every tenant
};

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

  // --- Tenants ---
  using SubmitDone = std::function<void(StatusOr<SubmitOutcome>)>;
  void Submit(const Principal& who, std::vector<protocol::SubmitItem> items, SubmitDone done);
  StatusOr<const Job*> GetJob(const Principal& who, JobId id) const;
  std::vector<const Job*> ListJobs(const Principal& who, const JobFilter& filter) const;
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
  // A RUNNING job whose node failed: requeued (same id) if it may be, else NODE_FAIL.
  void FailOrRequeue(Job& job, std::string why, std::string message,
                     std::vector<store::Mutation>* batch);
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

 private:
  Status PrepareSpec(const Tenant& tenant, protocol::SubmitItem& item,
                     const std::string& where) const;
  Status CheckItems(const Principal& who, const Tenant& tenant,
                    std::vector<protocol::SubmitItem>& items) const;
  void FinishSubmit(const std::string& tenant, std::vector<Job> fresh,
                    std::vector<std::optional<JobId>> existing, Status commit, SubmitDone done);
  void CountSubmissions(const std::string& tenant, std::string_view result, int64_t n) const;

  const SchedulerContext& context_;
  TenantService& tenants_;
  Accounting& accounting_;
  int64_t next_job_id_ = 1;
  std::set<JobId> launch_confirmed_;  // RUNNING jobs whose agent reported them started
  // Submits in flight by (tenant, idempotency key): later duplicates wait for the first.
  std::map<std::pair<std::string, std::string>, std::vector<std::function<void(Status)>>>
      inflight_keys_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_JOB_LIFECYCLE_H_
