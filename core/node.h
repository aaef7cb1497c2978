// What a node is: its hardware as hwloc detected it, its labels, and its state as the
// scheduler sees it.
#ifndef SHARC_CORE_NODE_H_
#define SHARC_CORE_NODE_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/resources.h"

namespace sharc {

// One processing unit (hardware thread), named by its OS index: the number cgroups,
// sched_setaffinity and /proc/self/status use.
struct PuInfo {
  int os_index = 0;
  int core = 0;     // logical index of its core, unique within the node
  int numa = 0;     // OS index of its NUMA node
  int package = 0;  // logical index of its package (socket)
  friend bool operator==(const PuInfo&, const PuInfo&) = default;
};

struct NumaInfo {
  int os_index = 0;
  int64_t memory_bytes = 0;
  friend bool operator==(const NumaInfo&, const NumaInfo&) = default;
};

// A GPU as hwloc's I/O objects show it.
//
// `island` names the GPU's topology island within its node: GPUs with the same island number
// (>= 0) reach each other without crossing a CPU's host bridge, i.e. they sit below one PCIe
// switch (one PCI-to-PCI bridge tree under a host bridge), or the agent found them joined by
// NVLink (hwloc's "NVLinkBandwidth" distances), which merges their islands. A GPU alone below
// its root port is an island of its own. The agent numbers islands 0, 1, ... in order of
// their lowest GPU index; the numbers mean nothing across nodes. -1: unknown (an agent that
// predates islands, or a GPU without a PCI device), and the scheduler then groups that GPU by
// NUMA node only.
struct GpuInfo {
  int index = 0;           // the index CUDA_VISIBLE_DEVICES and /dev/nvidiaN use
  std::string name;        // hwloc OS device name, e.g. "cuda0" or "card0"
  std::string vendor;      // e.g. "NVIDIA Corporation" or the PCI vendor id "10de"
  std::string model;       // e.g. "H100"; "" when unknown
  std::string pci_bus_id;  // "0000:17:00.0"
  int numa = -1;           // OS index of the NUMA node it is attached to; -1 if unknown
  int island = -1;         // topology island within the node (see above); -1 if unknown
  friend bool operator==(const GpuInfo&, const GpuInfo&) = default;
};

// The hardware of one node. PUs are sorted by OS index, GPUs by index.
struct NodeTopology {
  int packages = 0;
  int cores = 0;
  std::vector<PuInfo> pus;
  std::vector<NumaInfo> numa_nodes;
  std::vector<GpuInfo> gpus;
  int64_t memory_bytes = 0;
  friend bool operator==(const NodeTopology&, const NodeTopology&) = default;

  // cpu (millicpus per PU), memory, gpu, and gpu/<model> per model.
  Resources Capacity() const;
};

// What an agent registers: who it is and what it has.
inline constexpr size_t kMaxAddressBytes = 255;  // NodeInventory::address

struct NodeInventory {
  std::string name;
  NodeTopology topology;
  std::map<std::string, std::string> labels;
  // True when the topology is not this machine (an XML fixture or a synthetic topology):
  // the agent then cannot bind and says so instead of pretending.
  bool binding_simulated = false;
  std::string agent_version;
  // How the node enforces grants, e.g. "cgroup v1 (cpuset, memory, pids, devices, cpuacct,
  // freezer)", or "none: binding and rlimits only" when no cgroup hierarchy is usable.
  std::string enforcement;
  // Where Prometheus scrapes the agent ("http://10.0.0.5:7401/metrics"); "" when it serves none.
  std::string metrics_url;
  // Where the node's jobs can be reached by other nodes (host name or IP): gang jobs' ranks
  // rendezvous at rank 0's (MASTER_ADDR). The agent's `advertise_address`; when that is
  // unset the scheduler fills in the IP address the agent connected from.
  std::string address;
  friend bool operator==(const NodeInventory&, const NodeInventory&) = default;
};

enum class NodeState {
  kUp,     // connected, heartbeating, accepting jobs
  kDown,   // missed heartbeats or never reconnected; its jobs were failed
  kDrain,  // up, but no new placements (operator request or failed health check)
};

std::string_view NodeStateName(NodeState state);  // "UP", "DOWN", "DRAIN"
std::optional<NodeState> ParseNodeState(std::string_view name);

}  // namespace sharc

#endif  // SHARC_CORE_NODE_H_
