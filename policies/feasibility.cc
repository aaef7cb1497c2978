#include "policies/feasibility.h"

#include <algorithm>
#include <map>
#include <string>

#include "core/units.h"
#include "policies/gpu_picker.h"

namespace sharc::policies {
namespace {

// What a node has when empty, in the terms of one job's request.
struct Shape {
  int64_t cpus = 0;
  int64_t memory = 0;
  int64_t gpus = 0;  // matching the job's gpu_model
};

Shape ShapeOf(const NodeView& node, const JobSpec& spec) {
  return {static_cast<int64_t>(node.topology->pus.size()), node.topology->memory_bytes,
          CountMatchingGpus(*node.topology, spec.gpu_model)};
}

std::string Count(int64_t n, std::string_view unit) {
  return std::to_string(n) + " " + std::string(unit) + (n == 1 ? "" : "s");
}

std::string Cpus(const JobSpec& spec) { return Count(spec.cpus, "CPU"); }
std::string Memory(const JobSpec& spec) { return FormatSize(spec.memory_bytes) + " of memory"; }
std::string Gpus(const JobSpec& spec) {
  std::string text = Count(spec.gpus, "GPU");
  if (!spec.gpu_model.empty()) text += " of model " + spec.gpu_model;
  return text;
}

std::string Label(const std::string& key, const std::string& value) { return key + "=" + value; }

std::string AllLabels(const JobSpec& spec) {
  std::string text;
  for (const auto& [key, value] : spec.labels)
    text += (text.empty() ? "" : ", ") + Label(key, value);
  return text;
}

bool HasLabel(const NodeView& node, const std::string& key, const std::string& value) {
  auto it = node.labels.find(key);
  return it != node.labels.end() && it->second == value;
}

// The first pair of requested resources that no node of `shapes` holds together, else all.
std::string NeverTogether(const std::vector<Shape>& shapes, const JobSpec& spec) {
  auto any = [&](bool cpus, bool memory, bool gpus) {
    return std::any_of(shapes.begin(), shapes.end(), [&](const Shape& s) {
      return (!cpus || s.cpus >= spec.cpus) && (!memory || s.memory >= spec.memory_bytes) &&
             (!gpus || s.gpus >= spec.gpus);
    });
  };
  bool wants_memory = spec.memory_bytes > 0;
  bool wants_gpus = spec.gpus > 0;
  if (wants_gpus && !any(true, false, true)) return Cpus(spec) + " and " + Gpus(spec);
  if (wants_memory && !any(true, true, false)) return Cpus(spec) + " and " + Memory(spec);
  if (wants_memory && wants_gpus && !any(false, true, true)) {
    return Memory(spec) + " and " + Gpus(spec);
  }
  std::string all = Cpus(spec);
  if (wants_memory && wants_gpus) return all + ", " + Memory(spec) + " and " + Gpus(spec);
  if (wants_memory) return all + " and " + Memory(spec);
  if (wants_gpus) return all + " and " + Gpus(spec);
  return all;
}

}  // namespace

bool LabelsMatch(const NodeView& node, const JobSpec& spec) {
  return std::all_of(spec.labels.begin(), spec.labels.end(),
                     [&](const auto& label) { return HasLabel(node, label.first, label.second); });
}

bool FitsWhenEmpty(const NodeView& node, const JobSpec& spec) {
  Shape shape = ShapeOf(node, spec);
  return LabelsMatch(node, spec) && shape.cpus >= spec.cpus && shape.memory >= spec.memory_bytes &&
         shape.gpus >= spec.gpus;
}

Status CheckFitsSomeNode(const std::vector<const NodeView*>& nodes, const JobSpec& spec,
                         std::string_view noun) {
  if (nodes.empty()) return Status::Ok();
  for (const NodeView* node : nodes) {
    if (FitsWhenEmpty(*node, spec)) return Status::Ok();
  }
  const std::string none = "no " + std::string(noun);

  std::string described(noun);  // the nodes considered: "node" or "node with label zone=eu"
  std::vector<Shape> shapes;
  if (!spec.labels.empty()) {
    for (const auto& [key, value] : spec.labels) {
      if (std::none_of(nodes.begin(), nodes.end(),
                       [&](const NodeView* n) { return HasLabel(*n, key, value); })) {
        return UnsatisfiableError(none + " has label " + Label(key, value));
      }
    }
    if (std::none_of(nodes.begin(), nodes.end(),
                     [&](const NodeView* n) { return LabelsMatch(*n, spec); })) {
      return UnsatisfiableError(none + " has labels " + AllLabels(spec) + " together");
    }
    described +=
        std::string(spec.labels.size() == 1 ? " with label " : " with labels ") + AllLabels(spec);
  }
  const std::string subject = "no " + described;
  Shape largest;
  for (const NodeView* node : nodes) {
    if (!LabelsMatch(*node, spec)) continue;
    Shape s = ShapeOf(*node, spec);
    shapes.push_back(s);
    largest.cpus = std::max(largest.cpus, s.cpus);
    largest.memory = std::max(largest.memory, s.memory);
    largest.gpus = std::max(largest.gpus, s.gpus);
  }

  if (largest.cpus < spec.cpus) {
    return UnsatisfiableError(subject + " has " + Cpus(spec) + "; the largest has " +
                              std::to_string(largest.cpus));
  }
  if (largest.memory < spec.memory_bytes) {
    return UnsatisfiableError(subject + " has " + Memory(spec) + "; the largest has " +
                              FormatSize(largest.memory));
  }
  if (largest.gpus < spec.gpus) {
    return UnsatisfiableError(subject + " has " + Gpus(spec) +
                              (spec.gpu_model.empty() ? "; the largest has " : "; the most is ") +
                              std::to_string(largest.gpus));
  }
  return UnsatisfiableError("no single " + described + " has " + NeverTogether(shapes, spec) +
                            " together");
}

namespace {

// One node of each shape of `view`; only shapes with a schedulable node if `schedulable`.
std::vector<const NodeView*> Representatives(const ClusterView& view, bool schedulable) {
  std::vector<const NodeView*> nodes;
  for (const auto& [key, shape] : view.shapes()) {
    if (shape.nodes > 0 && (!schedulable || shape.schedulable > 0)) {
      nodes.push_back(&view.node(shape.representative));
    }
  }
  return nodes;
}

// A gang needs num_nodes nodes that each hold a part, sharing one value of its topology label.
Status CheckEnoughNodes(const ClusterView& view, const JobSpec& spec, bool schedulable,
                        std::string_view noun) {
  if (spec.num_nodes <= 1) return Status::Ok();
  std::map<std::string, int64_t> per_group;
  for (const NodeView& node : view.nodes()) {
    if ((schedulable && !node.schedulable()) || !FitsWhenEmpty(node, spec)) continue;
    std::string group;
    if (!spec.topology_group.empty()) {
      auto it = node.labels.find(spec.topology_group);
      if (it == node.labels.end()) continue;
      group = it->second;
    }
    if (++per_group[group] >= spec.num_nodes) return Status::Ok();
  }
  int64_t most = 0;
  std::string where;
  for (const auto& [group, n] : per_group) {
    if (n > most) most = n, where = group;
  }
  std::string part = "can hold a part of " + Cpus(spec) +
                     (spec.memory_bytes > 0 ? ", " + Memory(spec) : "") +
                     (spec.gpus > 0 ? ", " + Gpus(spec) : "");
  if (spec.topology_group.empty()) {
    return UnsatisfiableError("this gang needs " + Count(spec.num_nodes, std::string(noun)) +
                              " that each " + part + "; there " + (most == 1 ? "is " : "are ") +
                              std::to_string(most));
  }
  return UnsatisfiableError("this gang needs " + Count(spec.num_nodes, std::string(noun)) +
                            " with one value of label " + spec.topology_group + " that each " +
                            part + "; the most there are is " + std::to_string(most) +
                            (most > 0 ? " (" + spec.topology_group + "=" + where + ")" : ""));
}

}  // namespace

Status CheckEverFits(const ClusterView& view, const JobSpec& spec) {
  if (view.nodes().empty()) return Status::Ok();
  SHARC_RETURN_IF_ERROR(CheckFitsSomeNode(Representatives(view, false), spec, "node"));
  return CheckEnoughNodes(view, spec, false, "node");
}

Status CheckFitsSchedulable(const ClusterView& view, const JobSpec& spec) {
  SHARC_RETURN_IF_ERROR(CheckFitsSomeNode(Representatives(view, true), spec, "UP node"));
  return CheckEnoughNodes(view, spec, true, "UP node");
}

}  // namespace sharc::policies
