// Plugins are registered explicitly by name (no static self-registration) and profiles built
// from them by name. Every registered plugin passes the shared contract tests
// (tests/policies/plugin_contract_test.cc) for each extension point it implements.
//
// Built-in plugins:
//   queue sort   fifo, fair-share                       (plugins/queue_sorts.h)
//   pre-filter   tenant-quota, credit                   (plugins/tenant_quota.h, credit_check.h)
//   filter       node-labels, node-resources, reservations
//   score        bin-pack, spread, topology              (plugins/node_scores.h)
//   post-filter  priority-preemption, guarantee-reclaim  (plugins/preemption.h), backfill
// Built-in profiles (BuiltinProfiles):
//   default  fair-share order; quotas and credit; bin-pack (weight 2) with topology (1);
//            priority preemption, guarantee reclaim, EASY backfill with 10 reservations.
//   spread   the same, but spreading jobs over the emptiest nodes.
//   fifo     FIFO order, first-fit over the nodes in registration order, guarantee reclaim,
//            no backfill: how sharc scheduled before profiles existed.
#ifndef SHARC_POLICIES_REGISTRY_H_
#define SHARC_POLICIES_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "policies/profile.h"

namespace sharc::policies {

class PluginRegistry {
 public:
  using Factory = std::function<std::unique_ptr<Plugin>(const ProfileConfig&)>;

  void Add(std::string name, Factory factory);
  std::vector<std::string> Names() const;
  // NotFound listing the known names if `name` is not registered.
  StatusOr<std::unique_ptr<Plugin>> Make(const std::string& name,
                                         const ProfileConfig& config) const;

  // Builds `config`: each plugin it names once (a name listed at several extension points is
  // one instance), checked to implement every extension point it is listed at. InvalidArgument
  // naming the profile, the extension point and the plugin otherwise; also for a missing queue
  // sort, a weight below 1 or nodes_to_score below 1.
  StatusOr<std::unique_ptr<Profile>> Build(const ProfileConfig& config) const;

 private:
  std::map<std::string, Factory> factories_;
};

// Registers the built-in plugins above.
void RegisterBuiltinPlugins(PluginRegistry& registry);

// The built-in profiles above, by name.
std::map<std::string, ProfileConfig> BuiltinProfiles();

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_REGISTRY_H_
