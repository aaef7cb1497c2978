// Choosing a gang's nodes (JobSpec::num_nodes > 1) among the nodes that pass its filters now.
// Pure; unit-testable on its own.
#ifndef SHARC_POLICIES_GANG_GROUPS_H_
#define SHARC_POLICIES_GANG_GROUPS_H_

#include <cstdint>
#include <string>
#include <vector>

namespace sharc::policies {

// A node that could take one part of the gang.
struct GangMember {
  size_t node = 0;    // its index in the cluster view
  std::string group;  // its value of the gang's topology label ("" when the gang has none)
  int64_t score = 0;  // the profile's score for it (higher is better)
};

// The groups (members sharing `group`) that have at least `count` members, best first: the
// tightest (the fewest members, so larger groups stay whole for larger gangs), then the one
// whose best `count` members score highest, then the lowest group name. Each group lists its
// members' nodes best score first, ties in the order given. The caller takes the first
// `count` nodes of a group that can each hold a part, trying the next group when one cannot.
std::vector<std::vector<size_t>> RankGangGroups(std::vector<GangMember> members, size_t count);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_GANG_GROUPS_H_
