// Choosing which groups (NUMA nodes) to draw items (PUs, GPUs) from, so that a request spans
// as few groups as possible and leaves large free groups intact. Pure.
#ifndef SHARC_POLICIES_GROUP_ORDER_H_
#define SHARC_POLICIES_GROUP_ORDER_H_

#include <vector>

namespace sharc::policies {

struct GroupFree {
  int id = 0;    // e.g. a NUMA node's OS index
  int free = 0;  // free items in the group
};

// The ids of the groups to draw `need` items from, in the order to draw them:
//   while no single remaining group can hold what is still needed, the group with the most
//   free items (ties: lowest id); then the best-fitting group, i.e. the one with the fewest
//   free items that still hold the rest (ties: lowest id).
// The result is the shortest such list, so the request spans the fewest groups. Empty when
// need <= 0. Groups with no free item are never listed. If all groups together hold fewer
// than `need`, every group with a free item is listed, most free first (the caller checks).
std::vector<int> FewestGroups(std::vector<GroupFree> groups, int need);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_GROUP_ORDER_H_
