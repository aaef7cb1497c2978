// The scheduler's admission gate (policies/policy.h): whether a tenant's job may start now,
// by its quotas and credit, whatever node it would go to.
//
// For a job J of tenant T with request R, per resource r (in order):
//   1. T is disabled                                   -> TENANT_DISABLED
//   2. T runs max_running_jobs already                 -> QUOTA_RUNNING_JOBS
//   3. held_T + R > max_T                              -> QUOTA_MAX
//   4. sum(held) + R <= capacity, but sum(held) + R + sum over U != T of protected_U >
//      capacity, where protected_U is U's unused guarantee, less what U lends while it has
//      no pending work (lendable, default all of it)
//      -> RECLAIMING if held_T + R is within T's guarantee (the capacity T is owed is lent
//         out: the scheduler preempts borrowers), else NO_IDLE_CAPACITY (nothing idle to
//         borrow). A cluster that is simply full is left to placement (RESOURCES); the
//         scheduler reclaims for those jobs too when they are within their guarantee.
//   5. credit enforced and T's available credit (minus what this cycle reserved) is below
//      J's worst-case cost                            -> INSUFFICIENT_CREDIT
// Capacity is what the UP, connected nodes have. GPU-model quotas (gpu/<model>) count jobs
// that ask for that model.
#ifndef SHARC_SCHEDULER_TENANT_ADMISSION_H_
#define SHARC_SCHEDULER_TENANT_ADMISSION_H_

#include <map>
#include <string>

#include "policies/policy.h"
#include "scheduler/cluster_state.h"
#include "scheduler/credit_book.h"
#include "scheduler/tenant_book.h"

namespace sharc::scheduler {

// Whether a tenant holding `held_after` (its current holdings plus `request`) stays within
// its guarantee: every guaranteed resource it would hold is within the guarantee, and the
// request asks for at least one guaranteed resource. Resources without a guarantee (say,
// memory when only CPUs and GPUs are guaranteed) do not count either way.
bool WithinGuarantee(const TenantQuota& quota, const Resources& held_after,
                     const Resources& request);

class TenantAdmission final : public policies::AdmissionGate {
 public:
  // Reads everything it needs now; the arguments need not outlive it.
  TenantAdmission(const TenantBook& tenants, const ClusterState& state, const CreditBook& credit,
                  const Resources& capacity, UnixMillis now);

  std::optional<Hold> Check(const policies::PendingJob& job) override;
  void Admitted(const policies::PendingJob& job) override;

 private:
  struct TenantView {
    const Tenant* tenant = nullptr;  // null: unknown tenant (no quota)
    Resources held;
    int64_t running = 0;
    bool has_pending = false;
    MicroCredits credit = 0;  // available now, minus this cycle's reservations
  };
  Resources Protected(const TenantView& view) const;

  std::map<std::string, TenantView> tenants_;
  Resources capacity_;
  Resources total_held_;
  const CreditBook& credit_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_TENANT_ADMISSION_H_
