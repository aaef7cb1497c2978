// Policies are registered explicitly by name (no static self-registration) and chosen by
// configuration. Every registered policy passes the shared contract tests
// (tests/policies/policy_contract_test.cc).
#ifndef SHARC_POLICIES_REGISTRY_H_
#define SHARC_POLICIES_REGISTRY_H_

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"
#include "policies/policy.h"

namespace sharc::policies {

class PolicyRegistry {
 public:
  using QueueOrderFactory = std::function<std::unique_ptr<QueueOrder>()>;
  using PlacementFactory = std::function<std::unique_ptr<PlacementPolicy>()>;

  void AddQueueOrder(std::string name, QueueOrderFactory factory);
  void AddPlacement(std::string name, PlacementFactory factory);

  // NotFound listing the known names if `name` is not registered.
  StatusOr<std::unique_ptr<QueueOrder>> MakeQueueOrder(const std::string& name) const;
  StatusOr<std::unique_ptr<PlacementPolicy>> MakePlacement(const std::string& name) const;

  std::vector<std::string> QueueOrderNames() const;
  std::vector<std::string> PlacementNames() const;

 private:
  std::map<std::string, QueueOrderFactory> queue_orders_;
  std::map<std::string, PlacementFactory> placements_;
};

// Registers the built-in policies: queue order "fifo"; placement "first-fit".
void RegisterBuiltinPolicies(PolicyRegistry& registry);

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_REGISTRY_H_
