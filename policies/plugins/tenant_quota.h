// "tenant-quota" (PreFilter, Reserve): whether a tenant's job may start now, by the quotas of
// the tenant and of its enterprise, whatever node it would go to.
//
// For a job J of tenant T with request R, where path(T) is T's enterprise and, for a project,
// the project itself; each level L counts its whole subtree (an enterprise: its own jobs and its
// projects'):
//   1. some L is disabled                                        -> TENANT_DISABLED
//   2. some L runs max_running_jobs already                      -> QUOTA_RUNNING_JOBS
//   3. held_L + R > max_L for some L                             -> QUOTA_MAX
//   4. sum(held) + R <= capacity, but sum(held) + R + protected > capacity for some resource,
//      where protected is what the other guarantee holders are owed: every other enterprise's
//      unused guarantee and every sibling project's (T's enterprise's own unassigned guarantee
//      is T's to use), each less what the holder lends while neither it nor its projects have
//      pending work (lendable, default all of it)
//      -> RECLAIMING if some L stays within its guarantee with J (the capacity it is owed is
//         lent out: borrowers are preempted), else NO_IDLE_CAPACITY (nothing idle to borrow).
//      A cluster that is simply full is left to placement (RESOURCES).
// Idle capacity is thus lent inside an enterprise first: a project's unused guarantee is
// protected from other enterprises while its enterprise has pending work, and only from its
// siblings while it has pending work itself.
// Holds 2 and 3 can be resolved by preempting the tenant's own lower-priority jobs, and 4
// (RECLAIMING) by reclaiming from borrowers: those holds say so (preemption_may_help).
// Capacity is what the schedulable nodes have. GPU-model quotas (gpu/<model>) count jobs that
// ask for that model. A tenant the view does not know has no quota.
#ifndef SHARC_POLICIES_PLUGINS_TENANT_QUOTA_H_
#define SHARC_POLICIES_PLUGINS_TENANT_QUOTA_H_

#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "policies/framework.h"

namespace sharc::policies {

// Whether a holder holding `held_after` (its current holdings plus `request`) stays within its
// guarantee: every guaranteed resource it would hold is within the guarantee, and the request
// asks for at least one guaranteed resource. Resources without a guarantee do not count.
bool WithinGuarantee(const TenantQuota& quota, const Resources& held_after,
                     const Resources& request);

// Enterprise first, then the tenant if it is a project; the names of the levels whose quotas
// apply to a tenant's job. Only names the view knows.
std::vector<std::string> QuotaPath(const TenantsView& tenants, std::string_view tenant);

class TenantQuotaPlugin final : public PreFilterPlugin, public ReservePlugin {
 public:
  static constexpr std::string_view kName = "tenant-quota";
  std::string_view Name() const override { return kName; }
  void BeginCycle(const CycleContext& context) override;
  PluginStatus PreFilter(const PendingJob& job, const CycleContext& context) override;
  void Reserve(const PendingJob& job, const Placement& placement,
               const CycleContext& context) override;
  void Unreserve(const PendingJob& job, const Placement& placement,
                 const CycleContext& context) override;

 private:
  struct Holder {
    const TenantView* tenant = nullptr;
    Resources held;            // subtree
    int64_t running = 0;       // subtree
    bool has_pending = false;  // subtree
    Resources protected_now;   // what others may not take
  };
  // The levels whose quotas apply to a tenant's jobs: its enterprise, then itself if a project.
  struct Path {
    Holder* levels[2] = {nullptr, nullptr};
    int size = 0;
  };
  Path PathOf(std::string_view tenant);
  Resources Protected(const Holder& holder) const;
  // Recomputes `name`'s protected amount and the sums it is part of.
  void Refresh(const std::string& name);
  void Count(const PendingJob& job, int sign);
  // What the guarantee holders other than `path`'s own are owed of `resource`.
  int64_t OthersProtected(const Path& path, std::string_view resource) const;
  // Whether some holder is owed something now (when none is, no guarantee can hold a job).
  bool AnyProtected() const;

  const TenantsView* tenants_ = nullptr;  // this cycle's
  std::map<std::string, Holder, std::less<>> holders_;
  std::map<std::string, Path, std::less<>> paths_;  // by tenant; PathOf's answers this cycle
  Resources capacity_;
  Resources total_held_;
  Resources enterprises_protected_;                                   // sum over enterprises
  std::map<std::string, Resources, std::less<>> projects_protected_;  // sum per enterprise
  std::unordered_map<JobId, bool> reserved_;  // Reserve counts once per job; Unreserve idempotent
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PLUGINS_TENANT_QUOTA_H_
