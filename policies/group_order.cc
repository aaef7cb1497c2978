#include "policies/group_order.h"

#include <algorithm>

namespace sharc::policies {

std::vector<int> FewestGroups(std::vector<GroupFree> groups, int need) {
  std::erase_if(groups, [](const GroupFree& g) { return g.free <= 0; });
  // Most free first; ties by lowest id.
  std::sort(groups.begin(), groups.end(), [](const GroupFree& a, const GroupFree& b) {
    return a.free != b.free ? a.free > b.free : a.id < b.id;
  });
  std::vector<int> order;
  size_t next = 0;  // groups[next..] are still unused, still sorted most free first
  while (need > 0 && next < groups.size()) {
    if (groups[next].free < need) {  // not even the largest holds the rest: take it whole
      order.push_back(groups[next].id);
      need -= groups[next].free;
      ++next;
      continue;
    }
    // Some group holds the rest: the best fit is the last one (fewest free) with free >= need;
    // among equal counts, the one with the lowest id.
    size_t best = next;
    for (size_t i = next; i < groups.size() && groups[i].free >= need; ++i) {
      if (groups[i].free < groups[best].free) best = i;
    }
    order.push_back(groups[best].id);
    need = 0;
  }
  return order;
}

}  // namespace sharc::policies
