// The simulated cluster: groups of identical nodes, each group's hardware given the way hwloc
// presents another machine (a synthetic description or an XML file).
//
// Format (one JSON object, no comments):
//   {"nodes": [
//      {"name": "cpu", "count": 100, "synthetic": "pack:2 numa:2(memory=64GiB) core:16 pu:2",
//       "labels": {"rack": "r1"}},
//      {"name": "gpu", "count": 8, "xml": "tests/data/hwloc/gpu-2s-4gpu.xml",
//       "labels": {"kind": "gpu"}}]}
// Per group: name (required; letters, digits, '.', '_' or '-', starting with a letter or digit,
// at most 63 characters with the node number), count (required, 1..100000), exactly one of
// synthetic and xml, labels (optional; string values, non-empty keys). Unknown fields are
// refused.
//
// Memory: hwloc gives a synthetic topology 1 GiB per NUMA node unless the description says
// otherwise, and silently ignores memory= on levels other than NUMA. So a synthetic description
// must state its NUMA nodes' memory, as "numa:N(memory=SIZE)" (SIZE e.g. 64GiB or a number of
// bytes); one that does not is refused with that advice. An XML topology without memory is
// refused too.
#ifndef SHARC_SIM_CLUSTER_SPEC_H_
#define SHARC_SIM_CLUSTER_SPEC_H_

#include <string>
#include <string_view>
#include <vector>

#include "core/node.h"
#include "core/status.h"

namespace sharc::sim {

// Parses a cluster description. `source_name` prefixes errors; relative XML paths are resolved
// against `base_dir` ("" = the current directory).
//
// Nodes are named <group name><number>, numbered from 1 and zero-padded to the width of the
// group's count ("cpu001".."cpu100"; "gpu1".."gpu8"), in group order. Each node has the group's
// topology (probed with agent::ProbeTopology once per distinct description or XML file) and
// labels, binding_simulated = true and enforcement "none: simulated".
//
// InvalidArgument "<source_name>: nodes[<i>].<field>: <what is wrong>" for a bad field, an
// hwloc error (in hwloc's words), a topology without memory or PUs, a duplicate group name, or
// two groups producing the same node name.
StatusOr<std::vector<NodeInventory>> ParseClusterSpec(std::string_view text,
                                                      const std::string& source_name,
                                                      const std::string& base_dir);

// Reads and parses the file at `path`; XML paths are relative to the file's directory.
StatusOr<std::vector<NodeInventory>> LoadClusterSpec(const std::string& path);

}  // namespace sharc::sim

#endif  // SHARC_SIM_CLUSTER_SPEC_H_
