#include "policies/node_placement.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <vector>

#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::BuiltNode;
using builder::Cluster;
using builder::JobBuilder;
using builder::kGiB;
using builder::NodeBuilder;

// The exact placement of `spec` on `built` (as node `index`), given what is free there.
std::optional<NodePlacement> Place(const BuiltNode& built, size_t index, const JobSpec& spec,
                                   const std::vector<bool>& excluded_pus = {},
                                   const std::vector<bool>& excluded_gpus = {},
                                   int64_t memory_kept = 0) {
  ClusterView view = Cluster({built});
  const NodeView& node = view.node(0);
  return PlaceOnNode(*node.topology, {&node.pu_free, &node.gpu_free, node.memory_free}, index, spec,
                     excluded_pus, excluded_gpus, memory_kept);
}

std::vector<int> Range(int first, int last) {  // [first, last]
  std::vector<int> out;
  for (int i = first; i <= last; ++i) out.push_back(i);
  return out;
}

std::vector<int> Concat(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  std::sort(a.begin(), a.end());
  return a;
}

// Two sockets of one NUMA node, 8 cores x 2 PUs each, 64 GiB, 4 H100s (2 per socket):
// C = 16, core c = {c, c + 16}; NUMA 0 = PUs {0-7, 16-23}, NUMA 1 = PUs {8-15, 24-31};
// GPUs 0, 1 on NUMA 0 and 2, 3 on NUMA 1.
NodeBuilder DgxLike() {
  return NodeBuilder("n1")
      .Packages(2)
      .NumaPerPackage(1)
      .CoresPerNuma(8)
      .PusPerCore(2)
      .MemoryGiB(64)
      .Gpus(4, "H100");
}

TEST(PlaceOnNodeTest, TwoGpuJobGetsOneSocketAndItsCpus) {
  std::optional<NodePlacement> p =
      Place(DgxLike().Build(), 3, JobBuilder().Cpus(4).Gpus(2).MemoryGiB(8).Build());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->node_index, 3u);
  EXPECT_EQ(p->gpus, (std::vector<int>{0, 1}));
  // Cores 0 and 1 of NUMA 0, with their siblings.
  EXPECT_EQ(p->cpus, (std::vector<int>{0, 1, 16, 17}));
  EXPECT_EQ(p->memory_bytes, 8 * kGiB);
}

TEST(PlaceOnNodeTest, NextGpuJobLandsOnTheOtherSocket) {
  // What the previous test's job took.
  BuiltNode node = DgxLike().UsedGpus({0, 1}).UsedPus({0, 1, 16, 17}).Build();
  std::optional<NodePlacement> p = Place(node, 0, JobBuilder().Cpus(4).Gpus(2).Build());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->gpus, (std::vector<int>{2, 3}));
  // NUMA 1's first cores (8 and 9), although NUMA 0 still has 12 free PUs.
  EXPECT_EQ(p->cpus, (std::vector<int>{8, 9, 24, 25}));
}

TEST(PlaceOnNodeTest, GpusGoWhereTheCpusFit) {
  // NUMA 0 has only core 7 free ({7, 23}); the job needs 6 CPUs, so its GPUs come from
  // NUMA 1, where its CPUs fit too: cores 8, 9, 10.
  std::vector<int> used = Concat(Range(0, 6), Range(16, 22));
  BuiltNode node = DgxLike().UsedPus(used).Build();
  std::optional<NodePlacement> p = Place(node, 0, JobBuilder().Cpus(6).Gpus(2).Build());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->gpus, (std::vector<int>{2, 3}));
  EXPECT_EQ(p->cpus, (std::vector<int>{8, 9, 10, 24, 25, 26}));
}

TEST(PlaceOnNodeTest, JobLargerThanTheGpuSocketStartsThere) {
  // 20 CPUs: no NUMA node has 20 free PUs, so the GPUs go to NUMA 0 (tie, lowest), the CPUs
  // take all 16 of NUMA 0, and the remaining 4 are cores 8 and 9 of NUMA 1.
  std::optional<NodePlacement> p =
      Place(DgxLike().Build(), 0, JobBuilder().Cpus(20).Gpus(2).Build());
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->gpus, (std::vector<int>{0, 1}));
  EXPECT_EQ(p->cpus, Concat(Concat(Range(0, 7), Range(16, 23)), {8, 9, 24, 25}));
}

// DgxLike with 8 H100s behind two PCIe switches: GPUs 0-3 on NUMA 0 (island 0), 4-7 on NUMA 1
// (island 1), as gpu-2s-8gpu-2switch.xml.
NodeBuilder TwoSwitchNode() {
  NodeBuilder node = NodeBuilder("n1").Packages(2).CoresPerNuma(8).PusPerCore(2).MemoryGiB(64);
  for (int i = 0; i < 8; ++i) node.Gpu("H100", i / 4, i / 4);
  return node;
}

TEST(PlaceOnNodeTest, GpusComeFromOneSwitchWithCpusLocalToIt) {
  std::optional<NodePlacement> four =
      Place(TwoSwitchNode().Build(), 0, JobBuilder().Cpus(4).Gpus(4).Build());
  ASSERT_TRUE(four.has_value());
  EXPECT_EQ(four->gpus, Range(0, 3));
  EXPECT_EQ(four->cpus, (std::vector<int>{0, 1, 16, 17}));

  // One GPU of switch 0 in use: a 4-GPU job gets switch 1 and NUMA 1's CPUs ...
  BuiltNode one_used = TwoSwitchNode().UsedGpus({0}).UsedPus({0, 16}).Build();
  std::optional<NodePlacement> moved = Place(one_used, 0, JobBuilder().Cpus(4).Gpus(4).Build());
  ASSERT_TRUE(moved.has_value());
  EXPECT_EQ(moved->gpus, Range(4, 7));
  EXPECT_EQ(moved->cpus, (std::vector<int>{8, 9, 24, 25}));
  // ... while a 2-GPU job fills the partly used switch, next to its CPUs.
  std::optional<NodePlacement> two = Place(one_used, 0, JobBuilder().Cpus(2).Gpus(2).Build());
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->gpus, (std::vector<int>{1, 2}));
  EXPECT_EQ(two->cpus, (std::vector<int>{1, 17}));

  std::optional<NodePlacement> eight =
      Place(TwoSwitchNode().Build(), 0, JobBuilder().Cpus(2).Gpus(8).Build());
  ASSERT_TRUE(eight.has_value());
  EXPECT_EQ(eight->gpus, Range(0, 7));
}

TEST(PlaceOnNodeTest, GpuModelIsHonoured) {
  BuiltNode node = NodeBuilder("n1").Packages(2).Gpu("A100", 0).Gpu("H100", 1).Build();
  std::optional<NodePlacement> h100 = Place(node, 0, JobBuilder().Cpus(1).Gpus(1, "H100").Build());
  ASSERT_TRUE(h100.has_value());
  EXPECT_EQ(h100->gpus, (std::vector<int>{1}));
  // Packages(2) with 4 single-PU cores per NUMA node: NUMA 1 = PUs 4-7.
  EXPECT_EQ(h100->cpus, (std::vector<int>{4}));
  EXPECT_FALSE(Place(node, 0, JobBuilder().Gpus(2, "H100").Build()).has_value());
  EXPECT_FALSE(Place(node, 0, JobBuilder().Gpus(1, "V100").Build()).has_value());
}

TEST(PlaceOnNodeTest, MemoryIsNodeLevel) {
  BuiltNode node = NodeBuilder("n1").Packages(2).MemoryGiB(64).FreeMemoryGiB(10).Build();
  // 10 GiB free on the node as a whole (no per-NUMA split): exactly 10 fits, 11 does not.
  EXPECT_TRUE(Place(node, 0, JobBuilder().MemoryGiB(10).Build()).has_value());
  EXPECT_FALSE(Place(node, 0, JobBuilder().MemoryGiB(11).Build()).has_value());
}

TEST(PlaceOnNodeTest, RefusesWhenPusOrGpusAreShort) {
  BuiltNode node = DgxLike().UsedGpus({0, 1, 2}).UsedPus(Range(0, 29)).Build();
  // 2 PUs (30, 31) and 1 GPU (3) free.
  EXPECT_TRUE(Place(node, 0, JobBuilder().Cpus(2).Gpus(1).Build()).has_value());
  EXPECT_FALSE(Place(node, 0, JobBuilder().Cpus(3).Build()).has_value());
  EXPECT_FALSE(Place(node, 0, JobBuilder().Cpus(1).Gpus(2).Build()).has_value());
}

TEST(PlaceOnNodeTest, ExcludedResourcesAndKeptMemoryAreNotTaken) {
  BuiltNode node = DgxLike().Build();
  // PUs 0-3 and 16-19 (cores 0-3 of NUMA 0) and GPU 0 are excluded, as a reservation would.
  std::vector<bool> pus(32, false), gpus(4, false);
  for (int p : Concat(Range(0, 3), Range(16, 19))) pus[p] = true;
  gpus[0] = true;
  std::optional<NodePlacement> p = Place(node, 0, JobBuilder().Cpus(2).Gpus(1).Build(), pus, gpus);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->gpus, (std::vector<int>{1}));
  EXPECT_EQ(p->cpus, (std::vector<int>{4, 20}));
  // 64 GiB, 60 kept: 4 GiB fit, 5 do not.
  EXPECT_TRUE(Place(node, 0, JobBuilder().MemoryGiB(4).Build(), {}, {}, 60 * kGiB).has_value());
  EXPECT_FALSE(Place(node, 0, JobBuilder().MemoryGiB(5).Build(), {}, {}, 60 * kGiB).has_value());
}

}  // namespace
}  // namespace sharc::policies
