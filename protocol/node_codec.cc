#include "protocol/node_codec.h"

#include <cctype>
#include <set>

#include "core/units.h"

namespace sharc::protocol {

Status ValidateNodeName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (unsigned char c : name) {
    if (!(std::isalnum(c) || c == '.' || c == '_' || c == '-')) ok = false;
  }
  if (ok) return Status::Ok();
  return InvalidArgumentError("node name '" + std::string(name) +
                              "': use 1 to 63 letters, digits, '.', '_' or '-'");
}

Json EncodeTopology(const NodeTopology& t) {
  Json numa = Json::array(), pus = Json::array(), gpus = Json::array();
  for (const NumaInfo& n : t.numa_nodes) {
    numa.push_back({{"os_index", n.os_index}, {"memory_bytes", n.memory_bytes}});
  }
  for (const PuInfo& p : t.pus) {
    pus.push_back(
        {{"os_index", p.os_index}, {"core", p.core}, {"numa", p.numa}, {"package", p.package}});
  }
  for (const GpuInfo& g : t.gpus) {
    Json gpu{{"index", g.index},           {"name", g.name},
             {"vendor", g.vendor},         {"model", g.model},
             {"pci_bus_id", g.pci_bus_id}, {"numa", g.numa}};
    if (g.island >= 0) gpu["island"] = g.island;  // absent: unknown, as older agents send
    gpus.push_back(std::move(gpu));
  }
  return Json{{"packages", t.packages}, {"cores", t.cores}, {"memory_bytes", t.memory_bytes},
              {"numa_nodes", numa},     {"pus", pus},       {"gpus", gpus}};
}

namespace {

// The "gpus" list of a topology (at most kMaxGpusPerNode entries, checked by the caller);
// each GPU's NUMA node, when known, must be one of `numa_ids`.
StatusOr<std::vector<GpuInfo>> DecodeGpus(const Json& gpus, const std::set<int>& numa_ids,
                                          const std::string& where) {
  std::vector<GpuInfo> out;
  std::set<int> gpu_ids;
  for (size_t i = 0; i < gpus.size(); ++i) {
    FieldReader g(gpus[i], where + ".gpus[" + std::to_string(i) + "]");
    GpuInfo info;
    int64_t index = 0, node = -1, island = -1;
    g.RequiredInt("index", &index, 0, kMaxGpusPerNode - 1);
    g.OptionalString("name", &info.name);
    g.OptionalString("vendor", &info.vendor);
    g.OptionalString("model", &info.model);
    g.OptionalString("pci_bus_id", &info.pci_bus_id);
    g.OptionalInt("numa", &node, -1, 1 << 20);
    g.OptionalInt("island", &island, -1, kMaxGpusPerNode - 1);  // a node has no more islands
    SHARC_RETURN_IF_ERROR(g.Finish());
    info.index = static_cast<int>(index);
    info.numa = static_cast<int>(node);
    info.island = static_cast<int>(island);
    if (!gpu_ids.insert(info.index).second) {
      return InvalidArgumentError(g.Path("index") + ": duplicate GPU " + std::to_string(index));
    }
    if (!info.model.empty()) {
      Status model = CheckGpuModelName(info.model);
      if (!model.ok()) return InvalidArgumentError(g.Path("model") + ": " + model.message());
    }
    if (info.numa >= 0 && !numa_ids.count(info.numa)) {
      return InvalidArgumentError(g.Path("numa") + ": no NUMA node " + std::to_string(node));
    }
    out.push_back(std::move(info));
  }
  return out;
}

}  // namespace

StatusOr<NodeTopology> DecodeTopology(const Json& json, const std::string& where) {
  FieldReader r(json, where);
  NodeTopology t;
  int64_t packages = 0, cores = 0;
  r.RequiredInt("packages", &packages, 1, 1 << 12);
  r.RequiredInt("cores", &cores, 1, kMaxPusPerNode);
  r.RequiredInt("memory_bytes", &t.memory_bytes, 0, INT64_MAX);
  t.packages = static_cast<int>(packages);
  t.cores = static_cast<int>(cores);
  const Json* numa = r.RequiredRaw("numa_nodes");
  const Json* pus = r.RequiredRaw("pus");
  const Json* gpus = r.OptionalRaw("gpus");
  SHARC_RETURN_IF_ERROR(r.Finish());

  auto list = [&](const Json* v, const char* key, size_t max) -> Status {
    if (v && (!v->is_array() || v->size() > max)) {
      return InvalidArgumentError(where + "." + key + ": must be a list of at most " +
                                  std::to_string(max) + " entries");
    }
    return Status::Ok();
  };
  SHARC_RETURN_IF_ERROR(list(numa, "numa_nodes", 1024));
  SHARC_RETURN_IF_ERROR(list(pus, "pus", kMaxPusPerNode));
  SHARC_RETURN_IF_ERROR(list(gpus, "gpus", kMaxGpusPerNode));
  if (pus->empty()) return InvalidArgumentError(where + ".pus: a node needs at least one PU");

  std::set<int> numa_ids;
  for (size_t i = 0; i < numa->size(); ++i) {
    FieldReader n((*numa)[i], where + ".numa_nodes[" + std::to_string(i) + "]");
    NumaInfo info;
    int64_t os = 0;
    n.RequiredInt("os_index", &os, 0, 1 << 20);
    n.RequiredInt("memory_bytes", &info.memory_bytes, 0, INT64_MAX);
    SHARC_RETURN_IF_ERROR(n.Finish());
    info.os_index = static_cast<int>(os);
    if (!numa_ids.insert(info.os_index).second) {
      return InvalidArgumentError(n.Path("os_index") + ": duplicate NUMA node " +
                                  std::to_string(os));
    }
    t.numa_nodes.push_back(info);
  }
  std::set<int> pu_ids;
  for (size_t i = 0; i < pus->size(); ++i) {
    FieldReader p((*pus)[i], where + ".pus[" + std::to_string(i) + "]");
    int64_t os = 0, core = 0, node = 0, package = 0;
    p.RequiredInt("os_index", &os, 0, kMaxCpuListIndex);
    p.RequiredInt("core", &core, 0, cores - 1);
    p.RequiredInt("numa", &node, 0, 1 << 20);
    p.RequiredInt("package", &package, 0, packages - 1);
    SHARC_RETURN_IF_ERROR(p.Finish());
    if (!pu_ids.insert(static_cast<int>(os)).second) {
      return InvalidArgumentError(p.Path("os_index") + ": duplicate PU " + std::to_string(os));
    }
    if (!numa_ids.count(static_cast<int>(node))) {
      return InvalidArgumentError(p.Path("numa") + ": no NUMA node " + std::to_string(node));
    }
    t.pus.push_back({static_cast<int>(os), static_cast<int>(core), static_cast<int>(node),
                     static_cast<int>(package)});
  }
  std::sort(t.pus.begin(), t.pus.end(),
            [](const PuInfo& a, const PuInfo& b) { return a.os_index < b.os_index; });
  if (gpus) {
    SHARC_ASSIGN_OR_RETURN(t.gpus, DecodeGpus(*gpus, numa_ids, where));
  }
  std::sort(t.gpus.begin(), t.gpus.end(),
            [](const GpuInfo& a, const GpuInfo& b) { return a.index < b.index; });
  return t;
}

Json EncodeInventory(const NodeInventory& inv) {
  return Json{{"name", inv.name},
              {"labels", inv.labels},
              {"binding_simulated", inv.binding_simulated},
              {"agent_version", inv.agent_version},
              {"enforcement", inv.enforcement},
              {"metrics_url", inv.metrics_url},
              {"address", inv.address},
              {"topology", EncodeTopology(inv.topology)}};
}

StatusOr<NodeInventory> DecodeInventory(const Json& json, const std::string& where) {
  FieldReader r(json, where);
  NodeInventory inv;
  r.RequiredString("name", &inv.name);
  r.OptionalStringMap("labels", &inv.labels);
  r.OptionalBool("binding_simulated", &inv.binding_simulated);
  r.OptionalString("agent_version", &inv.agent_version);
  r.OptionalString("enforcement", &inv.enforcement);
  r.OptionalString("metrics_url", &inv.metrics_url);
  r.OptionalString("address", &inv.address);
  const Json* topology = r.RequiredRaw("topology");
  SHARC_RETURN_IF_ERROR(r.Finish());
  SHARC_RETURN_IF_ERROR(ValidateNodeName(inv.name).WithPrefix(where + ".name"));
  if (inv.address.size() > kMaxAddressBytes ||
      inv.address.find_first_of(" \t\r\n") != std::string::npos) {
    return InvalidArgumentError(where + ".address: a host name or IP address, at most " +
                                std::to_string(kMaxAddressBytes) + " characters, no spaces");
  }
  SHARC_ASSIGN_OR_RETURN(inv.topology, DecodeTopology(*topology, where + ".topology"));
  return inv;
}

}  // namespace sharc::protocol
