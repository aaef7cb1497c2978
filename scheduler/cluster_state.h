// The scheduler's in-memory state: every job, every node, and what is allocated where. Lives
// on the state thread; no locks. What is free on each node is kept by the cluster view the
// scheduling cycle reads (policies/cluster_view.h): one copy of it, updated as jobs start and
// end, never rebuilt. Invariants (CheckInvariants):
//   - a job is in pending() iff it is PENDING, in active() iff it has not ended;
//   - job_counts() counts every job by state and tenant, evicted ones included;
//   - a RUNNING job has an allocation, and holds exactly it in the view (one part per node),
//     except an array job (Job::is_array), which holds nothing: its tasks are jobs of their own;
//     the view holds nothing else, and its own invariants hold;
//   - a node is schedulable in the view iff it is UP and connected;
//   - idempotency keys map to their job, per tenant;
//   - usage() is the sum over each tenant's RUNNING jobs' requests, and its job counts (an array
//     job counts while PENDING, never as running).
#ifndef SHARC_SCHEDULER_CLUSTER_STATE_H_
#define SHARC_SCHEDULER_CLUSTER_STATE_H_

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/job.h"
#include "core/node.h"
#include "policies/cluster_view.h"
#include "policies/tenants_view.h"
#include "scheduler/agent_connection.h"
#include "scheduler/evicted_jobs.h"
#include "store/store.h"

namespace sharc::scheduler {

struct NodeEntry {
  store::NodeRecord record;
  std::shared_ptr<const NodeTopology> topology;  // shared with the view
  size_t view_index = 0;                         // its node in the cluster view

  std::shared_ptr<AgentConnection> connection;  // null while disconnected
  // Steady time of the last message received; at a restart, the restart (a fresh node_timeout).
  SteadyTime last_heartbeat{};
  bool heard_since_start = false;  // a message received since this scheduler started

  const std::string& name() const { return record.inventory.name; }
  // How long the node has been silent, for people and metrics: by the steady clock once heard
  // since this scheduler started; before that, since the stored last_seen, so that a restart
  // does not make a node silent for hours look fresh.
  std::chrono::milliseconds HeartbeatAge(SteadyTime steady_now, UnixMillis wall_now) const {
    if (!heard_since_start && record.last_seen > 0) {
      return std::chrono::milliseconds(std::max<int64_t>(0, wall_now - record.last_seen));
    }
    return std::chrono::duration_cast<std::chrono::milliseconds>(steady_now - last_heartbeat);
  }
};

// What one tenant holds and waits for, kept in step with the jobs.
struct TenantUsage {
  Resources held;  // the requests of its RUNNING jobs (cpu, memory, gpu, gpu/<model>)
  int64_t running = 0;
  int64_t pending = 0;
  friend bool operator==(const TenantUsage&, const TenantUsage&) = default;
};

class ClusterState {
 public:
  // Jobs.
  Job* FindJob(JobId id);
  const Job* FindJob(JobId id) const;
  // Precondition: no job with this id exists.
  Job& AddJob(Job job);
  const std::map<JobId, Job>& jobs() const { return jobs_; }
  const std::set<JobId>& pending() const { return pending_; }
  std::optional<JobId> FindByIdempotencyKey(const std::string& tenant,
                                            const std::string& key) const;
  // Moves `job` to `state`, keeping pending() in step. Precondition: a legal transition.
  void SetState(Job& job, JobState state);
  // Forgets a PENDING job that was never stored (an array's task queued for the cycle, whose
  // array was cancelled). Precondition: it exists, is PENDING and has no idempotency key.
  void RemovePendingJob(JobId id);
  // The jobs that have not ended (PENDING or RUNNING).
  const std::set<JobId>& active() const { return active_; }
  // How many jobs there are by (state, tenant), evicted ones included: kept in step, so that
  // metrics cost nothing per finished job.
  const std::map<std::pair<JobState, std::string>, int64_t>& job_counts() const {
    return job_counts_;
  }

  // Retention. A finished job leaves memory (EvictEnded); its tenant and end state stay
  // (evicted()), its record stays in the store. An array's tasks leave with their array.
  // Adds a finished job loaded without its record. Precondition: not held in memory.
  void AddEvicted(JobId id, const std::string& tenant, JobState state);
  // Takes finished jobs out of memory, earliest ended first, while the earliest ended before
  // `ended_before` or more than `keep` finished jobs (an array with its tasks counting as
  // one) are held. Returns the ids taken, tasks included. Their idempotency keys stay, so a
  // retried submit never makes a second job.
  std::vector<JobId> EvictEnded(UnixMillis ended_before, size_t keep);
  // Orders the finished jobs held by end time (after loading them in id order).
  void SortEndedByEndTime();
  const EvictedJobs& evicted() const { return evicted_; }
  // A job's tenant and state, held in memory or evicted; nullopt if there is no such job.
  struct JobStatus {
    const std::string& tenant;
    JobState state;
  };
  std::optional<JobStatus> StatusOf(JobId id) const;

  // Nodes.
  NodeEntry* FindNode(const std::string& name);
  const NodeEntry* FindNode(const std::string& name) const;
  // Adds a node, or replaces its inventory (re-registration, maybe with new hardware). The
  // allocations on it stay; the second value is false if some no longer fit the new hardware
  // (for a warning: those parts take nothing there).
  std::pair<NodeEntry*, bool /*allocations_fit*/> UpsertNode(store::NodeRecord record);
  std::map<std::string, NodeEntry>& nodes() { return nodes_; }
  const std::map<std::string, NodeEntry>& nodes() const { return nodes_; }
  // Call after changing a node's record.state or connection: the view learns whether it is
  // schedulable.
  void SyncNode(const NodeEntry& node);
  // What the jobs on `node` hold (cpu, memory, gpu).
  Resources AllocatedOn(const NodeEntry& node) const;
  // The RUNNING jobs with a part on `node`.
  const std::vector<JobId>& JobsOn(const NodeEntry& node) const;

  // Takes every part of `job`'s allocation off its node, and adds the job's request to its
  // tenant. `priority` is its class, `granted` when it was placed (the view expects it to end by
  // granted + its time limit). All or nothing: FailedPrecondition, taking nothing, if a part's
  // node is unknown or its resources are not free; InvalidArgument if the allocation is
  // invalid (two parts on one node). Precondition: job.allocation is set.
  Status Allocate(const Job& job, const policies::PriorityClass& priority, UnixMillis granted);
  // Gives back what Allocate took (nothing if the job holds nothing).
  void Release(const Job& job);
  // Tells the view that `job` is being stopped (cancel or preemption): its resources free soon.
  void MarkStopping(const Job& job);

  // The view the scheduling cycle reads (and borrows during a cycle, leaving it unchanged).
  const policies::ClusterView& view() const { return view_; }
  policies::ClusterView& view_for_cycle() { return view_; }

  // Per tenant (only tenants with jobs running or pending appear).
  const std::map<std::string, TenantUsage>& usage() const { return usage_; }
  const TenantUsage& UsageOf(const std::string& tenant) const;

  // OK, or Internal naming the first broken invariant.
  Status CheckInvariants() const;

 private:
  void CountJob(const Job& job, int64_t delta);
  // Notes that `job` has ended (an array's task is noted with its array instead).
  void NoteEnded(const Job& job);
  void EvictOne(JobId id, std::vector<JobId>* evicted);

  std::map<JobId, Job> jobs_;
  std::set<JobId> pending_;
  std::set<JobId> active_;
  std::map<std::pair<JobState, std::string>, int64_t> job_counts_;
  std::deque<JobId> ended_;                          // finished jobs held, in the order they ended
  std::map<JobId, std::vector<JobId>> array_tasks_;  // array -> its tasks held in memory
  EvictedJobs evicted_;
  std::map<std::pair<std::string, std::string>, JobId> idempotency_;
  std::map<std::string, NodeEntry> nodes_;
  std::map<std::string, TenantUsage> usage_;
  policies::ClusterView view_;
};

// The grant of a placement the cycle decided on `view`: one part per node, with the nodes'
// names and whether their binding is simulated.
Allocation AllocationOf(const policies::Placement& placement, const policies::ClusterView& view);
// The reverse, for the view: the parts on the view's nodes (nullopt if a node is unknown).
std::optional<policies::Placement> PlacementOf(const Allocation& allocation,
                                               const policies::ClusterView& view);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_CLUSTER_STATE_H_
