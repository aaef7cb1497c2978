#include "scheduler/tenant_admission.h"

#include <algorithm>

#include "core/tenant.h"

namespace sharc::scheduler {

TenantAdmission::TenantAdmission(const TenantBook& tenants, const ClusterState& state,
                                 const CreditBook& credit, const Resources& capacity,
                                 UnixMillis now)
    : capacity_(capacity), credit_(credit) {
  for (const Tenant* t : tenants.List()) tenants_[t->name].tenant = t;
  for (const auto& [name, usage] : state.usage()) {
    TenantView& view = tenants_[name];
    view.held = usage.held;
    view.running = usage.running;
    view.has_pending = usage.pending > 0;
    (void)total_held_.Add(usage.held);
  }
  if (credit.enforced()) {
    for (auto& [name, view] : tenants_) view.credit = credit.Available(name, now);
  }
}

Resources TenantAdmission::Protected(const TenantView& view) const {
  Resources out;
  if (!view.tenant) return out;
  const TenantQuota& q = view.tenant->quota;
  for (const auto& [resource, guaranteed] : q.guaranteed.entries()) {
    int64_t unused = std::max<int64_t>(0, guaranteed - view.held.Get(resource));
    int64_t lent = 0;
    if (!view.has_pending && !view.tenant->disabled) {
      lent = std::min(unused, q.lendable.Get(resource).value_or(unused));
    }
    out.Set(resource, unused - lent);
  }
  return out;
}

bool WithinGuarantee(const TenantQuota& quota, const Resources& held_after,
                     const Resources& request) {
  bool asks_for_guaranteed = false;
  for (const auto& [resource, guaranteed] : quota.guaranteed.entries()) {
    if (held_after.Get(resource) > guaranteed) return false;
    if (request.Get(resource) > 0) asks_for_guaranteed = true;
  }
  return asks_for_guaranteed;
}

std::optional<policies::AdmissionGate::Hold> TenantAdmission::Check(
    const policies::PendingJob& job) {
  TenantView& view = tenants_[job.tenant];
  const Resources request = job.spec->Request();
  if (view.tenant) {
    const TenantQuota& q = view.tenant->quota;
    if (view.tenant->disabled) {
      return Hold{std::string(reason::kTenantDisabled),
                  "tenant " + job.tenant + " is disabled"};
    }
    if (q.max_running_jobs && view.running >= *q.max_running_jobs) {
      return Hold{std::string(reason::kQuotaRunningJobs),
                  job.tenant + " already runs " + std::to_string(view.running) +
                      " jobs, its limit"};
    }
    Resources after = view.held;
    (void)after.Add(request);
    if (std::optional<std::string> over = q.max.FirstExceeded(after)) {
      return Hold{std::string(reason::kQuotaMax),
                  job.tenant + " would hold " + FormatResourceAmount(*over, after.Get(*over)) +
                      " " + *over + "; its max is " +
                      FormatResourceAmount(*over, *q.max.Get(*over))};
    }
  }
  // Capacity the others' guarantees protect.
  Resources others_protected;
  for (const auto& [name, other] : tenants_) {
    if (name != job.tenant) (void)others_protected.Add(Protected(other));
  }
  for (const auto& [resource, amount] : request.entries()) {
    int64_t after = total_held_.Get(resource) + amount;
    // A full cluster is the placement's business (RESOURCES, and reclaim if owed); the gate
    // holds a job only when what others are guaranteed stands in its way.
    if (after > capacity_.Get(resource)) continue;
    if (after + others_protected.Get(resource) > capacity_.Get(resource)) {
      Resources after = view.held;
      (void)after.Add(request);
      if (view.tenant && WithinGuarantee(view.tenant->quota, after, request)) {
        return Hold{std::string(reason::kReclaiming),
                    "capacity " + job.tenant + " is guaranteed is lent out; reclaiming it"};
      }
      return Hold{std::string(reason::kNoIdleCapacity),
                  "no idle " + resource + " to borrow beyond " + job.tenant + "'s guarantee"};
    }
  }
  if (credit_.enforced()) {
    MicroCredits cost = WorstCaseCost(credit_.prices(), *job.spec);
    if (cost > view.credit) {
      return Hold{std::string(reason::kInsufficientCredit),
                  "needs " + FormatCredits(cost) + " credits reserved; " + job.tenant + " has " +
                      FormatCredits(view.credit) + " available"};
    }
  }
  return std::nullopt;
}

void TenantAdmission::Admitted(const policies::PendingJob& job) {
  TenantView& view = tenants_[job.tenant];
  Resources request = job.spec->Request();
  (void)view.held.Add(request);
  (void)total_held_.Add(request);
  ++view.running;
  if (credit_.enforced()) view.credit -= WorstCaseCost(credit_.prices(), *job.spec);
}

}  // namespace sharc::scheduler
