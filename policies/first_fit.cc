#include "policies/first_fit.h"

#include <cassert>

#include "policies/node_placement.h"

namespace sharc::policies {

std::optional<Placement> FirstFitPlacement::PlaceOnNode(const NodeSnapshot& node, size_t node_index,
                                                        const JobSpec& spec) const {
  return PlaceExactly(node, node_index, spec);
}

size_t FirstFitPlacement::Choose(const ClusterSnapshot& /*snapshot*/,
                                 [[maybe_unused]] const std::vector<Placement>& candidates) const {
  assert(!candidates.empty());
  return 0;
}

}  // namespace sharc::policies
