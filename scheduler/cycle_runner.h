// Runs the scheduling cycles of the daemon: gathers the pending jobs and the tenants' view,
// runs the deterministic core (policies/scheduling_cycle.h) with the configured profile, and
// applies its decisions through the job lifecycle: placements start, preemption victims are
// stopped, the others keep a pending reason, and backfill reservations are kept so listings can
// show when and where a job is expected to start.
//
// Cycles are triggered by events and coalesced (one per pass of the event loop), never by
// polling (SchedulingConfig explains the pacing):
//   - new jobs only: a cycle over the new jobs;
//   - resources freed (a job ended, a node came, a limit was raised): a cycle over the first
//     queue_depth jobs at once, and a full cycle (every pending job, reservations made anew) as
//     soon as the last full one is full_cycle_interval old.
// State thread only.
#ifndef SHARC_SCHEDULER_CYCLE_RUNNER_H_
#define SHARC_SCHEDULER_CYCLE_RUNNER_H_

#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "policies/profile.h"
#include "policies/scheduling_cycle.h"
#include "scheduler/job_lifecycle.h"
#include "scheduler/scheduler_context.h"
#include "scheduler/tenant_service.h"

namespace sharc::scheduler {

// When and where a pending job is expected to start, from its reservation.
struct ExpectedStart {
  UnixMillis time = 0;
  std::vector<std::string> nodes;
};

class CycleRunner final : public CycleLink {
 public:
  // `check_invariants` runs after every cycle (a no-op unless the options ask for checks).
  CycleRunner(const SchedulerContext& context, JobLifecycle& jobs, TenantService& tenants,
              std::unique_ptr<policies::Profile> profile,
              std::function<void(const char*)> check_invariants);

  void RequestCycle() override;
  void Arrived(JobId job) override;

  // The reservation of a pending job, if the last full cycle made one.
  std::optional<ExpectedStart> ExpectedStartOf(JobId job) const;
  const policies::Profile& profile() const { return *profile_; }
  const std::vector<policies::Reservation>& reservations() const { return reservations_; }

 private:
  enum class Kind { kArrivals, kHead, kFull };
  void Post();
  void Run();
  std::vector<policies::PendingJob> Candidates(Kind kind) const;
  void Apply(policies::CycleResult& result);

  const SchedulerContext& context_;
  JobLifecycle& jobs_;
  TenantService& tenants_;
  std::unique_ptr<policies::Profile> profile_;
  std::function<void(const char*)> check_invariants_;
  bool posted_ = false;     // a cycle is queued on the event loop
  bool head_due_ = false;   // resources freed since the last cycle
  bool full_due_ = false;   // resources freed since the last full cycle
  bool timer_set_ = false;  // a full cycle is waiting for its interval
  SteadyTime last_full_{};
  std::vector<JobId> arrived_;
  std::vector<policies::Reservation> reservations_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_CYCLE_RUNNER_H_
