// Picking the exact CPUs (hwloc PUs) a job gets on one node. Pure; unit-testable on its own.
#ifndef SHARC_POLICIES_CPU_PICKER_H_
#define SHARC_POLICIES_CPU_PICKER_H_

#include <map>
#include <optional>
#include <vector>

#include "core/node.h"

namespace sharc::policies {

// Free PUs per NUMA node: NUMA OS index -> count, for every NUMA node some PU names (0 if
// none of its PUs is free).
// Precondition: pu_free.size() == topology.pus.size().
std::map<int, int> FreePusPerNuma(const NodeTopology& topology, const std::vector<bool>& pu_free);

// Picks exactly `count` free PUs and returns their OS indices, sorted; nullopt if fewer than
// `count` are free (an empty list when count <= 0).
//
// Which NUMA nodes: those of `first_numa` in that order (typically the NUMA nodes of the GPUs
// the job was granted; unknown or absent ones are ignored), as many as needed; then, for what
// they cannot hold, the fewest further NUMA nodes (FewestGroups: the best-fitting single NUMA
// node if one can hold the rest, else the ones with the most free PUs first).
// Within those NUMA nodes, in that order and then by core index:
//   1. wholly free cores, all of their PUs, while the rest needs at least a whole core;
//   2. for the remainder, free PUs of partially used cores, so free whole cores stay whole;
//   3. only then single PUs of wholly free cores.
// Deterministic: ties are broken by NUMA and core index and OS index.
// Precondition: pu_free.size() == topology.pus.size().
std::optional<std::vector<int>> PickCpus(const NodeTopology& topology,
                                         const std::vector<bool>& pu_free, int count,
                                         const std::vector<int>& first_numa = {});
// The same, given FreePusPerNuma(topology, pu_free) already computed.
std::optional<std::vector<int>> PickCpus(const NodeTopology& topology,
                                         const std::vector<bool>& pu_free, int count,
                                         const std::vector<int>& first_numa,
                                         const std::map<int, int>& free_per_numa);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_CPU_PICKER_H_
