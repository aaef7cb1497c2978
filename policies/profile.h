// A scheduling profile: which plugins run at each extension point, the score weights, and how
// nodes are searched. Named in the scheduler's configuration and built from the plugin registry
// (registry.h); the built-in profiles are listed there.
#ifndef SHARC_POLICIES_PROFILE_H_
#define SHARC_POLICIES_PROFILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "policies/framework.h"

namespace sharc::policies {

// How the cycle looks for nodes.
enum class NodeSearch {
  kTightest,  // free-capacity index, least free first (bin-pack)
  kLoosest,   // free-capacity index, most free first (spread)
  kFirstFit,  // every schedulable node in index order (registration order): today's first-fit
};

enum class BackfillMode {
  kOff,           // no reservations: a blocked job may wait behind smaller ones indefinitely
  kEasy,          // the first `reservations` blocked jobs get a reservation
  kConservative,  // every blocked job gets one (up to `reservations`, default 1000)
};

// What a profile is made of, as the configuration names it.
struct ProfileConfig {
  std::string name;
  std::string queue_sort = "fair-share";
  std::vector<std::string> pre_filter = {"tenant-quota", "credit"};
  std::vector<std::string> filter = {"node-labels", "node-resources", "reservations"};
  struct WeightedPlugin {
    std::string name;
    int64_t weight = 1;
    friend bool operator==(const WeightedPlugin&, const WeightedPlugin&) = default;
  };
  std::vector<WeightedPlugin> score = {{"bin-pack", 2}, {"topology", 1}};
  std::vector<std::string> permit;
  std::vector<std::string> post_filter = {"priority-preemption", "guarantee-reclaim", "backfill"};
  NodeSearch node_search = NodeSearch::kTightest;
  // How many nodes that pass every filter are scored before one is chosen (per pool of alike
  // nodes); 1 takes the first found.
  int32_t nodes_to_score = 8;
  BackfillMode backfill = BackfillMode::kEasy;
  int32_t reservations = 10;  // how many blocked jobs get a reservation
  friend bool operator==(const ProfileConfig&, const ProfileConfig&) = default;
};

// A built profile: plugin instances sorted by extension point. Plugins that implement several
// extension points appear in each list they implement and are listed for (Reserve plugins are
// every listed plugin that implements Reserve).
struct Profile {
  ProfileConfig config;
  std::vector<std::unique_ptr<Plugin>> plugins;  // owns them all, each once
  QueueSortPlugin* queue_sort = nullptr;
  std::vector<PreFilterPlugin*> pre_filter;
  std::vector<FilterPlugin*> filter;
  struct WeightedScore {
    ScorePlugin* plugin = nullptr;
    int64_t weight = 1;
  };
  std::vector<WeightedScore> score;
  std::vector<PermitPlugin*> permit;
  std::vector<ReservePlugin*> reserve;
  std::vector<PostFilterPlugin*> post_filter;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PROFILE_H_
