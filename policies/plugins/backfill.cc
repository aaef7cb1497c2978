#include "policies/plugins/backfill.h"

#include <algorithm>
#include <map>
#include <string>

#include "core/units.h"
#include "policies/feasibility.h"
#include "policies/gpu_picker.h"
#include "policies/node_placement.h"

namespace sharc::policies {
namespace {

// Marks `part`'s CPUs and GPUs in the exclusion masks of a node with `topology`.
void Exclude(const NodeTopology& topology, const NodePlacement& part, std::vector<bool>& pus,
             std::vector<bool>& gpus) {
  if (pus.empty()) pus.assign(topology.pus.size(), false);
  if (gpus.empty()) gpus.assign(topology.gpus.size(), false);
  for (int cpu : part.cpus) {
    if (int pos = PuPosition(topology, cpu); pos >= 0) pus[pos] = true;
  }
  for (int gpu : part.gpus) {
    if (int pos = GpuPosition(topology, gpu); pos >= 0) gpus[pos] = true;
  }
}

int CountFree(const std::vector<bool>& free, const std::vector<bool>& excluded) {
  int n = 0;
  for (size_t i = 0; i < free.size(); ++i) {
    if (free[i] && (i >= excluded.size() || !excluded[i])) ++n;
  }
  return n;
}

UnixMillis EndOf(const RunningAllocation& a, UnixMillis now) {
  return a.terminating ? now : std::max(now, a.expected_end);
}

// A node's free CPUs, GPUs and memory at some time, with their counts.
struct FreeAt {
  std::vector<bool> pus, gpus;
  int64_t memory = 0;
  int free_pus = 0, free_gpus = 0;

  // Sets `part`'s CPUs and GPUs free (`free`) or taken, and moves its memory.
  void Mark(const NodeTopology& topology, const NodePlacement& part, bool free) {
    for (int cpu : part.cpus) {
      int pos = PuPosition(topology, cpu);
      if (pos < 0 || pus[pos] == free) continue;
      pus[pos] = free;
      free_pus += free ? 1 : -1;
    }
    for (int gpu : part.gpus) {
      int pos = GpuPosition(topology, gpu);
      if (pos < 0 || gpus[pos] == free) continue;
      gpus[pos] = free;
      free_gpus += free ? 1 : -1;
    }
    memory += free ? part.memory_bytes : -part.memory_bytes;
  }
  bool MayHold(const JobSpec& spec) const {
    return free_pus >= spec.cpus && free_gpus >= spec.gpus && memory >= spec.memory_bytes;
  }
};

// Finds, node by node, the earliest time a job fits there for its whole time limit, with its
// exact placement. The candidate times are now and the ends of the running jobs and of earlier
// reservations on the node; at time t, what running jobs still hold then and what earlier
// reservations hold during [t, t + limit) is taken. Buffers are reused from node to node.
class EarliestOnNodeScan {
 public:
  EarliestOnNodeScan(const PendingJob& job, const CycleContext& context)
      : job_(job), spec_(*job.spec), context_(context), limit_(spec_.time_limit_seconds * 1000) {}

  // The earliest such time, not before `not_before`, on node `index` before `before`. Walks
  // the times in order, freeing
  // what ends by each: O(parts there + times x reservations there), plus a placement attempt at
  // each time the counts allow one; a node whose counts cannot allow one before `before` costs
  // only the walk over its running parts.
  std::optional<Reservation> Scan(size_t index, UnixMillis before, UnixMillis not_before = 0) {
    const NodeView& node = context_.cluster.node(index);
    CollectEnds(index);
    const UnixMillis first = std::max(FirstTimeCountsAllow(node), not_before);
    if (first >= before) return std::nullopt;
    CollectTimes(index, first);
    const NodeTopology& topology = *node.topology;
    free_.pus = node.pu_free;  // copy-assigned: the buffers are reused
    free_.gpus = node.gpu_free;
    free_.memory = node.memory_free;
    free_.free_pus = node.free_pus;
    free_.free_gpus = node.free_gpus;
    size_t next_end = 0;
    for (UnixMillis t : times_) {
      if (t >= before) break;
      for (; next_end < ends_.size() && ends_[next_end].first <= t; ++next_end) {
        free_.Mark(topology, *ends_[next_end].second, /*free=*/true);
      }
      const FreeAt* at = &free_;
      if (AnyReservationDuring(t)) {  // take what they hold during [t, t + limit)
        then_ = free_;
        for (const auto& [r, part] : reserved_) {
          if (r->start < t + limit_ && r->end > t) then_.Mark(topology, *part, /*free=*/false);
        }
        at = &then_;
      }
      if (!at->MayHold(spec_)) continue;
      std::optional<NodePlacement> part =
          PlaceOnNode(topology, {&at->pus, &at->gpus, at->memory}, index, spec_);
      if (part) return Reservation{job_.id, job_.priority(), t, t + limit_, Placement{{*part}}};
    }
    return std::nullopt;
  }

 private:
  // (when it frees it, the part here) for every running allocation on node `index`, by time.
  void CollectEnds(size_t index) {
    ends_.clear();
    const NodeView& node = context_.cluster.node(index);
    for (JobId id : node.jobs) {
      const RunningAllocation* a = context_.cluster.FindAllocation(id);
      for (const NodePlacement& part : a->placement.nodes) {
        if (part.node_index == index) ends_.push_back({EndOf(*a, context_.now), &part});
      }
    }
    std::sort(ends_.begin(), ends_.end(),
              [](const auto& a, const auto& b) { return a.first < b.first; });
  }

  // The first time at which the free counts, reservations left aside, could hold the job: no
  // placement exists before it. INT64_MAX when never.
  UnixMillis FirstTimeCountsAllow(const NodeView& node) const {
    int64_t pus = node.free_pus, gpus = node.free_gpus, memory = node.memory_free;
    auto enough = [&] {
      return pus >= spec_.cpus && gpus >= spec_.gpus && memory >= spec_.memory_bytes;
    };
    if (enough()) return context_.now;
    for (const auto& [end, part] : ends_) {
      pus += static_cast<int64_t>(part->cpus.size());
      gpus += static_cast<int64_t>(part->gpus.size());
      memory += part->memory_bytes;
      if (enough()) return end;
    }
    return INT64_MAX;
  }

  // The candidate times from `first` on, and the reservations on node `index`.
  void CollectTimes(size_t index, UnixMillis first) {
    times_.assign(1, first);
    for (const auto& [end, part] : ends_) {
      if (end > first) times_.push_back(end);
    }
    reserved_.clear();
    for (const Reservation& r : context_.work.reservations) {
      if (r.job == job_.id) continue;  // its own (a room held for it) is what it may use
      for (const NodePlacement& part : r.placement.nodes) {
        if (part.node_index != index) continue;
        reserved_.push_back({&r, &part});
        if (r.end > first) times_.push_back(r.end);
      }
    }
    std::sort(times_.begin(), times_.end());
    times_.erase(std::unique(times_.begin(), times_.end()), times_.end());
  }

  bool AnyReservationDuring(UnixMillis t) const {
    for (const auto& [r, part] : reserved_) {
      if (r->start < t + limit_ && r->end > t) return true;
    }
    return false;
  }

  const PendingJob& job_;
  const JobSpec& spec_;
  const CycleContext& context_;
  const int64_t limit_;
  std::vector<std::pair<UnixMillis, const NodePlacement*>> ends_;
  std::vector<UnixMillis> times_;
  std::vector<std::pair<const Reservation*, const NodePlacement*>> reserved_;
  FreeAt free_, then_;
};

PluginStatus ReservedStatus(const Reservation& reservation, const CycleContext& context) {
  const std::vector<NodePlacement>& parts = reservation.placement.nodes;
  std::string nodes = context.cluster.node(parts.front().node_index).name;
  if (parts.size() > 1) nodes += " and " + std::to_string(parts.size() - 1) + " more nodes";
  return PluginStatus::Unschedulable(
      BackfillPlugin::kName, reason::kReserved,
      "expected to start by " + FormatRfc3339(reservation.start) + " on " + nodes);
}

// A gang's reservation: each node's earliest time for one part; the group (of its topology
// label) whose count-th earliest is soonest; then, from that time, the parts on that group's
// earliest nodes. The gang starts when its last part can: the latest of the parts' times.
std::optional<Reservation> EarliestGangStart(const PendingJob& job, const CycleContext& context) {
  const JobSpec& spec = *job.spec;
  const size_t count = static_cast<size_t>(spec.num_nodes);
  EarliestOnNodeScan scan(job, context);
  std::map<std::string, std::vector<std::pair<UnixMillis, size_t>>> groups;
  CapacityQuery any{0, 0, "", &spec.labels};
  context.cluster.index().Visit(any, NodeOrder::kTightest, [&](size_t index) {
    const NodeView& node = context.cluster.node(index);
    if (!FitsWhenEmpty(node, spec)) return VisitNext::kContinue;
    std::string group;
    if (!spec.topology_group.empty()) {
      auto label = node.labels.find(spec.topology_group);
      if (label == node.labels.end()) return VisitNext::kContinue;
      group = label->second;
    }
    if (auto r = scan.Scan(index, INT64_MAX)) groups[group].push_back({r->start, index});
    return VisitNext::kContinue;
  });
  const std::vector<std::pair<UnixMillis, size_t>>* best = nullptr;
  for (auto& [name, nodes] : groups) {
    if (nodes.size() < count) continue;
    std::stable_sort(nodes.begin(), nodes.end(),
                     [](const auto& a, const auto& b) { return a.first < b.first; });
    if (!best || nodes[count - 1].first < (*best)[count - 1].first) best = &nodes;
  }
  if (!best) return std::nullopt;
  const UnixMillis from = (*best)[count - 1].first;
  Reservation gang{job.id, job.priority(), from, 0, {}};
  for (const auto& [time, index] : *best) {
    if (gang.placement.nodes.size() == count) break;
    std::optional<Reservation> part = scan.Scan(index, INT64_MAX, from);
    if (!part) continue;
    gang.start = std::max(gang.start, part->start);
    gang.placement.nodes.push_back(std::move(part->placement.nodes.front()));
  }
  if (gang.placement.nodes.size() < count) return std::nullopt;
  gang.end = gang.start + spec.time_limit_seconds * 1000;
  return gang;
}

}  // namespace

std::optional<Reservation> EarliestStart(const PendingJob& job, const CycleContext& context) {
  const JobSpec& spec = *job.spec;
  if (spec.num_nodes > 1) return EarliestGangStart(job, context);
  std::optional<Reservation> best;
  EarliestOnNodeScan scan(job, context);
  CapacityQuery any{0, 0, "", &spec.labels};
  context.cluster.index().Visit(any, NodeOrder::kTightest, [&](size_t index) {
    if (best && best->start <= context.now) return VisitNext::kStop;
    const FreeIndex& free_index = context.cluster.index();
    if (spec.gpus > 0 && !free_index.PoolHasGpus(free_index.PoolOf(index))) {
      return VisitNext::kNextPool;
    }
    const NodeView& node = context.cluster.node(index);
    if (!FitsWhenEmpty(node, spec)) return VisitNext::kContinue;
    UnixMillis before = best ? best->start : INT64_MAX;
    if (auto r = scan.Scan(index, before)) best = std::move(r);
    return VisitNext::kContinue;
  });
  return best;
}

BackfillPlugin::BackfillPlugin(const ProfileConfig& config)
    : mode_(config.backfill), limit_(config.reservations) {}

void BackfillPlugin::BeginCycle(const CycleContext& /*context*/) { made_ = 0; }

PostFilterResult BackfillPlugin::PostFilter(const PendingJob& job, const PluginStatus& failure,
                                            const CycleContext& context) {
  if (mode_ == BackfillMode::kOff) return {};
  if (failure.reason != reason::kResources && failure.reason != reason::kPriority) return {};
  PostFilterResult r;
  if (!context.full) {
    // Between full cycles a job keeps the reservation the last one made.
    for (const Reservation& held : context.work.reservations) {
      if (held.job != job.id) continue;
      r.handled = true;
      r.status = ReservedStatus(held, context);
      return r;
    }
    return {};
  }
  if (made_ >= limit_) return {};
  std::optional<Reservation> reservation = EarliestStart(job, context);
  if (!reservation) return {};
  ++made_;
  r.handled = true;
  r.status = ReservedStatus(*reservation, context);
  r.reservation = std::move(reservation);
  return r;
}

PluginStatus ReservationsFilter::Filter(const PendingJob& job, const NodeView& node, NodeFit& fit,
                                        const CycleContext& context) const {
  const JobSpec& spec = *job.spec;
  const UnixMillis end = context.now + spec.time_limit_seconds * 1000;
  for (const Reservation& r : context.work.reservations) {
    if (r.job == job.id || r.priority < job.priority() || end <= r.start) continue;
    for (const NodePlacement& part : r.placement.nodes) {
      if (part.node_index != node.index) continue;
      Exclude(*node.topology, part, fit.excluded_pus, fit.excluded_gpus);
      // Memory at the reservation's start: what jobs still running then and this one hold.
      int64_t held_then = spec.memory_bytes;
      for (JobId id : node.jobs) {
        const RunningAllocation* a = context.cluster.FindAllocation(id);
        if (EndOf(*a, context.now) <= r.start) continue;
        for (const NodePlacement& p : a->placement.nodes) {
          if (p.node_index == part.node_index) held_then += p.memory_bytes;
        }
      }
      if (node.topology->memory_bytes - held_then < part.memory_bytes ||
          CountFree(node.pu_free, fit.excluded_pus) < spec.cpus ||
          (spec.gpus > 0 && CountFree(node.gpu_free, fit.excluded_gpus) < spec.gpus)) {
        return PluginStatus::Unschedulable(kName, reason::kPriority,
                                           "it would delay job " + std::to_string(r.job.value) +
                                               ", reserved to start by " + FormatRfc3339(r.start));
      }
    }
  }
  return PluginStatus::Success();
}

}  // namespace sharc::policies
