// Backfill with reservations (EASY by default, conservative on request).
//
// "backfill" (PostFilter): in a full cycle, the first `reservations` jobs that no node could take
//   (RESOURCES or PRIORITY; not jobs held by quota or credit) get a reservation: the earliest
//   time, from the running jobs' time limits (jobs being stopped end now), at which some node
//   can hold the job for its whole time limit, with the exact CPUs, GPUs and memory it will get
//   there, beside what earlier reservations hold over that time. The job waits as RESERVED, and its
//   message says when and where it is expected to start. Reservations are made anew in every
//   full cycle, so they move earlier as jobs end early; an incremental cycle keeps the last ones.
// "reservations" (Filter): a job may start on a node only if it ends (start + time limit)
//   before every reservation there, or takes none of the reserved CPUs and GPUs and leaves the
//   reserved memory free at the reservation's start. Otherwise the node is refused with
//   PRIORITY. Reservations of lower priority classes than the job's are ignored, so a newly
//   arrived high-priority job is never held behind a lower one's reservation.
#ifndef SHARC_POLICIES_PLUGINS_BACKFILL_H_
#define SHARC_POLICIES_PLUGINS_BACKFILL_H_

#include <optional>

#include "policies/framework.h"
#include "policies/profile.h"

namespace sharc::policies {

class BackfillPlugin final : public PostFilterPlugin {
 public:
  static constexpr std::string_view kName = "backfill";
  explicit BackfillPlugin(const ProfileConfig& config);
  std::string_view Name() const override { return kName; }
  void BeginCycle(const CycleContext& context) override;
  PostFilterResult PostFilter(const PendingJob& job, const PluginStatus& failure,
                              const CycleContext& context) override;

 private:
  BackfillMode mode_;
  int32_t limit_;
  int32_t made_ = 0;  // reservations made this cycle
};

class ReservationsFilter final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "reservations";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PendingJob& job, const NodeView& node, NodeFit& fit,
                      const CycleContext& context) const override;
};

// The earliest reservation for `job` given the running jobs' expected ends and the
// reservations in `context.work`; nullopt if no node could ever hold it beside them. A gang's
// spans num_nodes nodes of one topology group, from when the last of them can hold its part.
std::optional<Reservation> EarliestStart(const PendingJob& job, const CycleContext& context);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PLUGINS_BACKFILL_H_
