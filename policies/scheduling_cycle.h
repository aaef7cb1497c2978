// One scheduling cycle: the deterministic core that turns the cluster, the tenants, the pending
// jobs and the time into decisions. No I/O and no clock of its own (an optional stopwatch only
// times decisions for the metrics).
//
// For each pending job in the profile's queue order (or the first `depth` of them):
//   1. PreFilter plugins; a hold keeps the job pending with the plugin's reason (and, when
//      preemption could resolve it, PostFilter plugins run as in 4).
//   2. Candidate nodes come from the free-capacity index (or every node, for first-fit) in the
//      profile's order; Filter plugins check each; up to nodes_to_score that pass, per pool of
//      alike nodes, are kept. A CPU job looks at nodes with GPUs only if no other node passed.
//   3. Score plugins rank them (weighted sum; ties to the node found first); the exact CPUs,
//      GPUs and memory are picked on the best (NUMA-local to the GPUs, fewest NUMA nodes), or the
//      next if that fails; Permit plugins may veto; Reserve plugins count it; the placement is
//      assumed on the view so later jobs see it.
//   4. If no node could take it: never fits anywhere (no node, in any state, could ever hold
//      it) is kNeverFits; otherwise PostFilter plugins in order (preemption, then backfill
//      reservation) and the job stays pending with the first handling plugin's reason, or
//      UNSATISFIABLE (no schedulable node could hold it), NO_NODES, PRIORITY (it would delay a
//      reservation) or RESOURCES.
// Free room only shrinks during a cycle, so once no node took a job, no node takes one of the
// same labels, GPU model and priority that asks for at least as much of everything (time limit
// included): such jobs skip step 2 and 3 (a cycle over a long queue on a full cluster costs
// O(queue), not O(queue x nodes)).
// A cycle leaves `view` exactly as it found it: the caller applies the decisions.
#ifndef SHARC_POLICIES_SCHEDULING_CYCLE_H_
#define SHARC_POLICIES_SCHEDULING_CYCLE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "policies/framework.h"
#include "policies/profile.h"

namespace sharc::policies {

enum class VerdictKind {
  kPlaced,     // `placement` is set
  kNotNow,     // may start later; `reason` is a pending reason code (core/job.h)
  kNeverFits,  // no known node could ever run it; `message` names the limit
};

struct Decision {
  JobId job;
  VerdictKind kind = VerdictKind::kNotNow;
  std::optional<Placement> placement;
  std::string reason;   // e.g. "RESOURCES", "QUOTA_MAX", "RESERVED"
  std::string message;  // e.g. "no node has 3 GPUs; the largest has 2"
  std::string plugin;   // which plugin decided a hold, if one did
};

struct CycleInput {
  std::vector<PendingJob> pending;
  // A full cycle makes backfill reservations anew (rooms held for preemptors stay until their
  // job's turn); any other (the queue's head after an event, or only new arrivals) keeps
  // `reservations` from the last full one and makes only rooms for preemptors.
  bool full = true;
  std::vector<Reservation> reservations;
  // Only the first `depth` jobs in queue order are considered (0: all of them); the others get
  // no decision and keep their state.
  size_t depth = 0;
};

struct CycleResult {
  std::vector<Decision> decisions;        // one per job considered, in that order
  std::vector<Preemption> preemptions;    // running jobs to stop, at most once each
  std::vector<Reservation> reservations;  // in effect after the cycle
  // How long each job's search of the nodes took (jobs held by a PreFilter are not searched),
  // measured with the stopwatch when one is given.
  std::vector<std::chrono::nanoseconds> placement_durations;
};

// Returns monotonic nanoseconds; only used to time decisions.
using Stopwatch = std::function<int64_t()>;

// Whether the cycle left a job without room (RESOURCES). Outside a full cycle such a job has no
// reservation yet: the scheduler and sharc-sim then make a full cycle due.
bool LeftJobsWithoutRoom(const CycleResult& result);

CycleResult RunCycle(ClusterView& view, const TenantsView& tenants, Profile& profile,
                     CycleInput input, UnixMillis now, const Stopwatch& stopwatch = nullptr);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_SCHEDULING_CYCLE_H_
