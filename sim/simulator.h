// The simulation loop of sharc-sim: the real scheduling cycle (policies/scheduling_cycle.h) and
// plugins of one profile, driven by a workload's arrivals and the jobs' ends in virtual time.
// No daemons, no threads, no clocks, no sleeps: the same inputs give the same outputs.
//
// It does what the scheduler does around the cycle, in the same order:
//   - at each moment something happens, every event of that moment is applied first: arrivals
//     join the queue (a job no node of the cluster could ever hold is refused, as a submit is);
//     ends free their resources; preempted jobs that finished stopping are requeued (same job,
//     next attempt, from the start);
//   - then one cycle runs, as the scheduler's coalesced cycles do: if resources were freed (or
//     jobs requeued), a full one (every pending job, reservations made anew) if the last was
//     at least full_cycle_interval_ms ago, else one over the first queue_depth jobs (and a full
//     one is due once the interval is over); otherwise one over the new arrivals only; a
//     cycle that was not full and left a job without room makes a full one due, so that the
//     job gets its reservation;
//   - placements start at once and end after the job's runtime, or at its time limit (TIMEOUT);
//     preemption victims stop kill_grace_ms later;
//   - tenant usage accrues and decays exactly as the scheduler's (policies/usage_tracker.h).
// Each job runs on the one node the cycle chose; binding is not simulated beyond the exact CPUs
// and GPUs it was granted.
#ifndef SHARC_SIM_SIMULATOR_H_
#define SHARC_SIM_SIMULATOR_H_

#include <cstdint>
#include <string>
#include <vector>

#include "core/node.h"
#include "core/status.h"
#include "core/tenant.h"
#include "policies/profile.h"
#include "policies/tenants_view.h"
#include "sim/report.h"
#include "sim/workload.h"

namespace sharc::sim {

struct SimulationOptions {
  policies::ProfileConfig profile;
  std::vector<policies::PriorityClass> priority_classes;  // at least one
  std::string default_priority_class;                     // one of them
  int64_t fair_share_half_life_ms = 7LL * 24 * 3600 * 1000;
  // Tenants with quotas and shares (as a tenants file declares them); a workload tenant not
  // listed has no quota and share 1.
  std::vector<Tenant> tenants;
  // How long a preempted job takes to stop (the agent's grace before SIGKILL).
  int64_t kill_grace_ms = 10'000;
  int32_t queue_depth = 1000;
  int64_t full_cycle_interval_ms = 1000;
};

// Runs `workload` (sorted by arrival) on `nodes`. InvalidArgument if the profile does not build
// or a job names a priority class that does not exist.
StatusOr<RunInputs> Simulate(const std::vector<NodeInventory>& nodes,
                             const std::vector<WorkloadJob>& workload,
                             const SimulationOptions& options);

}  // namespace sharc::sim

#endif  // SHARC_SIM_SIMULATOR_H_
