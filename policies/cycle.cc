#include "policies/cycle.h"

#include <algorithm>
#include <cassert>

#include "policies/feasibility.h"

namespace sharc::policies {
namespace {

int CountFree(const std::vector<bool>& free) {
  return static_cast<int>(std::count(free.begin(), free.end(), true));
}

// What is left on one node during the cycle; `node` is the cycle's private copy.
struct WorkingNode {
  NodeSnapshot* node = nullptr;
  int free_pus = 0;
  int free_gpus = 0;
};

// A cheap necessary condition for PlaceOnNode to succeed, so full nodes cost O(1).
bool MightFit(const WorkingNode& w, const JobSpec& spec) {
  return w.free_pus >= spec.cpus && w.free_gpus >= spec.gpus &&
         w.node->memory_free >= spec.memory_bytes;
}

// The positions in `node`'s topology of `placement`'s CPUs and GPUs, if each names a free one
// exactly once and the counts are what `spec` asked for; else false.
bool Resolve(const NodeSnapshot& node, const Placement& placement, const JobSpec& spec,
             std::vector<size_t>& pus, std::vector<size_t>& gpus) {
  const NodeTopology& topology = *node.topology;
  if (static_cast<int64_t>(placement.cpus.size()) != spec.cpus ||
      static_cast<int64_t>(placement.gpus.size()) != spec.gpus ||
      placement.memory_bytes != spec.memory_bytes || node.memory_free < spec.memory_bytes) {
    return false;
  }
  for (int cpu : placement.cpus) {
    auto it = std::lower_bound(topology.pus.begin(), topology.pus.end(), cpu,
                               [](const PuInfo& pu, int os) { return pu.os_index < os; });
    if (it == topology.pus.end() || it->os_index != cpu) return false;
    pus.push_back(static_cast<size_t>(it - topology.pus.begin()));
  }
  for (int gpu : placement.gpus) {
    auto it = std::lower_bound(topology.gpus.begin(), topology.gpus.end(), gpu,
                               [](const GpuInfo& g, int index) { return g.index < index; });
    if (it == topology.gpus.end() || it->index != gpu) return false;
    gpus.push_back(static_cast<size_t>(it - topology.gpus.begin()));
  }
  auto all_free_and_distinct = [](std::vector<size_t> positions, const std::vector<bool>& free) {
    std::sort(positions.begin(), positions.end());
    if (std::adjacent_find(positions.begin(), positions.end()) != positions.end()) return false;
    return std::all_of(positions.begin(), positions.end(), [&](size_t p) { return free[p]; });
  };
  return all_free_and_distinct(pus, node.pu_free) && all_free_and_distinct(gpus, node.gpu_free);
}

// Takes `placement`'s resources off `w`; false (and nothing changed) if it is not valid there.
bool Apply(WorkingNode& w, const Placement& placement, const JobSpec& spec) {
  std::vector<size_t> pus, gpus;
  if (!Resolve(*w.node, placement, spec, pus, gpus)) return false;
  for (size_t p : pus) w.node->pu_free[p] = false;
  for (size_t g : gpus) w.node->gpu_free[g] = false;
  w.node->memory_free -= placement.memory_bytes;
  w.free_pus -= static_cast<int>(pus.size());
  w.free_gpus -= static_cast<int>(gpus.size());
  return true;
}

Decision NotNow(JobId job, std::string_view reason, std::string message = "") {
  Decision d;
  d.job = job;
  d.kind = VerdictKind::kNotNow;
  d.reason = std::string(reason);
  d.message = std::move(message);
  return d;
}

// Why `spec` was placed nowhere: never fits, fits no UP node, or waits for resources.
Decision Unplaced(JobId job, const JobSpec& spec, const ClusterSnapshot& snapshot,
                  const std::vector<const NodeSnapshot*>& up_nodes) {
  if (Status ever = CheckEverFits(snapshot, spec); !ever.ok()) {
    Decision d = NotNow(job, reason::kUnsatisfiable, ever.message());
    d.kind = VerdictKind::kNeverFits;
    return d;
  }
  if (up_nodes.empty()) return NotNow(job, reason::kNoNodes, "no node is UP");
  if (Status up = CheckFitsSomeNode(up_nodes, spec, "UP node"); !up.ok()) {
    return NotNow(job, reason::kUnsatisfiable, up.message());
  }
  return NotNow(job, reason::kResources);
}

}  // namespace

CycleResult RunSchedulingCycle(const ClusterSnapshot& snapshot, std::vector<PendingJob> pending,
                               const QueueOrder& order, const PlacementPolicy& placement,
                               UnixMillis now, AdmissionGate* gate) {
  order.Sort(pending, snapshot, now);

  // The private copy later jobs see: earlier placements are taken off it.
  ClusterSnapshot working = snapshot;
  std::vector<WorkingNode> up;  // UP nodes only, in node order
  std::vector<size_t> up_index;
  std::vector<const NodeSnapshot*> up_nodes;
  int up_free_pus = 0;
  for (size_t i = 0; i < working.nodes.size(); ++i) {
    NodeSnapshot& node = working.nodes[i];
    if (node.state != NodeState::kUp) continue;
    up.push_back({&node, CountFree(node.pu_free), CountFree(node.gpu_free)});
    up_index.push_back(i);
    up_nodes.push_back(&snapshot.nodes[i]);
    up_free_pus += up.back().free_pus;
  }

  CycleResult result;
  result.decisions.reserve(pending.size());
  // FIFO here is not strict: a job that does not fit now is skipped and later (smaller) jobs
  // may start. There is no reservation for large jobs yet, so a stream of small jobs can keep
  // a large one waiting indefinitely (backfill with reservations is a later policy).
  for (const PendingJob& job : pending) {
    assert(job.spec != nullptr);
    const JobSpec& spec = *job.spec;
    if (gate != nullptr) {
      if (std::optional<AdmissionGate::Hold> hold = gate->Check(job)) {
        result.decisions.push_back(NotNow(job.id, hold->reason, std::move(hold->message)));
        continue;
      }
    }
    if (!up.empty() && up_free_pus == 0) {
      // Full cluster: every UP node's PUs are taken, so nothing can start; no per-node work.
      result.decisions.push_back(NotNow(job.id, reason::kResources));
      continue;
    }
    auto search_started = std::chrono::steady_clock::now();
    std::vector<Placement> candidates;
    std::vector<size_t> candidate_up;  // into `up`
    for (size_t u = 0; u < up.size(); ++u) {
      if (!MightFit(up[u], spec) || !LabelsMatch(*up[u].node, spec)) continue;
      std::optional<Placement> p = placement.PlaceOnNode(*up[u].node, up_index[u], spec);
      if (!p.has_value()) continue;
      candidates.push_back(std::move(*p));
      candidate_up.push_back(u);
    }
    auto searched = std::chrono::steady_clock::now() - search_started;
    result.placement_durations.push_back(searched);
    if (candidates.empty()) {
      result.decisions.push_back(Unplaced(job.id, spec, snapshot, up_nodes));
      continue;
    }
    size_t chosen = placement.Choose(working, candidates);
    bool applied =
        chosen < candidates.size() && Apply(up[candidate_up[chosen]], candidates[chosen], spec);
    assert(applied && "the placement policy chose no candidate or resources that are not free");
    if (!applied) {  // a policy bug; never grant it
      result.decisions.push_back(NotNow(
          job.id, reason::kResources,
          "placement policy " + std::string(placement.name()) + " returned an invalid placement"));
      continue;
    }
    up_free_pus -= spec.cpus;
    if (gate != nullptr) gate->Admitted(job);
    Decision d;
    d.job = job.id;
    d.kind = VerdictKind::kPlaced;
    d.placement = std::move(candidates[chosen]);
    result.decisions.push_back(std::move(d));
  }
  return result;
}

}  // namespace sharc::policies
