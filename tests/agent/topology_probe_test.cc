#include "agent/topology_probe.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <algorithm>
#include <set>
#include <string>

#include "core/resources.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

constexpr int64_t kGiB = int64_t{1} << 30;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Fixture(const std::string& name) {
  return std::string(SHARC_TEST_DATA_DIR) + "/hwloc/" + name;
}

TEST(ProbeTopologyTest, ProbesThisMachineSanely) {
  StatusOr<ProbedNode> probed = ProbeTopology({});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  const NodeTopology& topology = probed->topology;
  EXPECT_TRUE(probed->this_system);
  EXPECT_EQ(probed->source, "this machine");
  ASSERT_GE(topology.pus.size(), 1u);
  EXPECT_GT(topology.memory_bytes, 0);
  EXPECT_GE(topology.packages, 1);
  EXPECT_GE(topology.cores, 1);
  ASSERT_FALSE(topology.numa_nodes.empty());
  EXPECT_TRUE(
      std::is_sorted(topology.pus.begin(), topology.pus.end(),
                     [](const PuInfo& a, const PuInfo& b) { return a.os_index < b.os_index; }));
  std::set<int> numa_ids;
  for (const NumaInfo& node : topology.numa_nodes) numa_ids.insert(node.os_index);
  std::set<int> pu_ids;
  for (const PuInfo& pu : topology.pus) {
    pu_ids.insert(pu.os_index);
    EXPECT_TRUE(numa_ids.count(pu.numa)) << "PU " << pu.os_index << " on unknown NUMA node";
  }
  // Every CPU this test may run on is one the probe reports.
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &mine)) {
      EXPECT_TRUE(pu_ids.count(cpu)) << "CPU " << cpu << " missing";
    }
  }
}

TEST(ProbeTopologyTest, ReadsTheTwoSocketGpuFixture) {
  std::string path = Fixture("gpu-2s-4gpu.xml");
  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = path});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  EXPECT_FALSE(probed->this_system);
  EXPECT_EQ(probed->source, "xml:" + path);
  const NodeTopology& topology = probed->topology;
  EXPECT_EQ(topology.packages, 2);
  EXPECT_EQ(topology.cores, 16);
  ASSERT_EQ(topology.pus.size(), 32u);
  // Linux numbering: first threads 0-15, their siblings 16-31; cores 0-7 on socket 0.
  EXPECT_EQ(topology.pus[0], (PuInfo{.os_index = 0, .core = 0, .numa = 0, .package = 0}));
  EXPECT_EQ(topology.pus[16], (PuInfo{.os_index = 16, .core = 0, .numa = 0, .package = 0}));
  EXPECT_EQ(topology.pus[8], (PuInfo{.os_index = 8, .core = 8, .numa = 1, .package = 1}));
  EXPECT_EQ(topology.pus[31], (PuInfo{.os_index = 31, .core = 15, .numa = 1, .package = 1}));
  for (const PuInfo& pu : topology.pus) EXPECT_EQ(pu.numa, pu.package) << pu.os_index;
  EXPECT_EQ(topology.numa_nodes,
            (std::vector<NumaInfo>{{.os_index = 0, .memory_bytes = 64 * kGiB},
                                   {.os_index = 1, .memory_bytes = 64 * kGiB}}));
  EXPECT_EQ(topology.memory_bytes, 128 * kGiB);

  // Each GPU below its own host bridge: each its own island.
  auto h100 = [](int index, const char* bus, int numa) {
    return GpuInfo{.index = index,
                   .name = "cuda" + std::to_string(index),
                   .vendor = "NVIDIA Corporation",
                   .model = "H100",
                   .pci_bus_id = bus,
                   .numa = numa,
                   .island = index};
  };
  EXPECT_EQ(topology.gpus,
            (std::vector<GpuInfo>{h100(0, "0000:17:00.0", 0), h100(1, "0000:3d:00.0", 0),
                                  h100(2, "0000:97:00.0", 1), h100(3, "0000:bd:00.0", 1)}));
  Resources capacity = topology.Capacity();
  EXPECT_EQ(capacity.Get(kGpuResource), 4);
  EXPECT_EQ(capacity.Get(GpuModelResource("H100")), 4);
}

TEST(ProbeTopologyTest, GpusBehindOnePcieSwitchShareAnIsland) {
  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = Fixture("gpu-2s-8gpu-2switch.xml")});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  const NodeTopology& topology = probed->topology;
  EXPECT_EQ(topology.packages, 2);
  ASSERT_EQ(topology.pus.size(), 32u);
  auto h100 = [](int index, const char* bus) {
    return GpuInfo{.index = index,
                   .name = "cuda" + std::to_string(index),
                   .vendor = "NVIDIA Corporation",
                   .model = "H100",
                   .pci_bus_id = bus,
                   .numa = index / 4,
                   .island = index / 4};
  };
  EXPECT_EQ(topology.gpus,
            (std::vector<GpuInfo>{h100(0, "0000:17:00.0"), h100(1, "0000:18:00.0"),
                                  h100(2, "0000:19:00.0"), h100(3, "0000:1a:00.0"),
                                  h100(4, "0000:97:00.0"), h100(5, "0000:98:00.0"),
                                  h100(6, "0000:99:00.0"), h100(7, "0000:9a:00.0")}));
  EXPECT_EQ(topology.Capacity().Get(GpuModelResource("H100")), 8);
}

TEST(ProbeTopologyTest, FallsBackToNvmlDevicesAndSkipsTheBmcDisplay) {
  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = Fixture("gpu-1s-2gpu-nvml.xml")});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  auto a100 = [](int index, const char* bus) {
    return GpuInfo{.index = index,
                   .name = "nvml" + std::to_string(index),
                   .vendor = "NVIDIA Corporation",
                   .model = "A100",
                   .pci_bus_id = bus,
                   .numa = 0,
                   .island = index};
  };
  EXPECT_EQ(probed->topology.gpus,
            (std::vector<GpuInfo>{a100(0, "0000:41:00.0"), a100(1, "0000:81:00.0")}));
}

TEST(ProbeTopologyTest, FallsBackToPciGpusInBusOrder) {
  // Holds an Intel iGPU on bus 0 and an ASPEED VGA, neither of which is a GPU to give out.
  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = Fixture("gpu-1s-pci-only.xml")});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  EXPECT_EQ(probed->topology.gpus, (std::vector<GpuInfo>{{.index = 0,
                                                          .name = "",
                                                          .vendor = "10de",
                                                          .model = "",
                                                          .pci_bus_id = "0000:3b:00.0",
                                                          .numa = 0,
                                                          .island = 0},
                                                         {.index = 1,
                                                          .name = "card1",
                                                          .vendor = "1002",
                                                          .model = "",
                                                          .pci_bus_id = "0000:c1:00.0",
                                                          .numa = 0,
                                                          .island = 1}}));
}

TEST(ProbeTopologyTest, ReadsASyntheticTopology) {
  // Arities multiply: 2 packages x 2 NUMA nodes x 4 cores x 2 PUs = 32 PUs on 4 NUMA nodes.
  StatusOr<ProbedNode> probed = ProbeTopology({.synthetic = "pack:2 numa:2 core:4 pu:2"});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  EXPECT_FALSE(probed->this_system);
  EXPECT_EQ(probed->source, "synthetic:pack:2 numa:2 core:4 pu:2");
  const NodeTopology& topology = probed->topology;
  EXPECT_EQ(topology.packages, 2);
  EXPECT_EQ(topology.cores, 16);
  ASSERT_EQ(topology.pus.size(), 32u);
  ASSERT_EQ(topology.numa_nodes.size(), 4u);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(topology.numa_nodes[i].os_index, i);
  // Synthetic PUs are numbered in order: 8 per NUMA node, 16 per package, 2 per core.
  for (const PuInfo& pu : topology.pus) {
    EXPECT_EQ(pu.numa, pu.os_index / 8) << pu.os_index;
    EXPECT_EQ(pu.package, pu.os_index / 16) << pu.os_index;
    EXPECT_EQ(pu.core, pu.os_index / 2) << pu.os_index;
  }
  EXPECT_TRUE(topology.gpus.empty());
  EXPECT_GT(topology.memory_bytes, 0);
}

TEST(ProbeTopologyTest, CountsEachPuAsACoreWithoutCoreObjects) {
  StatusOr<ProbedNode> probed = ProbeTopology({.synthetic = "pack:1 pu:4"});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  EXPECT_EQ(probed->topology.cores, 4);
  EXPECT_EQ(probed->topology.packages, 1);
  ASSERT_EQ(probed->topology.pus.size(), 4u);
  EXPECT_EQ(probed->topology.pus[3].core, 3);
  ASSERT_EQ(probed->topology.numa_nodes.size(), 1u);
  EXPECT_EQ(probed->topology.pus[3].numa, probed->topology.numa_nodes[0].os_index);
}

TEST(ProbeTopologyTest, RejectsAMissingXmlFileNamingIt) {
  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = "/nonexistent/sharc/node.xml"});
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(probed.status().message(), "/nonexistent/sharc/node.xml"))
      << probed.status().message();
  EXPECT_TRUE(Contains(probed.status().message(), "No such file or directory"))
      << probed.status().message();
}

TEST(ProbeTopologyTest, RejectsAMalformedXmlFileNamingIt) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string path = dir.File("broken.xml");
  WriteTextFile(path, "<topology version=\"2.0\"><object type=\"Machine\"");
  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = path});
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(probed.status().message(), path)) << probed.status().message();
}

TEST(ProbeTopologyTest, RefusesXmlThatHwlocCrashesOnInsteadOfCrashing) {
  // Inputs hwloc 2.9 dereferences NULL on (found by fuzz/hwloc_xml_fuzzer.cc).
  for (const char* name :
       {"regression-hwloc-crash-core-without-complete-cpuset", "regression-hwloc-crash-bitmap-or",
        "regression-hwloc-crash-bitmap-set"}) {
    SCOPED_TRACE(name);
    const std::string path =
        std::string(SHARC_TEST_DATA_DIR) + "/../../fuzz/corpus/hwloc_xml/" + name;
    StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = path});
    ASSERT_FALSE(probed.ok());
    EXPECT_EQ(probed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(Contains(probed.status().message(),
                         "hwloc crashed loading the hwloc XML file '" + path + "' (signal "))
        << probed.status().message();
  }
  // A good file still loads after the test load.
  ASSERT_TRUE(ProbeTopology({.xml_path = Fixture("gpu-2s-4gpu.xml")}).ok());
}

TEST(ProbeTopologyTest, RejectsTwoGpusWithOneIndex) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string xml = ReadTextFile(Fixture("gpu-2s-4gpu.xml"));
  size_t at = xml.find("name=\"cuda1\"");
  ASSERT_NE(at, std::string::npos);
  xml.replace(at, 12, "name=\"cuda0\"");
  std::string path = dir.File("duplicate.xml");
  WriteTextFile(path, xml);
  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = path});
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(probed.status().message(), "cuda0")) << probed.status().message();
}

// hwloc passes on whatever bytes its XML (or a driver) holds. What the agent sends must reach
// the scheduler unchanged and name models a job can ask for (found by
// fuzz/hwloc_xml_fuzzer.cc: a model that was not UTF-8 changed on its way).
TEST(ProbeTopologyTest, GpuTextBecomesUtf8AndAModelNoJobCouldNameIsLeftUnknown) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string xml = ReadTextFile(Fixture("gpu-2s-4gpu.xml"));
  auto replace_nth = [&xml](const std::string& from, int nth, const std::string& to) {
    size_t at = std::string::npos;
    for (int i = 0; i <= nth; ++i) at = xml.find(from, at == std::string::npos ? 0 : at + 1);
    ASSERT_NE(at, std::string::npos) << from << " #" << nth;
    xml.replace(at, from.size(), to);
  };
  const std::string kH100 = "value=\"NVIDIA H100 80GB HBM3\"";  // the first left, each time
  replace_nth(kH100, 0, "value=\"NVIDIA \xE9t\xE9 \xFF\"");     // Latin-1 bytes
  replace_nth(kH100, 0, "value=\"NVIDIA H" + std::string(70, '1') + "\"");  // too long
  replace_nth(kH100, 0, "value=\"Model&#10;X\"");                           // a newline
  replace_nth("\"GPUVendor\" value=\"NVIDIA Corporation\"", 3,
              "\"GPUVendor\" value=\"NVIDIA \xFF\"");
  std::string path = dir.File("odd-text.xml");
  WriteTextFile(path, xml);

  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = path});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  const std::vector<GpuInfo>& gpus = probed->topology.gpus;
  ASSERT_EQ(gpus.size(), 4u);
  EXPECT_EQ(gpus[0].model, "");
  EXPECT_EQ(gpus[1].model, "");
  EXPECT_EQ(gpus[2].model, "");
  EXPECT_EQ(gpus[3].model, "H100");
  EXPECT_EQ(gpus[3].vendor, "NVIDIA \xEF\xBF\xBD");  // U+FFFD for the byte that was not UTF-8
  Resources capacity = probed->topology.Capacity();
  EXPECT_EQ(capacity.Get(kGpuResource), 4);
  EXPECT_EQ(capacity.Get(GpuModelResource("H100")), 1);
  // The inventory the scheduler gets is the one the agent probed.
  std::string sent = protocol::DumpJson(protocol::EncodeTopology(probed->topology));
  StatusOr<protocol::Json> json = protocol::ParseJson(sent);
  ASSERT_TRUE(json.ok()) << json.status().ToString();
  StatusOr<NodeTopology> received = protocol::DecodeTopology(*json, "topology");
  ASSERT_TRUE(received.ok()) << received.status().ToString();
  EXPECT_EQ(*received, probed->topology);
}

// hwloc copies an XML file's osdev_type and bridge_type numbers into enum fields unchecked;
// values no enum names must read as "not that kind", not as undefined behaviour (the sanitizer
// build stops on the latter; found by fuzz/hwloc_xml_fuzzer.cc).
TEST(ProbeTopologyTest, OsDevicesAndBridgesOfUnknownTypesAreNotGpusOrPciBridges) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string xml = ReadTextFile(Fixture("gpu-2s-8gpu-2switch.xml"));
  auto replace_all = [&xml](const std::string& from, const std::string& to) {
    size_t count = 0;
    for (size_t at = xml.find(from); at != std::string::npos; at = xml.find(from, at + 1)) {
      xml.replace(at, from.size(), to);
      ++count;
    }
    return count;
  };
  ASSERT_EQ(replace_all("osdev_type=\"5\"", "osdev_type=\"77\""), 8u);  // the cudaN CoProcs
  ASSERT_GT(replace_all("bridge_type=\"1-1\"", "bridge_type=\"3-1\""), 0u);
  std::string path = dir.File("unknown-types.xml");
  WriteTextFile(path, xml);

  StatusOr<ProbedNode> probed = ProbeTopology({.xml_path = path});
  ASSERT_TRUE(probed.ok()) << probed.status().ToString();
  const std::vector<GpuInfo>& gpus = probed->topology.gpus;
  ASSERT_EQ(gpus.size(), 8u);  // known by their PCI devices instead, in bus order
  for (const GpuInfo& gpu : gpus) {
    EXPECT_EQ(gpu.vendor, "10de") << "the PCI vendor id, not the CUDA device's GPUVendor";
    EXPECT_EQ(gpu.model, "");
    EXPECT_EQ(gpu.island, gpu.index) << "no PCI switch is known: each GPU its own island";
  }
}

TEST(ProbeTopologyTest, RejectsABadSyntheticDescriptionQuotingIt) {
  StatusOr<ProbedNode> probed = ProbeTopology({.synthetic = "pack:2 banana:3"});
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(probed.status().message(), "'pack:2 banana:3'"))
      << probed.status().message();
  EXPECT_TRUE(Contains(probed.status().message(), "Invalid argument")) << probed.status().message();
}

TEST(ProbeTopologyTest, RejectsXmlAndSyntheticTogether) {
  StatusOr<ProbedNode> probed =
      ProbeTopology({.xml_path = Fixture("gpu-2s-4gpu.xml"), .synthetic = "pack:1 core:1 pu:1"});
  ASSERT_FALSE(probed.ok());
  EXPECT_EQ(probed.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(probed.status().message(), "not both")) << probed.status().message();
}

}  // namespace
}  // namespace sharc::agent

#include "agent/config.h"

namespace sharc::agent {
namespace {

TEST(ExampleAgentConfigTest, TheShippedExampleLoads) {
  auto config =
      LoadAgentConfig(std::string(SHARC_TEST_DATA_DIR) + "/../../configs/agent.example.json");
  ASSERT_TRUE(config.ok()) << config.status().ToString();
  EXPECT_TRUE(config->identities.create_users);
  EXPECT_EQ(config->pids_max, 4096);
}

}  // namespace
}  // namespace sharc::agent
