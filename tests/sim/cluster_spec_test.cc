#include "sim/cluster_spec.h"

#include <gtest/gtest.h>

#include <string>

#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"

namespace sharc::sim {
namespace {

using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

constexpr int64_t kGiB = 1LL << 30;
const std::string kDataDir = SHARC_TEST_DATA_DIR;

StatusOr<std::vector<NodeInventory>> Parse(const std::string& text) {
  return ParseClusterSpec(text, "cluster.json", kDataDir);
}

std::string Error(const std::string& text) {
  StatusOr<std::vector<NodeInventory>> nodes = Parse(text);
  EXPECT_FALSE(nodes.ok()) << text;
  return nodes.ok() ? "" : nodes.status().message();
}

TEST(SimClusterSpecTest, SyntheticAndXmlGroups) {
  StatusOr<std::vector<NodeInventory>> nodes = Parse(R"({"nodes": [
      {"name": "cpu", "count": 100, "synthetic": "pack:2 numa:2(memory=64GiB) core:16 pu:2",
       "labels": {"rack": "r1"}},
      {"name": "gpu", "count": 8, "xml": "hwloc/gpu-2s-4gpu.xml", "labels": {"kind": "gpu"}}]})");
  ASSERT_OK(nodes);
  ASSERT_EQ(nodes->size(), 108u);
  const NodeInventory& first = nodes->front();
  EXPECT_EQ(first.name, "cpu001");
  EXPECT_EQ((*nodes)[9].name, "cpu010");
  EXPECT_EQ((*nodes)[99].name, "cpu100");
  EXPECT_EQ(first.labels, (std::map<std::string, std::string>{{"rack", "r1"}}));
  EXPECT_TRUE(first.binding_simulated);
  EXPECT_EQ(first.topology.pus.size(), 128u);  // 2 x 2 x 16 x 2
  EXPECT_EQ(first.topology.numa_nodes.size(), 4u);
  EXPECT_EQ(first.topology.memory_bytes, 256 * kGiB);
  EXPECT_TRUE(first.topology.gpus.empty());
  EXPECT_EQ((*nodes)[55].topology, first.topology);

  const NodeInventory& gpu = (*nodes)[100];
  EXPECT_EQ(gpu.name, "gpu1");  // count 8: one digit
  EXPECT_EQ(nodes->back().name, "gpu8");
  EXPECT_EQ(gpu.labels, (std::map<std::string, std::string>{{"kind", "gpu"}}));
  EXPECT_TRUE(gpu.binding_simulated);
  EXPECT_EQ(gpu.topology.pus.size(), 32u);
  EXPECT_EQ(gpu.topology.memory_bytes, 128 * kGiB);
  ASSERT_EQ(gpu.topology.gpus.size(), 4u);
  EXPECT_EQ(gpu.topology.gpus[0].model, "H100");
  EXPECT_EQ(gpu.topology.gpus[3].numa, 1);
}

TEST(SimClusterSpecTest, LoadResolvesXmlAgainstTheFilesDirectory) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::string xml = testing::ReadTextFile(kDataDir + "/hwloc/gpu-2s-4gpu.xml");
  ASSERT_FALSE(xml.empty());
  WriteTextFile(dir.File("node.xml"), xml);
  WriteTextFile(dir.File("cluster.json"),
                R"({"nodes": [{"name": "g", "count": 10, "xml": "node.xml"}]})");
  StatusOr<std::vector<NodeInventory>> nodes = LoadClusterSpec(dir.File("cluster.json"));
  ASSERT_OK(nodes);
  ASSERT_EQ(nodes->size(), 10u);
  EXPECT_EQ(nodes->front().name, "g01");
  EXPECT_EQ(nodes->back().name, "g10");
  EXPECT_EQ(nodes->front().topology.gpus.size(), 4u);

  EXPECT_EQ(LoadClusterSpec(dir.File("missing.json")).status().code(), StatusCode::kNotFound);
}

TEST(SimClusterSpecTest, OneNodeHasNoPadding) {
  StatusOr<std::vector<NodeInventory>> nodes =
      Parse(R"({"nodes": [{"name": "big", "count": 1, "synthetic": "numa:1(memory=1GiB) pu:4"}]})");
  ASSERT_OK(nodes);
  ASSERT_EQ(nodes->size(), 1u);
  EXPECT_EQ(nodes->front().name, "big1");
  EXPECT_EQ(nodes->front().topology.memory_bytes, kGiB);
}

TEST(SimClusterSpecTest, SyntheticWithoutNumaMemoryIsRefusedWithAdvice) {
  std::string advice =
      "cluster.json: nodes[0].synthetic: gives no NUMA memory, and hwloc would invent 1 GiB per "
      "NUMA node; state it on the NUMA level, e.g. \"pack:2 numa:2(memory=64GiB) core:16 pu:2\"";
  EXPECT_EQ(Error(R"({"nodes": [{"name": "c", "count": 2, "synthetic": "pack:2 core:4 pu:2"}]})"),
            advice);
  // hwloc ignores memory= on a package, so that does not count either.
  EXPECT_EQ(Error(R"({"nodes": [{"name": "c", "count": 2,
                                 "synthetic": "pack:2(memory=64GiB) numa:1 pu:2"}]})"),
            advice);
  // NUMANode, node and the memory-side [numa(...)] forms do.
  for (std::string synthetic :
       {"pack:2 NUMANode:1(memory=8GiB) pu:2", "pack:2 node:1(memory=8GiB) pu:2",
        "pack:2 [numa(memory=8GiB)] pu:2"}) {
    StatusOr<std::vector<NodeInventory>> nodes =
        Parse(R"({"nodes": [{"name": "c", "count": 1, "synthetic": ")" + synthetic + "\"}]}");
    ASSERT_OK(nodes);
    EXPECT_EQ(nodes->front().topology.memory_bytes, 16 * kGiB) << synthetic;
  }
}

TEST(SimClusterSpecTest, Refusals) {
  const std::string ok = R"("synthetic": "numa:1(memory=1GiB) pu:2")";
  EXPECT_EQ(Error("[]"), "cluster.json: body: must be a JSON object, not a list");
  EXPECT_EQ(Error("{"), "cluster.json: not valid JSON at line 1, column 2");
  EXPECT_EQ(Error(R"({})"), "cluster.json: nodes: is required");
  EXPECT_EQ(Error(R"({"nodes": []})"),
            "cluster.json: nodes: must be a non-empty list of node groups");
  EXPECT_EQ(Error(R"({"nodes": [], "racks": 1})"), "cluster.json: racks: unknown field");
  EXPECT_EQ(Error(R"({"nodes": [{"count": 1, )" + ok + "}]}"),
            "cluster.json: nodes[0].name: is required");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a", )" + ok + "}]}"),
            "cluster.json: nodes[0].count: is required");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a", "count": 0, )" + ok + "}]}"),
            "cluster.json: nodes[0].count: must be between 1 and 100000");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a", "count": "2", )" + ok + "}]}"),
            "cluster.json: nodes[0].count: must be an integer, not a string");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a", "count": 1, "cout": 1, )" + ok + "}]}"),
            "cluster.json: nodes[0].cout: unknown field (did you mean 'count'?)");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a", "count": 1}]})"),
            "cluster.json: nodes[0]: give exactly one of synthetic and xml");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a", "count": 1, "xml": "x.xml", )" + ok + "}]}"),
            "cluster.json: nodes[0]: give exactly one of synthetic and xml");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a", "count": 1, )" + ok + R"(, "labels": {"k": 1}}]})"),
            "cluster.json: nodes[0].labels: 'k' must be a string");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a b", "count": 1, )" + ok + "}]}"),
            "cluster.json: nodes[0].name: node name 'a b1': use 1 to 63 letters, digits, '.', "
            "'_' or '-'");
  EXPECT_EQ(Error(R"({"nodes": [{"name": "a", "count": 1, )" + ok +
                  R"(}, {"name": "a", "count": 2, )" + ok + "}]}"),
            "cluster.json: nodes[1].name: 'a' is also nodes[0].name");
  // "cpu" x 100 makes cpu001; "cpu0" x 10 makes cpu001 too.
  EXPECT_EQ(Error(R"({"nodes": [{"name": "cpu", "count": 100, )" + ok +
                  R"(}, {"name": "cpu0", "count": 10, )" + ok + "}]}"),
            "cluster.json: nodes[1].name: makes node 'cpu001', which nodes[0] makes too");
}

TEST(SimClusterSpecTest, HwlocErrorsNameTheField) {
  std::string bad_synthetic = Error(
      R"({"nodes": [{"name": "a", "count": 1, "synthetic": "numa:1(memory=1GiB) bogus:3"}]})");
  EXPECT_TRUE(bad_synthetic.starts_with("cluster.json: nodes[0].synthetic: ")) << bad_synthetic;
  std::string missing_xml =
      Error(R"({"nodes": [{"name": "a", "count": 1, )"
            R"("synthetic": "numa:1(memory=1GiB) pu:1"},)"
            R"( {"name": "b", "count": 1, "xml": "hwloc/no-such-file.xml"}]})");
  EXPECT_TRUE(missing_xml.starts_with("cluster.json: nodes[1].xml: ")) << missing_xml;
}

}  // namespace
}  // namespace sharc::sim
