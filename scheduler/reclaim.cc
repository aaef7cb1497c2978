// Guarantee reclaim: when a tenant has pending work within its guarantee and the capacity it
// is owed is held by borrowers (tenants above their own guarantee), the borrowers' newest jobs
// are preempted (SIGTERM, the grace period, SIGKILL; then requeued with the same id), so that
// a guarantee is worth something.
#include <algorithm>

#include "core/log.h"
#include "scheduler/scheduler.h"
#include "scheduler/tenant_admission.h"

namespace sharc::scheduler {
namespace {

// Marks `allocation`'s parts free (`free` true) or taken in `snapshot`.
void Mark(policies::ClusterSnapshot& snapshot, const Allocation& allocation, bool free) {
  for (const NodeAllocation& part : allocation.nodes) {
    for (policies::NodeSnapshot& node : snapshot.nodes) {
      if (node.name != part.node) continue;
      for (int cpu : part.cpus) {
        int pos = PuPosition(*node.topology, cpu);
        if (pos >= 0) node.pu_free[pos] = free;
      }
      for (int gpu : part.gpus) {
        int pos = GpuPosition(*node.topology, gpu);
        if (pos >= 0) node.gpu_free[pos] = free;
      }
      node.memory_free += free ? part.memory_bytes : -part.memory_bytes;
    }
  }
}

// Frees `job`'s allocation in `snapshot` (the job is running there).
void FreeIn(policies::ClusterSnapshot& snapshot, const Job& job) {
  Mark(snapshot, *job.allocation, /*free=*/true);
}

// Takes `placement` off `snapshot`.
void TakeIn(policies::ClusterSnapshot& snapshot, const policies::Placement& placement) {
  Mark(snapshot, AllocationOf(placement, snapshot), /*free=*/false);
}

bool LabelsMatch(const policies::NodeSnapshot& node, const JobSpec& spec) {
  for (const auto& [key, value] : spec.labels) {
    auto it = node.labels.find(key);
    if (it == node.labels.end() || it->second != value) return false;
  }
  return true;
}

}  // namespace

void Scheduler::Reclaim(const policies::ClusterSnapshot& cycle_snapshot) {
  // Borrowers: tenants holding more than their guarantee of some resource.
  std::map<std::string, Resources> held;
  bool anyone_borrows = false;
  for (const auto& [tenant, usage] : state_.usage()) {
    held[tenant] = usage.held;
    const Tenant* t = tenants_.Find(tenant);
    Resources guaranteed = t ? t->quota.guaranteed : Resources();
    if (!usage.held.FitsWithin(guaranteed)) anyone_borrows = true;
  }
  if (!anyone_borrows) return;
  auto borrowing = [&](const std::string& tenant, const Resources& wanted) {
    const Tenant* t = tenants_.Find(tenant);
    Resources guaranteed = t ? t->quota.guaranteed : Resources();
    for (const auto& [resource, amount] : wanted.entries()) {
      if (held[tenant].Get(resource) > guaranteed.Get(resource)) return true;
    }
    return false;
  };
  // What the cluster will look like once the preemptions and cancels under way have ended.
  policies::ClusterSnapshot soon = cycle_snapshot;
  for (const auto& [id, job] : state_.jobs()) {
    if (job.state == JobState::kRunning && (job.preempt_requested || job.cancel_requested)) {
      FreeIn(soon, job);
    }
  }
  // And as it is now, less what earlier jobs in this pass booked.
  policies::ClusterSnapshot now = cycle_snapshot;
  auto place_in = [&](const policies::ClusterSnapshot& view, const JobSpec& spec) {
    std::optional<policies::Placement> fits;
    for (size_t i = 0; i < view.nodes.size() && !fits; ++i) {
      if (view.nodes[i].state == NodeState::kUp && LabelsMatch(view.nodes[i], spec)) {
        fits = deps_.placement->PlaceOnNode(view.nodes[i], i, spec);
      }
    }
    return fits;
  };

  // Every pending job owed capacity by its guarantee, oldest first, books room in `soon`;
  // where none is left, borrowers' jobs make it.
  for (JobId id : state_.pending()) {
    const Job& job = *state_.FindJob(id);
    const Tenant* tenant = tenants_.Find(job.tenant);
    if (!tenant || tenant->disabled) continue;
    const Resources request = job.spec.Request();
    Resources after = held[job.tenant];
    (void)after.Add(request);
    if (!WithinGuarantee(tenant->quota, after, request)) continue;

    if (std::optional<policies::Placement> free_now = place_in(now, job.spec)) {
      // Room is free already: the next cycle places it; no one needs to be preempted.
      TakeIn(now, *free_now);
      TakeIn(soon, *free_now);
      held[job.tenant] = after;
      continue;
    }
    std::optional<policies::Placement> fits = place_in(soon, job.spec);
    if (!fits) {
      // For each node, the fewest borrowers' jobs (newest first) whose end lets the job fit.
      std::vector<JobId> best;
      for (size_t i = 0; i < soon.nodes.size(); ++i) {
        const policies::NodeSnapshot& node = soon.nodes[i];
        if (node.state != NodeState::kUp || !LabelsMatch(node, job.spec)) continue;
        // Only jobs holding what this node is short of help.
        int64_t free_pus = std::count(node.pu_free.begin(), node.pu_free.end(), true);
        int64_t free_gpus = std::count(node.gpu_free.begin(), node.gpu_free.end(), true);
        bool short_cpu = free_pus < job.spec.cpus;
        bool short_gpu = free_gpus < job.spec.gpus;
        bool short_memory = node.memory_free < job.spec.memory_bytes;
        std::vector<const Job*> candidates;
        for (JobId running : state_.FindNode(node.name)->jobs) {
          const Job* victim = state_.FindJob(running);
          if (victim->tenant == job.tenant || victim->preempt_requested ||
              victim->cancel_requested || !borrowing(victim->tenant, request)) {
            continue;
          }
          bool helps = (short_cpu && victim->spec.cpus > 0) ||
                       (short_gpu && victim->spec.gpus > 0) ||
                       (short_memory && victim->spec.memory_bytes > 0);
          if (helps) candidates.push_back(victim);
        }
        std::sort(candidates.begin(), candidates.end(), [](const Job* a, const Job* b) {
          return std::tie(a->start_time, a->id) > std::tie(b->start_time, b->id);
        });
        policies::ClusterSnapshot trial{{node}};
        std::vector<JobId> victims;
        for (const Job* victim : candidates) {
          FreeIn(trial, *victim);
          victims.push_back(victim->id);
          if (deps_.placement->PlaceOnNode(trial.nodes[0], i, job.spec)) {
            if (best.empty() || victims.size() < best.size()) best = victims;
            break;
          }
        }
      }
      if (best.empty()) continue;
      for (JobId victim_id : best) {
        Job& victim = *state_.FindJob(victim_id);
        held[victim.tenant].Subtract(victim.spec.Request());
        FreeIn(soon, victim);
        Preempt(victim, job.tenant);
      }
      fits = place_in(soon, job.spec);
      if (!fits) continue;
    }
    // Booked: the next job owed a guarantee cannot count on the same room.
    TakeIn(soon, *fits);
    held[job.tenant] = after;
    Job& waiting = *state_.FindJob(id);
    if (waiting.reason != reason::kPreempted && waiting.reason != reason::kNodeFailRequeued) {
      waiting.reason = std::string(reason::kReclaiming);
      waiting.message = "borrowers' jobs are being preempted to free what " + job.tenant +
                        " is guaranteed";
    }
  }
}

void Scheduler::Preempt(Job& job, const std::string& for_tenant) {
  LogInfo("scheduler", "preempting job " + std::to_string(job.id.value) + " of " + job.tenant +
                           " to give " + for_tenant + " its guarantee");
  job.preempt_requested = true;
  job.reason = std::string(reason::kPreempting);
  job.message = "giving capacity back to " + for_tenant + "'s guarantee";
  AttemptId attempt = job.current_attempt();
  CommitOrDie({store::PutJob{job}}, [this, attempt] {
    const Job* job = state_.FindJob(attempt.job);
    if (job && job->state == JobState::kRunning && job->attempt == attempt.attempt) {
      SendToNodesOf(*job, protocol::KillMsg{attempt, protocol::KillReason::kPreempt});
    }
  });
}

}  // namespace sharc::scheduler
