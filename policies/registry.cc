#include "policies/registry.h"

#include "policies/fifo_order.h"
#include "policies/first_fit.h"

namespace sharc::policies {
namespace {

template <typename Map>
std::vector<std::string> Names(const Map& map) {
  std::vector<std::string> names;
  for (const auto& [name, factory] : map) names.push_back(name);
  return names;
}

std::string Join(const std::vector<std::string>& names) {
  if (names.empty()) return "(none)";
  std::string out;
  for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
  return out;
}

template <typename Map>
auto Make(const Map& map, const std::string& name, std::string_view kind)
    -> StatusOr<decltype(map.begin()->second())> {
  auto it = map.find(name);
  if (it == map.end()) {
    return NotFoundError("unknown " + std::string(kind) + " '" + name +
                         "'; known: " + Join(Names(map)));
  }
  return it->second();
}

}  // namespace

void PolicyRegistry::AddQueueOrder(std::string name, QueueOrderFactory factory) {
  queue_orders_[std::move(name)] = std::move(factory);
}

void PolicyRegistry::AddPlacement(std::string name, PlacementFactory factory) {
  placements_[std::move(name)] = std::move(factory);
}

StatusOr<std::unique_ptr<QueueOrder>> PolicyRegistry::MakeQueueOrder(
    const std::string& name) const {
  return Make(queue_orders_, name, "queue order");
}

StatusOr<std::unique_ptr<PlacementPolicy>> PolicyRegistry::MakePlacement(
    const std::string& name) const {
  return Make(placements_, name, "placement");
}

std::vector<std::string> PolicyRegistry::QueueOrderNames() const { return Names(queue_orders_); }

std::vector<std::string> PolicyRegistry::PlacementNames() const { return Names(placements_); }

void RegisterBuiltinPolicies(PolicyRegistry& registry) {
  registry.AddQueueOrder(std::string(FifoOrder::kName),
                         [] { return std::make_unique<FifoOrder>(); });
  registry.AddPlacement(std::string(FirstFitPlacement::kName),
                        [] { return std::make_unique<FirstFitPlacement>(); });
}

}  // namespace sharc::policies
