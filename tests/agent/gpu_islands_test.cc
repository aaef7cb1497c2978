#include "agent/gpu_islands.h"

#include <gtest/gtest.h>
#include <hwloc.h>
#include <hwloc/distances.h>
#include <hwloc/helper.h>

#include <memory>
#include <string>
#include <vector>

namespace sharc::agent {
namespace {

struct TopologyDeleter {
  void operator()(hwloc_topology* topology) const { hwloc_topology_destroy(topology); }
};
using TopologyPtr = std::unique_ptr<hwloc_topology, TopologyDeleter>;

// A fixture of tests/data/hwloc loaded with its I/O objects, as the probe loads it.
TopologyPtr Load(const std::string& name) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) return nullptr;
  TopologyPtr topology(raw);
  std::string path = std::string(SHARC_TEST_DATA_DIR) + "/hwloc/" + name;
  if (hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT) != 0 ||
      hwloc_topology_set_xml(raw, path.c_str()) != 0 || hwloc_topology_load(raw) != 0) {
    return nullptr;
  }
  return topology;
}

std::vector<GpuInfo> Gpus(const std::vector<std::string>& buses) {
  std::vector<GpuInfo> gpus;
  for (const std::string& bus : buses) {
    gpus.push_back({.index = static_cast<int>(gpus.size()), .pci_bus_id = bus});
  }
  return gpus;
}

std::vector<int> Islands(const std::vector<GpuInfo>& gpus) {
  std::vector<int> islands;
  for (const GpuInfo& gpu : gpus) islands.push_back(gpu.island);
  return islands;
}

// Adds an "NVLinkBandwidth" matrix (MB/s, as NVML's) between the PCI devices at `buses`.
bool AddNvlink(hwloc_topology_t topology, const std::vector<std::string>& buses,
               std::vector<hwloc_uint64_t> values) {
  std::vector<hwloc_obj_t> objs;
  for (const std::string& bus : buses) {
    objs.push_back(hwloc_get_pcidev_by_busidstring(topology, bus.c_str()));
    if (objs.back() == nullptr) return false;
  }
  hwloc_distances_add_handle_t handle = hwloc_distances_add_create(
      topology, "NVLinkBandwidth",
      HWLOC_DISTANCES_KIND_FROM_OS | HWLOC_DISTANCES_KIND_MEANS_BANDWIDTH, 0);
  return handle != nullptr &&
         hwloc_distances_add_values(topology, handle, static_cast<unsigned>(objs.size()),
                                    objs.data(), values.data(), 0) == 0 &&
         hwloc_distances_add_commit(topology, handle, 0) == 0;
}

const std::vector<std::string> kFourGpus = {"0000:17:00.0", "0000:3d:00.0", "0000:97:00.0",
                                            "0000:bd:00.0"};

TEST(AssignGpuIslandsTest, OneSwitchIsOneIslandNumberedByLowestGpu) {
  TopologyPtr topology = Load("gpu-2s-8gpu-2switch.xml");
  ASSERT_NE(topology, nullptr);
  // Listed with the second switch's GPUs first: islands follow the lowest GPU index.
  std::vector<GpuInfo> gpus =
      Gpus({"0000:97:00.0", "0000:98:00.0", "0000:17:00.0", "0000:99:00.0", "0000:18:00.0"});
  AssignGpuIslands(topology.get(), gpus);
  EXPECT_EQ(Islands(gpus), (std::vector<int>{0, 0, 1, 0, 1}));
}

TEST(AssignGpuIslandsTest, GpusBelowTheirOwnHostBridgesAreSeparateAndUnknownOnesStayUnknown) {
  TopologyPtr topology = Load("gpu-2s-4gpu.xml");
  ASSERT_NE(topology, nullptr);
  std::vector<GpuInfo> gpus = Gpus(kFourGpus);
  gpus.push_back({.index = 4, .pci_bus_id = "0000:55:00.0"});  // not in the topology
  gpus.push_back({.index = 5});                                // no PCI device known
  AssignGpuIslands(topology.get(), gpus);
  EXPECT_EQ(Islands(gpus), (std::vector<int>{0, 1, 2, 3, -1, -1}));
}

TEST(AssignGpuIslandsTest, NvlinkMergesIslands) {
  TopologyPtr topology = Load("gpu-2s-4gpu.xml");
  ASSERT_NE(topology, nullptr);
  // GPUs 0 and 2 linked (across the sockets), 1 and 3 not: 25 GB/s each way.
  ASSERT_TRUE(AddNvlink(topology.get(), {kFourGpus[0], kFourGpus[2]}, {0, 25000, 25000, 0}));
  std::vector<GpuInfo> gpus = Gpus(kFourGpus);
  AssignGpuIslands(topology.get(), gpus);
  EXPECT_EQ(Islands(gpus), (std::vector<int>{0, 1, 0, 2}));
}

TEST(AssignGpuIslandsTest, NvlinkThroughAnotherObjectMergesToo) {
  TopologyPtr topology = Load("gpu-1s-2gpu-nvml.xml");
  ASSERT_NE(topology, nullptr);
  // Both A100s linked only to a third device (here the BMC's VGA stands in for an NVSwitch).
  ASSERT_TRUE(AddNvlink(topology.get(), {"0000:41:00.0", "0000:03:00.0", "0000:81:00.0"},
                        {0, 50000, 0, 50000, 0, 50000, 0, 50000, 0}));
  std::vector<GpuInfo> gpus = Gpus({"0000:41:00.0", "0000:81:00.0"});
  AssignGpuIslands(topology.get(), gpus);
  EXPECT_EQ(Islands(gpus), (std::vector<int>{0, 0}));
}

}  // namespace
}  // namespace sharc::agent
