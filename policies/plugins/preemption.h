// The preemption plugins (PostFilter): when a job cannot start, stop running jobs to make room.
// Victims get the kill grace and are requeued with the same id; the job waits for the room they
// free, reserved for it from now (a Reservation) so that no lower job takes it back and no
// other preemption counts on it.
//
// "priority-preemption": a job of a higher priority class preempts lower ones of preemptible
//   classes:
//   - held by its tenant's own limits (QUOTA_MAX, QUOTA_RUNNING_JOBS): the tenant's youngest
//     lower-priority jobs, as few as bring the tenant (and its enterprise) back within them;
//   - no node can take it (RESOURCES, PRIORITY): first within its tenant, then, if its class may
//     preempt across tenants, also other tenants' jobs where the tenant borrows beyond its
//     guarantee, never taking a tenant (or its enterprise) below its guarantee. On the node
//     needing the fewest victims, youngest first (victim_search.h).
//   The job then waits as AWAITING_PREEMPTION; each victim's message names the job it makes
//   room for and its class.
// "guarantee-reclaim": a job within its tenant's (or enterprise's) guarantee, held because the
//   capacity it is owed is lent out (RECLAIMING) or finding no node (RESOURCES, PRIORITY),
//   preempts borrowers, whatever their class: first sibling projects beyond their own
//   guarantee, then other enterprises beyond theirs. The job waits as RECLAIMING.
// Each makes at most kSearchesPerCycle searches of the nodes a cycle (victim_search.h).
#ifndef SHARC_POLICIES_PLUGINS_PREEMPTION_H_
#define SHARC_POLICIES_PLUGINS_PREEMPTION_H_

#include <map>
#include <optional>
#include <string>

#include "policies/framework.h"
#include "policies/victim_search.h"

namespace sharc::policies {

// How many victim searches each preemption plugin makes in one cycle (victim_search.h).
inline constexpr int kSearchesPerCycle = 64;

class PriorityPreemption final : public PostFilterPlugin {
 public:
  static constexpr std::string_view kName = "priority-preemption";
  std::string_view Name() const override { return kName; }
  void BeginCycle(const CycleContext& context) override;
  PostFilterResult PostFilter(const PendingJob& job, const PluginStatus& failure,
                              const CycleContext& context) override;

 private:
  PostFilterResult ForQuota(const PendingJob& job, const CycleContext& context);
  PostFilterResult ForRoom(const PendingJob& job, const CycleContext& context);
  PostFilterResult Result(const PendingJob& job, std::vector<JobId> victims,
                          std::optional<NodePlacement> room, const CycleContext& context);

  // Among running allocations not terminating, at the start of the cycle.
  std::optional<int32_t> lowest_preemptible_;
  SearchBudget budget_{kSearchesPerCycle};
};

class GuaranteeReclaim final : public PostFilterPlugin {
 public:
  static constexpr std::string_view kName = "guarantee-reclaim";
  std::string_view Name() const override { return kName; }
  void BeginCycle(const CycleContext& context) override;
  PostFilterResult PostFilter(const PendingJob& job, const PluginStatus& failure,
                              const CycleContext& context) override;

 private:
  // What each tenant holds (subtree), less the victims chosen this cycle, plus what reclaiming
  // jobs booked.
  std::map<std::string, Resources, std::less<>> held_;
  bool any_guarantee_ = false;  // some tenant has one: otherwise there is nothing to reclaim
  SearchBudget budget_{kSearchesPerCycle};
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PLUGINS_PREEMPTION_H_
