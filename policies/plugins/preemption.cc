#include "policies/plugins/preemption.h"

#include <algorithm>

#include "policies/plugins/tenant_quota.h"
#include "policies/victim_search.h"

namespace sharc::policies {
namespace {

bool NoRoom(const PluginStatus& failure) {
  return failure.reason == reason::kResources || failure.reason == reason::kPriority;
}

bool InSubtree(std::string_view tenant, std::string_view level) {
  return tenant == level || ParentOf(tenant) == level;
}

// What `level`'s subtree holds as the cycle began, less the victims chosen so far in the cycle
// and `chosen` (this cycle's placements are not counted: they only make a tenant hold more).
Resources HeldNow(const CycleContext& context, std::string_view level,
                  const std::vector<const RunningAllocation*>& chosen, int64_t* running) {
  const SubtreeUsage& subtree = context.tenants.SubtreeOf(level);
  Resources held = subtree.held;
  int64_t count = subtree.running;
  auto leave = [&](const RunningAllocation& a) {
    if (!InSubtree(a.tenant, level)) return;
    held.Subtract(a.Held());
    --count;
  };
  for (JobId id : context.work.victims) {
    if (const RunningAllocation* a = context.cluster.FindAllocation(id)) leave(*a);
  }
  for (const RunningAllocation* a : chosen) leave(*a);
  if (running != nullptr) *running = count;
  return held;
}

// Whether `held` stays at or above `quota`'s guarantee for every guaranteed resource `victim`
// holds.
bool KeepsGuarantee(const TenantQuota& quota, const Resources& held_after,
                    const Resources& victim) {
  for (const auto& [resource, guaranteed] : quota.guaranteed.entries()) {
    if (victim.Get(resource) > 0 && held_after.Get(resource) < guaranteed) return false;
  }
  return true;
}

// The room a job waits for while its victims stop, reserved from now.
Reservation RoomFor(const PendingJob& job, NodePlacement room, const CycleContext& context) {
  return {job.id,
          job.priority(),
          context.now,
          context.now + job.spec->time_limit_seconds * 1000,
          Placement{{std::move(room)}},
          /*for_preemption=*/true};
}

std::string Plural(size_t n, std::string_view noun) {
  return std::to_string(n) + " " + std::string(noun) + (n == 1 ? "" : "s");
}

}  // namespace

void PriorityPreemption::BeginCycle(const CycleContext& context) {
  budget_.Reset();
  lowest_preemptible_ = context.cluster.LowestPreemptiblePriority();
}

PostFilterResult PriorityPreemption::PostFilter(const PendingJob& job, const PluginStatus& failure,
                                                const CycleContext& context) {
  if (!lowest_preemptible_ || *lowest_preemptible_ >= job.priority() || !budget_.Allow(job)) {
    return {};
  }
  if (failure.plugin == TenantQuotaPlugin::kName &&
      (failure.reason == reason::kQuotaMax || failure.reason == reason::kQuotaRunningJobs)) {
    return ForQuota(job, context);
  }
  // Room is searched node by node; a gang (several nodes at once) waits for its backfill
  // reservation instead.
  if (NoRoom(failure) && job.spec->num_nodes <= 1) return ForRoom(job, context);
  return {};
}

PostFilterResult PriorityPreemption::ForQuota(const PendingJob& job, const CycleContext& context) {
  std::vector<const RunningAllocation*> own;
  for (const auto& [id, a] : context.cluster.allocations()) {
    if (a.tenant == job.tenant && a.priority < job.priority() && a.preemptible && !a.terminating &&
        !context.work.IsVictim(id) && !context.work.IsPlaced(id)) {
      own.push_back(&a);
    }
  }
  std::sort(own.begin(), own.end(), [](const auto* a, const auto* b) {
    return std::tie(a->start, a->job) > std::tie(b->start, b->job);
  });
  const Resources request = job.spec->Request();
  auto within = [&](const std::vector<const RunningAllocation*>& chosen) {
    for (const std::string& level : QuotaPath(context.tenants, job.tenant)) {
      const TenantQuota& q = context.tenants.Find(level)->quota;
      int64_t running = 0;
      Resources after = HeldNow(context, level, chosen, &running);
      (void)after.Add(request);
      if (q.max.FirstExceeded(after)) return false;
      if (q.max_running_jobs && running >= *q.max_running_jobs) return false;
    }
    return true;
  };
  std::vector<const RunningAllocation*> chosen;
  for (const RunningAllocation* victim : own) {
    chosen.push_back(victim);
    if (!within(chosen)) continue;
    std::vector<JobId> victims;
    for (const RunningAllocation* v : chosen) victims.push_back(v->job);
    return Result(job, std::move(victims), std::nullopt, context);
  }
  return {};
}

PostFilterResult PriorityPreemption::ForRoom(const PendingJob& job, const CycleContext& context) {
  auto lower = [&](const RunningAllocation& v) {
    return v.priority < job.priority() && v.preemptible;
  };
  VictimRule own = [&](const RunningAllocation& v, const auto&) {
    return lower(v) && v.tenant == job.tenant;
  };
  std::optional<VictimPlan> plan = FindVictims(job, context, own);
  if (!plan && job.priority_class->preempt_across_tenants) {
    VictimRule borrowers = [&](const RunningAllocation& v,
                               const std::vector<const RunningAllocation*>& chosen) {
      if (!lower(v)) return false;
      if (v.tenant == job.tenant) return true;
      std::vector<const RunningAllocation*> with_v = chosen;
      with_v.push_back(&v);
      for (const std::string& level : QuotaPath(context.tenants, v.tenant)) {
        Resources after = HeldNow(context, level, with_v, nullptr);
        if (!KeepsGuarantee(context.tenants.Find(level)->quota, after, v.Held())) return false;
      }
      return true;
    };
    plan = FindVictims(job, context, borrowers);
  }
  if (!plan) {
    budget_.Hopeless(job);
    return {};
  }
  return Result(job, std::move(plan->victims), std::move(plan->placement), context);
}

PostFilterResult PriorityPreemption::Result(const PendingJob& job, std::vector<JobId> victims,
                                            std::optional<NodePlacement> room,
                                            const CycleContext& context) {
  PostFilterResult r;
  r.handled = true;
  const std::string& class_name = job.priority_class->name;
  for (JobId victim : victims) {
    r.preemptions.push_back({victim, job.id, kName, "PRIORITY",
                             "preempted by job " + std::to_string(job.id.value) + " of " +
                                 std::string(job.tenant) + " (priority class " + class_name + ")"});
  }
  std::string where = room ? " on node " + context.cluster.node(room->node_index).name : "";
  std::string message = victims.empty()
                            ? "waiting for jobs being stopped" + where + " to free room"
                            : "preempting " + Plural(victims.size(), "lower-priority job") + where;
  r.status = PluginStatus::Unschedulable(kName, reason::kAwaitingPreemption, std::move(message));
  if (room) r.reservation = RoomFor(job, std::move(*room), context);
  return r;
}

void GuaranteeReclaim::BeginCycle(const CycleContext& context) {
  budget_.Reset();
  held_.clear();
  any_guarantee_ = false;
  for (const auto& [name, tenant] : context.tenants.all()) {
    held_[name] = context.tenants.SubtreeOf(name).held;
    any_guarantee_ = any_guarantee_ || !tenant.quota.guaranteed.empty();
  }
}

PostFilterResult GuaranteeReclaim::PostFilter(const PendingJob& job, const PluginStatus& failure,
                                              const CycleContext& context) {
  bool reclaiming =
      failure.plugin == TenantQuotaPlugin::kName && failure.reason == reason::kReclaiming;
  if (!any_guarantee_ || (!reclaiming && !NoRoom(failure))) return {};
  if (job.spec->num_nodes > 1) return {};  // victims are found node by node (see ForRoom)
  const std::vector<std::string> path = QuotaPath(context.tenants, job.tenant);
  if (std::all_of(path.begin(), path.end(), [&](const std::string& level) {
        return context.tenants.Find(level)->quota.guaranteed.empty();
      })) {
    return {};  // nothing guaranteed: nothing to reclaim
  }
  const Resources request = job.spec->Request();
  auto owed = [&](const std::string& level) {
    Resources after = held_[level];
    (void)after.Add(request);
    return WithinGuarantee(context.tenants.Find(level)->quota, after, request);
  };
  const std::string& enterprise = path.front();
  bool project_owed = path.size() > 1 && owed(path.back());
  bool enterprise_owed = owed(enterprise);
  if (!project_owed && !enterprise_owed) return {};
  if (!budget_.Allow(job)) return {};

  // A holder borrows what the job wants if it holds more than its guarantee of some of it, once
  // the victims chosen so far are gone.
  auto borrowing = [&](const std::string& holder, const RunningAllocation& v,
                       const std::vector<const RunningAllocation*>& chosen) {
    Resources held = held_[holder];
    for (const RunningAllocation* c : chosen) {
      if (InSubtree(c->tenant, holder)) held.Subtract(c->Held());
    }
    const TenantQuota& quota = context.tenants.Find(holder)->quota;
    for (const auto& [resource, amount] : request.entries()) {
      if (amount > 0 && held.Get(resource) > quota.guaranteed.Get(resource)) return true;
    }
    (void)v;
    return false;
  };
  VictimRule siblings = [&](const RunningAllocation& v, const auto& chosen) {
    return project_owed && v.tenant != job.tenant && ParentOf(v.tenant) == enterprise &&
           context.tenants.Find(v.tenant) && borrowing(v.tenant, v, chosen);
  };
  VictimRule others = [&](const RunningAllocation& v, const auto& chosen) {
    if (siblings(v, chosen)) return true;
    std::string_view parent = ParentOf(v.tenant);
    std::string theirs(parent.empty() ? std::string_view(v.tenant) : parent);
    return enterprise_owed && theirs != enterprise && context.tenants.Find(theirs) &&
           borrowing(theirs, v, chosen);
  };
  std::optional<VictimPlan> plan;
  if (project_owed) plan = FindVictims(job, context, siblings);
  if (!plan && enterprise_owed) plan = FindVictims(job, context, others);
  if (!plan) {
    budget_.Hopeless(job);
    return {};
  }

  PostFilterResult r;
  r.handled = true;
  for (JobId victim : plan->victims) {
    const RunningAllocation* v = context.cluster.FindAllocation(victim);
    Resources held = v->Held();
    for (const std::string& level : QuotaPath(context.tenants, v->tenant)) {
      held_[level].Subtract(held);
    }
    r.preemptions.push_back(
        {victim, job.id, kName, "RECLAIM",
         "giving capacity back to " + std::string(job.tenant) + "'s guarantee"});
  }
  for (const std::string& level : path) (void)held_[level].Add(request);
  r.status = PluginStatus::Unschedulable(kName, reason::kReclaiming,
                                         "borrowers' jobs are being preempted to free what " +
                                             std::string(job.tenant) + " is guaranteed");
  r.reservation = RoomFor(job, std::move(plan->placement), context);
  return r;
}

}  // namespace sharc::policies
