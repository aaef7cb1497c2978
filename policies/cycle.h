// One scheduling cycle: order the pending jobs, then place each in turn on a private copy of
// the snapshot's free resources, so that later jobs see what earlier ones took.
#ifndef SHARC_POLICIES_CYCLE_H_
#define SHARC_POLICIES_CYCLE_H_

#include <chrono>
#include <vector>

#include "policies/policy.h"

namespace sharc::policies {

struct CycleResult {
  std::vector<Decision> decisions;  // one per pending job, in the order they were considered
  // How long the search of the nodes took for each job that was searched (jobs the gate held
  // or that met a full cluster were not), for the placement-duration histogram.
  std::vector<std::chrono::nanoseconds> placement_durations;
};

// Pure but for the timing it reports. Jobs whose labels no UP node matches, or which no UP node
// could hold even when empty, are kNotNow with reason UNSATISFIABLE (their node may come back)
// unless no node at all, in any state, could ever hold them: then kNeverFits. With no UP node,
// kNotNow NO_NODES. Once no UP node has a free PU left, remaining jobs are kNotNow RESOURCES
// without being tried, so a full cluster costs O(jobs), not O(jobs x nodes). `gate` (may be null)
// is asked first for every job; a job it holds is kNotNow with its reason and is not placed.
CycleResult RunSchedulingCycle(const ClusterSnapshot& snapshot, std::vector<PendingJob> pending,
                               const QueueOrder& order, const PlacementPolicy& placement,
                               UnixMillis now, AdmissionGate* gate = nullptr);

// Whether any node of `snapshot` (any state), empty, could run `spec`: OK, or Unsatisfiable
// with a message naming the limit, e.g. "no node has 3 GPUs; the largest has 2", "no node
// has label zone=eu", "no node has 2 GPUs of model H100; the most is 1". With no nodes at all
// it returns OK (nothing is known yet, so nothing is refused).
Status CheckEverFits(const ClusterSnapshot& snapshot, const JobSpec& spec);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_CYCLE_H_
