#include "protocol/node_codec.h"

#include <gtest/gtest.h>

namespace sharc::protocol {
namespace {

NodeInventory SampleInventory() {
  NodeInventory inv;
  inv.name = "gpu1";
  inv.labels = {{"zone", "a"}};
  inv.binding_simulated = true;
  inv.agent_version = "0.1.0";
  inv.metrics_url = "http://10.0.0.5:7401/metrics";
  inv.topology.packages = 2;
  inv.topology.cores = 2;
  inv.topology.memory_bytes = 2LL << 30;
  inv.topology.numa_nodes = {{0, 1LL << 30}, {1, 1LL << 30}};
  inv.topology.pus = {{0, 0, 0, 0}, {1, 1, 1, 1}};
  inv.topology.gpus = {{0, "cuda0", "10de", "H100", "0000:17:00.0", 0},
                       {1, "cuda1", "10de", "H100", "0000:65:00.0", 1}};
  return inv;
}

TEST(NodeCodecTest, RoundTripsAnInventory) {
  NodeInventory inv = SampleInventory();
  StatusOr<NodeInventory> decoded = DecodeInventory(EncodeInventory(inv), "inventory");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, inv);
}

TEST(NodeCodecTest, RefusesInconsistentTopologies) {
  Json j = EncodeInventory(SampleInventory());
  Json dup = j;
  dup["topology"]["pus"][1]["os_index"] = 0;
  EXPECT_EQ(DecodeInventory(dup, "inv").status().message(),
            "inv.topology.pus[1].os_index: duplicate PU 0");
  Json bad_numa = j;
  bad_numa["topology"]["gpus"][0]["numa"] = 7;
  EXPECT_EQ(DecodeInventory(bad_numa, "inv").status().message(),
            "inv.topology.gpus[0].numa: no NUMA node 7");
  Json pu_beyond_cpu_lists = j;  // an allocation of it could not be written as a CPU list
  pu_beyond_cpu_lists["topology"]["pus"][1]["os_index"] = 65536;
  EXPECT_FALSE(DecodeInventory(pu_beyond_cpu_lists, "inv").ok());
  Json bad_name = j;
  bad_name["name"] = "../etc";
  EXPECT_FALSE(DecodeInventory(bad_name, "inv").ok());
  Json no_pus = j;
  no_pus["topology"]["pus"] = Json::array();
  EXPECT_FALSE(DecodeInventory(no_pus, "inv").ok());
}

TEST(NodeCodecTest, RoundTripsGpuIslands) {
  NodeInventory inv = SampleInventory();
  inv.topology.gpus[0].island = 0;
  inv.topology.gpus[1].island = 1;
  Json j = EncodeInventory(inv);
  EXPECT_EQ(j["topology"]["gpus"][1]["island"], 1);
  StatusOr<NodeInventory> decoded = DecodeInventory(j, "inventory");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(*decoded, inv);
}

TEST(NodeCodecTest, AnUnknownIslandIsLeftOutAndAMissingOneDecodesAsUnknown) {
  // What an agent that predates islands sends: no "island" field at all.
  Json j = EncodeInventory(SampleInventory());
  EXPECT_FALSE(j["topology"]["gpus"][0].contains("island")) << j.dump();
  StatusOr<NodeInventory> decoded = DecodeInventory(j, "inventory");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  for (const GpuInfo& gpu : decoded->topology.gpus) EXPECT_EQ(gpu.island, -1) << gpu.index;
  // -1 written out explicitly means the same.
  j["topology"]["gpus"][0]["island"] = -1;
  decoded = DecodeInventory(j, "inventory");
  ASSERT_TRUE(decoded.ok()) << decoded.status().ToString();
  EXPECT_EQ(decoded->topology.gpus[0].island, -1);
}

TEST(NodeCodecTest, RefusesABadIslandNamingTheField) {
  Json j = EncodeInventory(SampleInventory());
  Json negative = j;
  negative["topology"]["gpus"][1]["island"] = -2;
  EXPECT_EQ(DecodeInventory(negative, "inv").status().message(),
            "inv.topology.gpus[1].island: must be between -1 and 255");
  Json text = j;
  text["topology"]["gpus"][0]["island"] = "a";
  Status status = DecodeInventory(text, "inv").status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(status.message().find("inv.topology.gpus[0].island"), std::string::npos)
      << status.message();
}

TEST(NodeCodecTest, RefusesAGpuModelNoJobCouldAskFor) {
  Json j = EncodeInventory(SampleInventory());
  Json control = j;
  control["topology"]["gpus"][1]["model"] = "H100\n";
  EXPECT_EQ(DecodeInventory(control, "inv").status().message(),
            "inv.topology.gpus[1].model: a GPU model is 1 to 64 bytes of UTF-8 without control "
            "characters, e.g. H100");
  Json long_model = j;
  long_model["topology"]["gpus"][0]["model"] = std::string(65, 'H');
  EXPECT_FALSE(DecodeInventory(long_model, "inv").ok());
  Json unknown = j;  // "" is an unknown model, not a bad one
  unknown["topology"]["gpus"][0]["model"] = "";
  EXPECT_TRUE(DecodeInventory(unknown, "inv").ok());
}

TEST(NodeCodecTest, CapacityCountsGpuModels) {
  Resources cap = SampleInventory().topology.Capacity();
  EXPECT_EQ(cap.Get("cpu"), 2000);
  EXPECT_EQ(cap.Get("gpu"), 2);
  EXPECT_EQ(cap.Get("gpu/H100"), 2);
  EXPECT_EQ(cap.Get("memory"), 2LL << 30);
}

}  // namespace
}  // namespace sharc::protocol
