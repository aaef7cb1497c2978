// Choosing a gang's nodes (JobSpec::num_nodes > 1) among the nodes that could each hold one
// of its parts now. Pure; unit-testable on its own.
#ifndef SHARC_POLICIES_GANG_GROUPS_H_
#define SHARC_POLICIES_GANG_GROUPS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace sharc::policies {

// A node that could take one part of the gang.
struct GangMember {
  size_t node = 0;    // its index in the cluster view
  std::string group;  // its value of the gang's topology label ("" when the gang has none)
  int64_t score = 0;  // the profile's score for it (higher is better)
};

// The nodes of the gang, rank order, or nullopt if no group has `count` members. Members are
// grouped by `group`; among the groups with at least `count` members the tightest wins (the
// fewest members: larger groups stay whole for larger gangs), then the one whose best `count`
// members score highest, then the lowest group name. Within the group the best scores come
// first, ties in the order given.
std::optional<std::vector<size_t>> ChooseGangNodes(std::vector<GangMember> members, size_t count);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_GANG_GROUPS_H_
