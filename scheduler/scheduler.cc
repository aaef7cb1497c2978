#include "scheduler/scheduler.h"

#include <cstdlib>

#include "core/log.h"
#include "policies/registry.h"

namespace sharc::scheduler {

StatusOr<std::unique_ptr<Scheduler>> Scheduler::Create(SchedulerOptions options,
                                                       SchedulerDeps deps) {
  assert(deps.clock && deps.store && deps.post && deps.post_after && deps.run_in_background);
  policies::PluginRegistry registry;
  policies::RegisterBuiltinPlugins(registry);
  SHARC_ASSIGN_OR_RETURN(std::unique_ptr<policies::Profile> profile,
                         registry.Build(options.scheduling.active_profile()));
  return std::unique_ptr<Scheduler>(
      new Scheduler(std::move(options), std::move(deps), std::move(profile)));
}

Scheduler::Scheduler(SchedulerOptions options, SchedulerDeps deps,
                     std::unique_ptr<policies::Profile> profile)
    : options_(std::move(options)),
      deps_(std::move(deps)),
      commits_(*deps_.store, deps_.post),
      context_{options_, deps_, state_, commits_, nodes_, cycles_},
      accounting_(context_),
      tenants_(context_, accounting_),
      jobs_(context_, tenants_, accounting_),
      queries_(context_),
      nodes_(context_, jobs_, accounting_),
      cycles_(context_, jobs_, tenants_, std::move(profile),
              [this](const char* where) { CheckInvariantsOrDie(where); }),
      audit_(context_),
      clock_jumps_(*deps_.clock) {}

Status Scheduler::Restore(store::StoredState stored) {
  std::vector<store::Mutation> repairs;
  accounting_.Restore(stored);
  nodes_.Restore(stored);
  jobs_.Restore(stored, &repairs);
  SHARC_RETURN_IF_ERROR(tenants_.Restore(stored, &repairs));
  audit_.Restore(stored);
  if (!repairs.empty()) commits_.CommitOrDie(std::move(repairs), [] {});
  LogInfo("scheduler", "restored " + std::to_string(state_.jobs().size()) + " jobs (and " +
                           std::to_string(state_.evicted().size()) +
                           " finished ones kept in the store only) and " +
                           std::to_string(state_.nodes().size()) + " nodes; scheduling with " +
                           "profile " + options_.scheduling.profile);
  cycles_.RequestCycle();
  return Status::Ok();
}

void Scheduler::Tick() {
  if (std::optional<std::chrono::milliseconds> jump = clock_jumps_.Check()) {
    LogWarning("scheduler", DescribeClockJump(*jump, context_.Now()));
    if (deps_.metrics) deps_.metrics->CountClockJump();
  }
  jobs_.EvictEnded();
  nodes_.Tick();
  accounting_.Tick();
  tenants_.Tick();
}

void Scheduler::CheckInvariantsOrDie(const char* where) const {
  if (!options_.check_invariants) return;
  Status status = state_.CheckInvariants();
  if (status.ok()) status = tenants_.CheckInvariants();
  if (status.ok()) return;
  LogError("scheduler", std::string("invariant broken after ") + where + ": " + status.message());
  std::abort();
}

}  // namespace sharc::scheduler
