#include "sim/cluster_spec.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <sstream>

#include "agent/topology_probe.h"
#include "core/file_util.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"

namespace sharc::sim {
namespace {

using protocol::FieldReader;
using protocol::Json;

constexpr int64_t kMaxNodesPerGroup = 100'000;

struct NodeGroup {
  std::string name;
  int64_t count = 0;
  std::string synthetic;
  std::string xml;
  std::map<std::string, std::string> labels;
};

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Whether a synthetic description gives its NUMA level a memory size: some level such as
// "numa:2(memory=64GiB)" or "[numa(memory=64GiB)]" (hwloc accepts numa, NUMANode and node).
bool GivesNumaMemory(std::string_view synthetic) {
  std::istringstream tokens{std::string(synthetic)};
  std::string token;
  while (tokens >> token) {
    std::string_view level = token;
    if (level.starts_with("[")) level.remove_prefix(1);
    std::string type = ToLower(level.substr(0, level.find_first_of(":(")));
    bool numa = type == "numa" || type == "numanode" || type == "node";
    if (numa && token.find("memory=") != std::string::npos) return true;
  }
  return false;
}

StatusOr<NodeGroup> ReadGroup(const Json& json, const std::string& where) {
  NodeGroup group;
  FieldReader reader(json, where);
  reader.RequiredString("name", &group.name);
  reader.RequiredInt("count", &group.count, 1, kMaxNodesPerGroup);
  reader.OptionalString("synthetic", &group.synthetic);
  reader.OptionalString("xml", &group.xml);
  reader.OptionalStringMap("labels", &group.labels);
  SHARC_RETURN_IF_ERROR(reader.Finish());
  if (group.synthetic.empty() == group.xml.empty()) {
    return InvalidArgumentError(where + ": give exactly one of synthetic and xml");
  }
  if (!group.synthetic.empty() && !GivesNumaMemory(group.synthetic)) {
    return InvalidArgumentError(
        where +
        ".synthetic: gives no NUMA memory, and hwloc would invent 1 GiB per NUMA node; "
        "state it on the NUMA level, e.g. \"pack:2 numa:2(memory=64GiB) core:16 pu:2\"");
  }
  for (const auto& [key, value] : group.labels) {
    if (key.empty()) return InvalidArgumentError(where + ".labels: a key must not be empty");
  }
  return group;
}

std::string NodeName(const NodeGroup& group, int64_t number) {
  std::string digits = std::to_string(number);
  size_t width = std::to_string(group.count).size();
  return group.name + std::string(width - digits.size(), '0') + digits;
}

// Probes each distinct topology once.
class TopologyCache {
 public:
  explicit TopologyCache(std::string base_dir) : base_dir_(std::move(base_dir)) {}

  StatusOr<NodeTopology> Get(const NodeGroup& group, const std::string& where) {
    agent::ProbeOptions options;
    std::string field = where + ".synthetic";
    if (!group.xml.empty()) {
      std::filesystem::path path(group.xml);
      if (path.is_relative() && !base_dir_.empty()) path = std::filesystem::path(base_dir_) / path;
      options.xml_path = path.lexically_normal().string();
      field = where + ".xml";
    } else {
      options.synthetic = group.synthetic;
    }
    std::string key =
        options.xml_path.empty() ? "synthetic:" + options.synthetic : "xml:" + options.xml_path;
    if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    StatusOr<agent::ProbedNode> probed = agent::ProbeTopology(options);
    if (!probed.ok()) return InvalidArgumentError(field + ": " + probed.status().message());
    if (probed->topology.pus.empty()) return InvalidArgumentError(field + ": has no PUs");
    if (probed->topology.memory_bytes <= 0) {
      return InvalidArgumentError(field + ": the topology has no memory");
    }
    cache_.emplace(key, probed->topology);
    return probed->topology;
  }

 private:
  std::string base_dir_;
  std::map<std::string, NodeTopology> cache_;
};

StatusOr<std::vector<NodeInventory>> BuildNodes(const Json& groups, const std::string& base_dir) {
  std::vector<NodeInventory> nodes;
  std::map<std::string, size_t> group_of_node;  // node name -> group index
  std::map<std::string, size_t> group_names;
  TopologyCache topologies(base_dir);
  for (size_t i = 0; i < groups.size(); ++i) {
    std::string where = "nodes[" + std::to_string(i) + "]";
    SHARC_ASSIGN_OR_RETURN(NodeGroup group, ReadGroup(groups[i], where));
    if (auto [it, added] = group_names.emplace(group.name, i); !added) {
      return InvalidArgumentError(where + ".name: '" + group.name + "' is also nodes[" +
                                  std::to_string(it->second) + "].name");
    }
    SHARC_RETURN_IF_ERROR(
        protocol::ValidateNodeName(NodeName(group, group.count)).WithPrefix(where + ".name"));
    SHARC_ASSIGN_OR_RETURN(NodeTopology topology, topologies.Get(group, where));
    for (int64_t number = 1; number <= group.count; ++number) {
      NodeInventory node;
      node.name = NodeName(group, number);
      if (auto [it, added] = group_of_node.emplace(node.name, i); !added) {
        return InvalidArgumentError(where + ".name: makes node '" + node.name + "', which nodes[" +
                                    std::to_string(it->second) + "] makes too");
      }
      node.topology = topology;
      node.labels = group.labels;
      node.binding_simulated = true;
      node.enforcement = "none: simulated";
      nodes.push_back(std::move(node));
    }
  }
  return nodes;
}

}  // namespace

StatusOr<std::vector<NodeInventory>> ParseClusterSpec(std::string_view text,
                                                      const std::string& source_name,
                                                      const std::string& base_dir) {
  StatusOr<std::vector<NodeInventory>> nodes = [&]() -> StatusOr<std::vector<NodeInventory>> {
    SHARC_ASSIGN_OR_RETURN(Json json, protocol::ParseJson(text));
    FieldReader reader(json, "");
    const Json* groups = reader.RequiredRaw("nodes");
    SHARC_RETURN_IF_ERROR(reader.Finish());
    if (!groups->is_array() || groups->empty()) {
      return InvalidArgumentError("nodes: must be a non-empty list of node groups");
    }
    return BuildNodes(*groups, base_dir);
  }();
  if (!nodes.ok()) return nodes.status().WithPrefix(source_name);
  return nodes;
}

StatusOr<std::vector<NodeInventory>> LoadClusterSpec(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  std::string base_dir = std::filesystem::path(path).parent_path().string();
  return ParseClusterSpec(text, path, base_dir);
}

}  // namespace sharc::sim
