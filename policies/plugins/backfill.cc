#include "policies/plugins/backfill.h"

#include <algorithm>

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

// Takes `part`'s CPUs, GPUs and memory off a node's free flags and memory.
void Take(const NodeTopology& topology, const NodePlacement& part, std::vector<bool>& pus,
          std::vector<bool>& gpus, int64_t& memory) {
  for (int cpu : part.cpus) {
    if (int pos = PuPosition(topology, cpu); pos >= 0) pus[pos] = false;
  }
  for (int gpu : part.gpus) {
    if (int pos = GpuPosition(topology, gpu); pos >= 0) gpus[pos] = false;
  }
  memory -= part.memory_bytes;
}

// The earliest time before `before` at which `job` fits on node `index` for its whole time
// limit, with its exact placement: the candidate times are now and the ends of the running jobs
// and of earlier reservations there; at time t, what running jobs still hold then and what
// earlier reservations hold during [t, t + limit) is taken.
std::optional<Reservation> EarliestOnNode(const PendingJob& job, size_t index,
                                          const CycleContext& context, UnixMillis before) {
  const NodeView& node = context.cluster.node(index);
  const NodeTopology& topology = *node.topology;
  const JobSpec& spec = *job.spec;
  const int64_t limit = spec.time_limit_seconds * 1000;
  std::vector<const RunningAllocation*> running;
  std::vector<UnixMillis> times{context.now};
  for (JobId id : node.jobs) {
    running.push_back(context.cluster.FindAllocation(id));
    times.push_back(EndOf(*running.back(), context.now));
  }
  std::vector<std::pair<const Reservation*, const NodePlacement*>> reserved;
  for (const Reservation& r : context.work.reservations) {
    for (const NodePlacement& part : r.placement.nodes) {
      if (part.node_index != index) continue;
      reserved.push_back({&r, &part});
      if (r.end > context.now) times.push_back(r.end);
    }
  }
  std::sort(times.begin(), times.end());
  times.erase(std::unique(times.begin(), times.end()), times.end());
  for (UnixMillis t : times) {
    if (t >= before) break;
    std::vector<bool> pus(topology.pus.size(), true), gpus(topology.gpus.size(), true);
    int64_t memory = topology.memory_bytes;
    for (const RunningAllocation* a : running) {
      if (EndOf(*a, context.now) <= t) continue;
      for (const NodePlacement& part : a->placement.nodes) {
        if (part.node_index == index) Take(topology, part, pus, gpus, memory);
      }
    }
    for (const auto& [r, part] : reserved) {
      if (r->start < t + limit && r->end > t) Take(topology, *part, pus, gpus, memory);
    }
    std::optional<NodePlacement> part = PlaceOnNode(topology, {&pus, &gpus, memory}, index, spec);
    if (part) return Reservation{job.id, job.priority(), t, t + limit, Placement{{*part}}};
  }
  return std::nullopt;
}

PluginStatus ReservedStatus(const Reservation& reservation, const CycleContext& context) {
  std::string node = context.cluster.node(reservation.placement.nodes.front().node_index).name;
  return PluginStatus::Unschedulable(
      BackfillPlugin::kName, reason::kReserved,
      "expected to start by " + FormatRfc3339(reservation.start) + " on " + node);
}

}  // namespace

std::optional<Reservation> EarliestStart(const PendingJob& job, const CycleContext& context) {
  const JobSpec& spec = *job.spec;
  std::optional<Reservation> best;
  CapacityQuery any{0, 0, "", &spec.labels};
  context.cluster.index().Visit(any, NodeOrder::kTightest, [&](size_t index) {
    const NodeView& node = context.cluster.node(index);
    if (!FitsWhenEmpty(node, spec)) return VisitNext::kContinue;
    UnixMillis before = best ? best->start : INT64_MAX;
    if (auto r = EarliestOnNode(job, index, context, before)) best = std::move(r);
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
