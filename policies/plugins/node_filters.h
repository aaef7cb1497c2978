// Filters on one node's own properties.
//
// "node-labels":    the node carries every label the job asks for (UNSATISFIABLE otherwise).
// "node-resources": the node has the job's CPUs, memory and GPUs of its model free now
//                   (RESOURCES otherwise); memory a filter kept for a reservation does not count.
#ifndef SHARC_POLICIES_PLUGINS_NODE_FILTERS_H_
#define SHARC_POLICIES_PLUGINS_NODE_FILTERS_H_

#include "policies/framework.h"

namespace sharc::policies {

class NodeLabelsFilter final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "node-labels";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PendingJob& job, const NodeView& node, NodeFit& fit,
                      const CycleContext& context) const override;
};

class NodeResourcesFilter final : public FilterPlugin {
 public:
  static constexpr std::string_view kName = "node-resources";
  std::string_view Name() const override { return kName; }
  PluginStatus Filter(const PendingJob& job, const NodeView& node, NodeFit& fit,
                      const CycleContext& context) const override;
};

// Free GPUs of `node` that match `model` and are not excluded (`excluded` may be empty).
int FreeMatchingGpus(const NodeView& node, std::string_view model,
                     const std::vector<bool>& excluded = {});

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PLUGINS_NODE_FILTERS_H_
