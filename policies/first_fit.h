// Placement "first-fit": the first node (in name order) that fits, with the exact CPUs and
// GPUs chosen by PlaceExactly (whole cores first, fewest NUMA nodes, NUMA-local to the
// granted GPUs).
#ifndef SHARC_POLICIES_FIRST_FIT_H_
#define SHARC_POLICIES_FIRST_FIT_H_

#include "policies/policy.h"

namespace sharc::policies {

// Stateless; safe to share between threads.
class FirstFitPlacement final : public PlacementPolicy {
 public:
  static constexpr std::string_view kName = "first-fit";

  std::string_view name() const override { return kName; }
  std::optional<Placement> PlaceOnNode(const NodeSnapshot& node, size_t node_index,
                                       const JobSpec& spec) const override;
  // Always 0: the candidates come in node order, so that is the first node that fits.
  size_t Choose(const ClusterSnapshot& snapshot,
                const std::vector<Placement>& candidates) const override;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_FIRST_FIT_H_
