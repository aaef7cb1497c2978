#include "policies/registry.h"

#include "policies/plugins/backfill.h"
#include "policies/plugins/credit_check.h"
#include "policies/plugins/node_filters.h"
#include "policies/plugins/node_scores.h"
#include "policies/plugins/preemption.h"
#include "policies/plugins/queue_sorts.h"
#include "policies/plugins/tenant_quota.h"

namespace sharc::policies {
namespace {

std::string Join(const std::vector<std::string>& names) {
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out.empty() ? "(none)" : out;
}

// Adds `plugin` to `list` if it implements T; else an error naming where it was listed.
template <typename T>
Status Attach(Plugin* plugin, std::vector<T*>& list, const ProfileConfig& config,
              std::string_view point) {
  T* typed = dynamic_cast<T*>(plugin);
  if (typed == nullptr) {
    return InvalidArgumentError("profile " + config.name + ": " + std::string(point) + ": '" +
                                std::string(plugin->Name()) + "' is not a " + std::string(point) +
                                " plugin");
  }
  list.push_back(typed);
  return Status::Ok();
}

template <typename T>
std::unique_ptr<Plugin> Simple(const ProfileConfig&) {
  return std::make_unique<T>();
}

}  // namespace

void PluginRegistry::Add(std::string name, Factory factory) {
  factories_[std::move(name)] = std::move(factory);
}

std::vector<std::string> PluginRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, factory] : factories_) names.push_back(name);
  return names;
}

StatusOr<std::unique_ptr<Plugin>> PluginRegistry::Make(const std::string& name,
                                                       const ProfileConfig& config) const {
  auto it = factories_.find(name);
  if (it == factories_.end()) {
    return NotFoundError("unknown plugin '" + name + "'; known: " + Join(Names()));
  }
  return it->second(config);
}

StatusOr<std::unique_ptr<Profile>> PluginRegistry::Build(const ProfileConfig& config) const {
  auto profile = std::make_unique<Profile>();
  profile->config = config;
  std::map<std::string, Plugin*> made;
  auto get = [&](const std::string& name) -> StatusOr<Plugin*> {
    if (auto it = made.find(name); it != made.end()) return it->second;
    StatusOr<std::unique_ptr<Plugin>> plugin = Make(name, config);
    if (!plugin.ok()) return plugin.status().WithPrefix("profile " + config.name);
    Plugin* raw = plugin->get();
    profile->plugins.push_back(std::move(*plugin));
    made[name] = raw;
    return raw;
  };
  if (config.nodes_to_score < 1) {
    return InvalidArgumentError("profile " + config.name + ": nodes_to_score must be at least 1");
  }
  if (config.reservations < 0) {
    return InvalidArgumentError("profile " + config.name + ": reservations must not be negative");
  }
  if (config.queue_sort.empty()) {
    return InvalidArgumentError("profile " + config.name + ": queue_sort: name one");
  }
  SHARC_ASSIGN_OR_RETURN(Plugin * sort, get(config.queue_sort));
  std::vector<QueueSortPlugin*> sorts;
  SHARC_RETURN_IF_ERROR(Attach(sort, sorts, config, "queue_sort"));
  profile->queue_sort = sorts.front();
  for (const std::string& name : config.pre_filter) {
    SHARC_ASSIGN_OR_RETURN(Plugin * p, get(name));
    SHARC_RETURN_IF_ERROR(Attach(p, profile->pre_filter, config, "pre_filter"));
  }
  for (const std::string& name : config.filter) {
    SHARC_ASSIGN_OR_RETURN(Plugin * p, get(name));
    SHARC_RETURN_IF_ERROR(Attach(p, profile->filter, config, "filter"));
  }
  for (const ProfileConfig::WeightedPlugin& s : config.score) {
    if (s.weight < 1) {
      return InvalidArgumentError("profile " + config.name + ": score: '" + s.name +
                                  "' has weight " + std::to_string(s.weight) +
                                  "; weights must be at least 1");
    }
    SHARC_ASSIGN_OR_RETURN(Plugin * p, get(s.name));
    std::vector<ScorePlugin*> scores;
    SHARC_RETURN_IF_ERROR(Attach(p, scores, config, "score"));
    profile->score.push_back({scores.front(), s.weight});
  }
  for (const std::string& name : config.permit) {
    SHARC_ASSIGN_OR_RETURN(Plugin * p, get(name));
    SHARC_RETURN_IF_ERROR(Attach(p, profile->permit, config, "permit"));
  }
  for (const std::string& name : config.post_filter) {
    SHARC_ASSIGN_OR_RETURN(Plugin * p, get(name));
    SHARC_RETURN_IF_ERROR(Attach(p, profile->post_filter, config, "post_filter"));
  }
  for (const std::unique_ptr<Plugin>& plugin : profile->plugins) {
    if (auto* reserve = dynamic_cast<ReservePlugin*>(plugin.get())) {
      profile->reserve.push_back(reserve);
    }
  }
  return profile;
}

void RegisterBuiltinPlugins(PluginRegistry& registry) {
  registry.Add(std::string(FifoSort::kName), Simple<FifoSort>);
  registry.Add(std::string(FairShareSort::kName), Simple<FairShareSort>);
  registry.Add(std::string(TenantQuotaPlugin::kName), Simple<TenantQuotaPlugin>);
  registry.Add(std::string(CreditCheckPlugin::kName), Simple<CreditCheckPlugin>);
  registry.Add(std::string(NodeLabelsFilter::kName), Simple<NodeLabelsFilter>);
  registry.Add(std::string(NodeResourcesFilter::kName), Simple<NodeResourcesFilter>);
  registry.Add(std::string(ReservationsFilter::kName), Simple<ReservationsFilter>);
  registry.Add(std::string(BinPackScore::kName), Simple<BinPackScore>);
  registry.Add(std::string(SpreadScore::kName), Simple<SpreadScore>);
  registry.Add(std::string(TopologyScore::kName), Simple<TopologyScore>);
  registry.Add(std::string(PriorityPreemption::kName), Simple<PriorityPreemption>);
  registry.Add(std::string(GuaranteeReclaim::kName), Simple<GuaranteeReclaim>);
  registry.Add(std::string(BackfillPlugin::kName), [](const ProfileConfig& config) {
    return std::make_unique<BackfillPlugin>(config);
  });
}

std::map<std::string, ProfileConfig> BuiltinProfiles() {
  std::map<std::string, ProfileConfig> profiles;
  ProfileConfig standard;
  standard.name = "default";
  profiles[standard.name] = standard;

  ProfileConfig spread = standard;
  spread.name = "spread";
  spread.score = {{"spread", 2}, {"topology", 1}};
  spread.node_search = NodeSearch::kLoosest;
  profiles[spread.name] = spread;

  ProfileConfig fifo;
  fifo.name = "fifo";
  fifo.queue_sort = "fifo";
  fifo.filter = {"node-labels", "node-resources"};
  fifo.score = {};
  fifo.post_filter = {"guarantee-reclaim"};
  fifo.node_search = NodeSearch::kFirstFit;
  fifo.nodes_to_score = 1;
  fifo.backfill = BackfillMode::kOff;
  profiles[fifo.name] = fifo;
  return profiles;
}

}  // namespace sharc::policies
