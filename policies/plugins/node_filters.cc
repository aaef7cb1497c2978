#include "policies/plugins/node_filters.h"

#include "policies/feasibility.h"
#include "policies/gpu_picker.h"

namespace sharc::policies {

int FreeMatchingGpus(const NodeView& node, std::string_view model,
                     const std::vector<bool>& excluded) {
  int free = 0;
  for (size_t i = 0; i < node.gpu_free.size(); ++i) {
    if (!node.gpu_free[i] || (i < excluded.size() && excluded[i])) continue;
    if (GpuModelMatches(node.topology->gpus[i], model)) ++free;
  }
  return free;
}

PluginStatus NodeLabelsFilter::Filter(const PendingJob& job, const NodeView& node, NodeFit& /*fit*/,
                                      const CycleContext& /*context*/) const {
  if (LabelsMatch(node, *job.spec)) return PluginStatus::Success();
  return PluginStatus::Unresolvable(kName, reason::kUnsatisfiable,
                                    "node " + node.name + " lacks a label the job asks for");
}

PluginStatus NodeResourcesFilter::Filter(const PendingJob& job, const NodeView& node, NodeFit& fit,
                                         const CycleContext& /*context*/) const {
  const JobSpec& spec = *job.spec;
  if (node.free_pus < spec.cpus || node.memory_free - fit.memory_kept < spec.memory_bytes ||
      (spec.gpus > 0 && FreeMatchingGpus(node, spec.gpu_model) < spec.gpus)) {
    return PluginStatus::Unschedulable(kName, reason::kResources);
  }
  return PluginStatus::Success();
}

}  // namespace sharc::policies
