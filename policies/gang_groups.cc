#include "policies/gang_groups.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace sharc::policies {

std::vector<std::vector<size_t>> RankGangGroups(std::vector<GangMember> members, size_t count) {
  if (count == 0) return {};
  std::stable_sort(members.begin(), members.end(),
                   [](const GangMember& a, const GangMember& b) { return a.score > b.score; });
  std::map<std::string, std::vector<const GangMember*>> groups;
  for (const GangMember& m : members) groups[m.group].push_back(&m);
  // (members, -score of the best `count`, name) per group that is large enough.
  std::vector<std::tuple<size_t, int64_t, const std::string*>> keys;
  for (const auto& [name, group] : groups) {
    if (group.size() < count) continue;
    int64_t score = 0;
    for (size_t i = 0; i < count; ++i) score += group[i]->score;
    keys.emplace_back(group.size(), -score, &name);
  }
  std::sort(keys.begin(), keys.end(), [](const auto& a, const auto& b) {
    return std::tie(std::get<0>(a), std::get<1>(a), *std::get<2>(a)) <
           std::tie(std::get<0>(b), std::get<1>(b), *std::get<2>(b));
  });
  std::vector<std::vector<size_t>> ranked;
  ranked.reserve(keys.size());
  for (const auto& key : keys) {
    std::vector<size_t>& nodes = ranked.emplace_back();
    for (const GangMember* m : groups.at(*std::get<2>(key))) nodes.push_back(m->node);
  }
  return ranked;
}

}  // namespace sharc::policies
