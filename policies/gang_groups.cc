#include "policies/gang_groups.h"

#include <algorithm>
#include <map>
#include <tuple>

namespace sharc::policies {

std::optional<std::vector<size_t>> ChooseGangNodes(std::vector<GangMember> members, size_t count) {
  if (count == 0 || members.size() < count) return std::nullopt;
  std::stable_sort(members.begin(), members.end(),
                   [](const GangMember& a, const GangMember& b) { return a.score > b.score; });
  std::map<std::string, std::vector<const GangMember*>> groups;
  for (const GangMember& m : members) groups[m.group].push_back(&m);
  const std::vector<const GangMember*>* best = nullptr;
  std::tuple<size_t, int64_t> best_key;       // (members, -score of the best `count`)
  for (const auto& [name, group] : groups) {  // by name: ties keep the lowest
    if (group.size() < count) continue;
    int64_t score = 0;
    for (size_t i = 0; i < count; ++i) score += group[i]->score;
    std::tuple<size_t, int64_t> key{group.size(), -score};
    if (best == nullptr || key < best_key) {
      best = &group;
      best_key = key;
    }
  }
  if (best == nullptr) return std::nullopt;
  std::vector<size_t> nodes;
  for (size_t i = 0; i < count; ++i) nodes.push_back((*best)[i]->node);
  return nodes;
}

}  // namespace sharc::policies
