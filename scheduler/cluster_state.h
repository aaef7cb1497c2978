// The scheduler's in-memory state: every job, every node, and what is allocated where. Lives
// on the state thread; no locks. Invariants (checked by CheckInvariants in tests):
//   - a job is in pending() iff it is PENDING;
//   - a RUNNING job has an allocation, and each node it has a part on lists it (once: a job
//     has at most one part per node) and marks that part's PUs, GPUs and memory used; a node's
//     used resources are exactly the sum of the parts of the RUNNING jobs it lists;
//   - idempotency keys map to their job, per tenant;
//   - usage() is the sum over each tenant's RUNNING jobs' requests, and its job counts.
#ifndef SHARC_SCHEDULER_CLUSTER_STATE_H_
#define SHARC_SCHEDULER_CLUSTER_STATE_H_

#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/job.h"
#include "core/node.h"
#include "policies/cluster_snapshot.h"
#include "policies/policy.h"
#include "scheduler/agent_connection.h"
#include "store/store.h"

namespace sharc::scheduler {

struct NodeEntry {
  store::NodeRecord record;
  std::shared_ptr<const NodeTopology> topology;
  std::vector<bool> pu_used;   // by position in topology->pus
  std::vector<bool> gpu_used;  // by position in topology->gpus
  int64_t memory_used = 0;
  std::set<JobId> jobs;        // RUNNING jobs with a part here

  std::shared_ptr<AgentConnection> connection;  // null while disconnected
  SteadyTime last_heartbeat{};                  // steady time of the last message received

  const std::string& name() const { return record.inventory.name; }
  Resources Allocated() const;
};

// What one tenant holds and waits for, kept in step with the jobs.
struct TenantUsage {
  Resources held;        // the requests of its RUNNING jobs (cpu, memory, gpu, gpu/<model>)
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

  // Nodes.
  NodeEntry* FindNode(const std::string& name);
  const NodeEntry* FindNode(const std::string& name) const;
  // Adds a node, or replaces its inventory (re-registration, maybe with new hardware). Usage
  // is recomputed from the node's RUNNING jobs; allocations outside the new topology are
  // dropped from the usage vectors (reported by the return value, for a warning).
  std::pair<NodeEntry*, bool /*allocations_fit*/> UpsertNode(store::NodeRecord record);
  std::map<std::string, NodeEntry>& nodes() { return nodes_; }
  const std::map<std::string, NodeEntry>& nodes() const { return nodes_; }

  // Marks every part of `job`'s allocation used on its node, and the job's request held by its
  // tenant. Precondition: job.allocation is set. All or nothing: FailedPrecondition, marking
  // nothing, if a part's node is unknown or its resources are not free; InvalidArgument if
  // the allocation is invalid (two parts on one node).
  Status Allocate(const Job& job);
  // Frees every part of `job`'s allocation that its node holds (nodes are never forgotten, so
  // that is all of them once Allocate succeeded).
  void Release(const Job& job);

  // The immutable view policies read: every node, with what is free.
  policies::ClusterSnapshot Snapshot() const;

  // Per tenant (only tenants with jobs running or pending appear).
  const std::map<std::string, TenantUsage>& usage() const { return usage_; }
  const TenantUsage& UsageOf(const std::string& tenant) const;

  // OK, or Internal naming the first broken invariant.
  Status CheckInvariants() const;

 private:
  std::map<JobId, Job> jobs_;
  std::set<JobId> pending_;
  std::map<std::pair<std::string, std::string>, JobId> idempotency_;
  std::map<std::string, NodeEntry> nodes_;
  std::map<std::string, TenantUsage> usage_;
};

// The grant of a policy's placement: one part, on the snapshot node it names (policies place
// a job on one node; a gang placement will give one part per node).
Allocation AllocationOf(const policies::Placement& placement,
                        const policies::ClusterSnapshot& snapshot);

// Position of PU `os_index` in `topology.pus`, or -1.
int PuPosition(const NodeTopology& topology, int os_index);
// Position of GPU `index` in `topology.gpus`, or -1.
int GpuPosition(const NodeTopology& topology, int index);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_CLUSTER_STATE_H_
