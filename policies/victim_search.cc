#include "policies/victim_search.h"

#include <algorithm>

#include "policies/feasibility.h"
#include "policies/gpu_picker.h"
#include "policies/node_placement.h"

namespace sharc::policies {
namespace {

// A node's free resources once the room being freed is free, less what reservations hold
// there during the job's run, as a trial to add victims to. Keeps the counts of usable PUs and
// GPUs (free, not held, of the job's GPU model) as victims are added.
class SoonFree {
 public:
  // `freeing`: the node's allocations that are stopping (terminating or this cycle's victims).
  SoonFree(const NodeView& node, const PendingJob& job, const CycleContext& context,
           const std::vector<const RunningAllocation*>& freeing)
      : node_(node), spec_(*job.spec) {
    pus_ = node.pu_free;
    gpus_ = node.gpu_free;
    memory_ = node.memory_free;
    held_pus_.assign(pus_.size(), false);
    held_gpus_.assign(gpus_.size(), false);
    for (size_t i = 0; i < pus_.size(); ++i) usable_pus_ += pus_[i];
    for (size_t i = 0; i < gpus_.size(); ++i) usable_gpus_ += UsableGpu(i);
    for (const RunningAllocation* a : freeing) Free(*a);
    const UnixMillis end = context.now + spec_.time_limit_seconds * 1000;
    for (const Reservation& r : context.work.reservations) {
      if (r.job == job.id || r.start >= end) continue;
      for (const NodePlacement& part : r.placement.nodes) {
        if (part.node_index == node.index) Hold(part);
      }
    }
  }

  void Free(const RunningAllocation& a) {
    for (const NodePlacement& part : a.placement.nodes) {
      if (part.node_index != node_.index) continue;
      for (int cpu : part.cpus) {
        int pos = PuPosition(*node_.topology, cpu);
        if (pos < 0 || pus_[pos]) continue;
        pus_[pos] = true;
        usable_pus_ += !held_pus_[pos];
      }
      for (int gpu : part.gpus) {
        int pos = GpuPosition(*node_.topology, gpu);
        if (pos < 0 || gpus_[pos]) continue;
        gpus_[pos] = true;
        usable_gpus_ += UsableGpu(pos);
      }
      memory_ += part.memory_bytes;
    }
  }

  // What the node is short of for the job, as counts.
  struct Short {
    bool pus = false, gpus = false, memory = false;
    bool any() const { return pus || gpus || memory; }
  };
  Short ShortOf() const {
    return {usable_pus_ < spec_.cpus, usable_gpus_ < spec_.gpus,
            memory_ - held_memory_ < spec_.memory_bytes};
  }

  // The job's exact placement here now, if it fits.
  std::optional<NodePlacement> Place() const {
    if (ShortOf().any()) return std::nullopt;
    return PlaceOnNode(*node_.topology, {&pus_, &gpus_, memory_}, node_.index, spec_, held_pus_,
                       held_gpus_, held_memory_);
  }

 private:
  bool UsableGpu(size_t pos) const {
    return gpus_[pos] && !held_gpus_[pos] &&
           GpuModelMatches(node_.topology->gpus[pos], spec_.gpu_model);
  }

  void Hold(const NodePlacement& part) {
    for (int cpu : part.cpus) {
      int pos = PuPosition(*node_.topology, cpu);
      if (pos < 0 || held_pus_[pos]) continue;
      usable_pus_ -= pus_[pos];
      held_pus_[pos] = true;
    }
    for (int gpu : part.gpus) {
      int pos = GpuPosition(*node_.topology, gpu);
      if (pos < 0 || held_gpus_[pos]) continue;
      usable_gpus_ -= UsableGpu(pos);
      held_gpus_[pos] = true;
    }
    held_memory_ += part.memory_bytes;
  }

  const NodeView& node_;
  const JobSpec& spec_;
  std::vector<bool> pus_, gpus_;
  int64_t memory_ = 0;
  // Held by reservations.
  std::vector<bool> held_pus_, held_gpus_;
  int64_t held_memory_ = 0;
  int usable_pus_ = 0, usable_gpus_ = 0;
};

bool Helps(const RunningAllocation& victim, size_t node, const SoonFree::Short& short_of) {
  for (const NodePlacement& part : victim.placement.nodes) {
    if (part.node_index != node) continue;
    if ((short_of.pus && !part.cpus.empty()) || (short_of.gpus && !part.gpus.empty()) ||
        (short_of.memory && part.memory_bytes > 0)) {
      return true;
    }
  }
  return false;
}

}  // namespace

std::optional<VictimPlan> FindVictims(const PendingJob& job, const CycleContext& context,
                                      const VictimRule& rule) {
  const JobSpec& spec = *job.spec;
  std::optional<VictimPlan> best;
  int64_t best_work = 0;
  CapacityQuery any_free{0, 0, "", &spec.labels};
  std::vector<const RunningAllocation*> freeing, running;  // per node, buffers reused
  const FreeIndex& free_index = context.cluster.index();
  free_index.Visit(any_free, NodeOrder::kTightest, [&](size_t index) {
    if (spec.gpus > 0 && !free_index.PoolHasGpus(free_index.PoolOf(index))) {
      return VisitNext::kNextPool;
    }
    const NodeView& node = context.cluster.node(index);
    if (!FitsWhenEmpty(node, spec)) return VisitNext::kContinue;
    // Cheap first: a node with nothing being freed and no job the rule allows cannot help, nor
    // one where the room being freed, the free room and all the jobs the rule allows together
    // are short of the job (reservations left aside: a bound).
    freeing.clear();
    running.clear();
    int64_t pus = node.free_pus, gpus = node.free_gpus, memory = node.memory_free;
    bool hopeful = false;
    auto count = [&](const RunningAllocation& a) {
      hopeful = true;
      for (const NodePlacement& part : a.placement.nodes) {
        if (part.node_index != index) continue;
        pus += static_cast<int64_t>(part.cpus.size());
        gpus += static_cast<int64_t>(part.gpus.size());
        memory += part.memory_bytes;
      }
    };
    for (JobId id : node.jobs) {
      const RunningAllocation* a = context.cluster.FindAllocation(id);
      if (a->terminating || context.work.IsVictim(id)) {
        freeing.push_back(a);
        count(*a);
      } else if (!context.work.IsPlaced(id)) {
        running.push_back(a);
        if (rule(*a, {})) count(*a);
      }
    }
    if (!hopeful || pus < spec.cpus || gpus < spec.gpus || memory < spec.memory_bytes) {
      return VisitNext::kContinue;
    }
    SoonFree trial(node, job, context, freeing);
    if (std::optional<NodePlacement> now = trial.Place()) {
      best = VictimPlan{{}, std::move(*now)};
      return VisitNext::kStop;
    }
    std::sort(running.begin(), running.end(), [](const auto* a, const auto* b) {
      return std::tie(a->start, a->job) > std::tie(b->start, b->job);
    });
    std::vector<const RunningAllocation*> chosen;
    for (const RunningAllocation* victim : running) {
      if (best && chosen.size() + 1 > best->victims.size()) break;
      if (!Helps(*victim, index, trial.ShortOf()) || !rule(*victim, chosen)) continue;
      chosen.push_back(victim);
      trial.Free(*victim);
      std::optional<NodePlacement> placement = trial.Place();
      if (!placement) continue;
      int64_t work = 0;
      for (const RunningAllocation* v : chosen) work += context.now - v->start;
      if (!best || chosen.size() < best->victims.size() ||
          (chosen.size() == best->victims.size() && work < best_work)) {
        best = VictimPlan{{}, std::move(*placement)};
        for (const RunningAllocation* v : chosen) best->victims.push_back(v->job);
        best_work = work;
      }
      break;
    }
    return VisitNext::kContinue;
  });
  return best;
}

std::string SearchBudget::KeyOf(const PendingJob& job) {
  const JobSpec& spec = *job.spec;
  std::string key = std::string(job.tenant) + "/" + std::to_string(job.priority()) + "/" +
                    std::to_string(spec.cpus) + "/" + std::to_string(spec.gpus) + "/" +
                    std::to_string(spec.memory_bytes) + "/" + spec.gpu_model;
  for (const auto& [k, v] : spec.labels) key += "|" + k + "=" + v;
  return key;
}

bool SearchBudget::Allow(const PendingJob& job) {
  if (used_ >= limit_ || hopeless_.count(KeyOf(job))) return false;
  ++used_;
  return true;
}

void SearchBudget::Hopeless(const PendingJob& job) { hopeless_.insert(KeyOf(job)); }

}  // namespace sharc::policies
