// The cluster as the scheduling core sees it: every node with what is free there, every running
// allocation with when it is expected to end, and an index of free capacity. Kept in step with
// the scheduler's state incrementally (a placement or an ending changes one node), never rebuilt
// per cycle, so that a cycle costs what changed rather than the size of the cluster.
//
// Owned by one thread; no locks. Policies read it through const references; the scheduling cycle
// (scheduling_cycle.h) may assume placements on it while it works and forgets them before it
// returns, so a cycle leaves the view as it found it.
//
// Invariants (CheckInvariants):
//   - a node's free PUs, GPUs and memory are its topology less the parts of the allocations on
//     it; free_pus and free_gpus count the free flags; memory_free >= 0;
//   - a node lists exactly the allocations with a part on it;
//   - the index holds exactly the schedulable nodes (UP and connected), under their current
//     free counts.
#ifndef SHARC_POLICIES_CLUSTER_VIEW_H_
#define SHARC_POLICIES_CLUSTER_VIEW_H_

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/node.h"
#include "core/resources.h"
#include "core/status.h"
#include "policies/free_index.h"
#include "policies/placement.h"

namespace sharc::policies {

struct NodeView {
  size_t index = 0;  // its place in ClusterView::nodes()
  std::string name;
  NodeState state = NodeState::kUp;
  bool connected = true;
  std::shared_ptr<const NodeTopology> topology;  // never null
  std::map<std::string, std::string> labels;
  bool binding_simulated = false;
  // Free PUs and GPUs by position in topology->pus and topology->gpus.
  std::vector<bool> pu_free;
  std::vector<bool> gpu_free;
  int64_t memory_free = 0;
  int free_pus = 0;
  int free_gpus = 0;
  // Free PUs per NUMA node: (NUMA OS index, free PUs), by OS index, for every NUMA node a PU
  // names.
  std::vector<std::pair<int, int>> free_pus_by_numa;
  std::vector<JobId> jobs;  // allocations with a part here, ascending

  // New work may be placed here.
  bool schedulable() const { return state == NodeState::kUp && connected; }
};

// A job holding resources, as preemption and backfill need to know it.
struct RunningAllocation {
  JobId job;
  std::string tenant;
  std::string gpu_model;        // what it asked for ("" = any); its GPUs count as gpu/<model>
  int32_t priority = 0;         // its priority class's value
  bool preemptible = true;      // its class may be preempted by a higher one
  UnixMillis start = 0;         // when it was granted
  UnixMillis expected_end = 0;  // start + time limit: it ends no later (it is killed then)
  bool terminating = false;     // cancel or preemption under way: its resources free soon
  Placement placement;

  // What it holds, in quota terms: cpu (millicpus), memory, gpu and gpu/<model>.
  Resources Held() const;
};

// What UpsertNode takes: a node's identity and hardware as its agent registered it.
struct NodeDescription {
  std::string name;
  std::shared_ptr<const NodeTopology> topology;  // never null
  std::map<std::string, std::string> labels;
  bool binding_simulated = false;
  NodeState state = NodeState::kUp;
  bool connected = true;
};

class ClusterView {
 public:
  // Adds a node, or replaces the hardware and labels of a known one (its allocations stay and
  // are applied again). Returns its index (stable for the view's life) and whether every
  // allocation on it still fits; parts that no longer fit (CPUs or GPUs the new topology lacks)
  // take nothing from the node.
  std::pair<size_t, bool> UpsertNode(NodeDescription node);
  void SetNodeStatus(size_t index, NodeState state, bool connected);

  const std::vector<NodeView>& nodes() const { return nodes_; }
  const NodeView& node(size_t index) const { return nodes_[index]; }
  std::optional<size_t> FindNode(std::string_view name) const;

  // Takes `allocation`'s parts off their nodes. FailedPrecondition, naming the node and the
  // CPU, GPU or memory, if one is not free (then nothing changes).
  Status Assume(RunningAllocation allocation);
  // Gives back what Assume took; nothing if `job` holds nothing.
  void Forget(JobId job);
  void SetTerminating(JobId job, bool terminating);
  const RunningAllocation* FindAllocation(JobId job) const;
  const std::unordered_map<JobId, RunningAllocation>& allocations() const { return allocations_; }
  // The lowest priority among preemptible allocations that are not terminating; nullopt if
  // there is none (then no priority preemption can help). O(1).
  std::optional<int32_t> LowestPreemptiblePriority() const {
    if (preemptible_.empty()) return std::nullopt;
    return preemptible_.begin()->first;
  }

  const FreeIndex& index() const { return index_; }

  // Node shapes: one representative per distinct (hardware, labels), with how many nodes have
  // it and how many of those are schedulable. What "could this job ever run" asks.
  struct Shape {
    size_t representative = 0;
    int64_t nodes = 0;
    int64_t schedulable = 0;
  };
  const std::map<std::string, Shape>& shapes() const { return shapes_; }

  // What the schedulable nodes have in all (cpu, memory, gpu, gpu/<model>).
  const Resources& schedulable_capacity() const { return schedulable_capacity_; }

  // OK, or Internal naming the first broken invariant.
  Status CheckInvariants() const;

 private:
  static std::string ShapeKey(const NodeView& node);
  void Take(NodeView& node, const NodePlacement& part);
  void Give(NodeView& node, const NodePlacement& part);
  bool PartFits(const NodeView& node, const NodePlacement& part) const;
  void JoinShape(size_t index);
  void LeaveShape(size_t index);
  // Adds (+1) or removes (-1) a schedulable node's count and capacity; nothing otherwise.
  void CountSchedulable(const NodeView& node, int64_t delta);
  void Reindex(size_t index);
  // Counts `a` in preemptible_ (delta +1) or stops counting it (-1), if it is preemptible and
  // not terminating.
  void CountPreemptible(const RunningAllocation& a, int delta);

  std::vector<NodeView> nodes_;
  std::unordered_map<std::string, size_t> by_name_;
  std::unordered_map<JobId, RunningAllocation> allocations_;
  std::map<int32_t, int64_t> preemptible_;  // priority -> preemptible, non-terminating count
  FreeIndex index_;
  std::map<std::string, Shape> shapes_;
  std::vector<std::string> shape_key_;  // by node index
  Resources schedulable_capacity_;
};

// Position of PU `os_index` in `topology.pus`, or -1.
int PuPosition(const NodeTopology& topology, int os_index);
// Position of GPU `index` in `topology.gpus`, or -1.
int GpuPosition(const NodeTopology& topology, int index);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_CLUSTER_VIEW_H_
