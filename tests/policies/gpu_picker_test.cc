#include "policies/gpu_picker.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "policies/cpu_picker.h"
#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::NodeBuilder;

struct GpuCase {
  std::string name;
  builder::BuiltNode node;
  int count;
  std::string model;
  int cpus;  // the whole job's CPUs
  std::optional<std::vector<int>> want_gpus;
  std::vector<int> want_numa;  // NUMA nodes of the picked GPUs, most first
};

void PrintTo(const GpuCase& c, std::ostream* os) { *os << c.name; }

class PickGpusTest : public ::testing::TestWithParam<GpuCase> {};

TEST_P(PickGpusTest, PicksTheExpectedGpus) {
  const GpuCase& c = GetParam();
  NodeView node = builder::ViewOf(c.node);
  std::optional<GpuPick> pick = PickGpus(*node.topology, node.gpu_free, c.count, c.model,
                                         FreePusPerNuma(*node.topology, node.pu_free), c.cpus);
  if (!c.want_gpus.has_value()) {
    EXPECT_FALSE(pick.has_value());
    return;
  }
  ASSERT_TRUE(pick.has_value());
  EXPECT_EQ(pick->gpus, *c.want_gpus);
  EXPECT_EQ(pick->numa, c.want_numa);
}

// Two sockets (one NUMA node each, 8 PUs each), 4 GPUs: GPUs 0, 1 on NUMA 0; 2, 3 on NUMA 1.
NodeBuilder TwoSocket() { return NodeBuilder("gpu").Packages(2).CoresPerNuma(8).Gpus(4, "H100"); }
// NUMA 0 has 3 GPUs (0-2), NUMA 1 has 2 (3, 4).
NodeBuilder ThreeAndTwo() {
  return NodeBuilder("gpu")
      .Packages(2)
      .CoresPerNuma(8)
      .Gpu("H100", 0)
      .Gpu("H100", 0)
      .Gpu("H100", 0)
      .Gpu("H100", 1)
      .Gpu("H100", 1);
}

INSTANTIATE_TEST_SUITE_P(
    Numa, PickGpusTest,
    ::testing::Values(
        // Both sockets hold 2 GPUs and 8 PUs: the tie goes to NUMA 0.
        GpuCase{"BothOfOneSocket", TwoSocket().Build(), 2, "", 4, {{0, 1}}, {0}},
        // GPU 0 taken: NUMA 0 can no longer supply 2, NUMA 1 can.
        GpuCase{"OtherSocketWhenOneIsTaken",
                TwoSocket().UsedGpus({0}).Build(),
                2,
                "",
                4,
                {{2, 3}},
                {1}},
        // 2 GPUs fit NUMA 0 (3 free) and NUMA 1 (2 free): best fit NUMA 1, NUMA 0 stays whole.
        GpuCase{"BestFitNuma", ThreeAndTwo().Build(), 2, "", 4, {{3, 4}}, {1}},
        // NUMA 1's PUs are all taken, so its GPUs would leave the job's CPUs remote: NUMA 0,
        // which has room for the 4 CPUs too, wins over the better GPU fit.
        GpuCase{"CpuRoomBeatsBestFit",
                ThreeAndTwo().UsedPus({8, 9, 10, 11, 12, 13, 14, 15}).Build(),
                2,
                "",
                4,
                {{0, 1}},
                {0}},
        // 3 fits no socket of TwoSocket: NUMA 0 whole (2, tie -> lowest), 1 more from NUMA 1.
        GpuCase{"SpansTheFewest", TwoSocket().Build(), 3, "", 4, {{0, 1, 2}}, {0, 1}},
        GpuCase{"AllFour", TwoSocket().Build(), 4, "", 4, {{0, 1, 2, 3}}, {0, 1}},
        GpuCase{"TooMany", TwoSocket().UsedGpus({3}).Build(), 4, "", 4, std::nullopt, {}},
        GpuCase{"ZeroIsEmpty", TwoSocket().Build(), 0, "", 4, {{}}, {}}),
    [](const auto& info) { return info.param.name; });

// GPU 0: unknown NUMA; GPU 1: NUMA 0; GPU 2: unknown NUMA.
NodeBuilder UnknownNuma() {
  return NodeBuilder("gpu").Gpu("H100", -1).Gpu("H100", 0).Gpu("H100", -1);
}
// GPUs 0, 1: A100 on NUMA 0; GPUs 2, 3: H100 on NUMA 1.
NodeBuilder Mixed() {
  return NodeBuilder("gpu").Packages(2).Gpu("A100", 0).Gpu("A100", 0).Gpu("H100", 1).Gpu("H100", 1);
}

INSTANTIATE_TEST_SUITE_P(
    UnknownAndModels, PickGpusTest,
    ::testing::Values(
        // Known NUMA first, although GPU 0 has the lowest index.
        GpuCase{"KnownNumaFirst", UnknownNuma().Build(), 1, "", 1, {{1}}, {0}},
        // 2: NUMA 0 supplies 1, the rest comes from the unknown ones, lowest index first.
        GpuCase{"UnknownNumaLast", UnknownNuma().Build(), 2, "", 1, {{0, 1}}, {0}},
        GpuCase{"OnlyUnknownLeft", UnknownNuma().UsedGpus({1}).Build(), 1, "", 1, {{0}}, {}},
        // Model filtering is case-insensitive; NUMA 0's A100s are not candidates.
        GpuCase{"ModelFilter", Mixed().Build(), 2, "h100", 1, {{2, 3}}, {1}},
        GpuCase{"ModelTooFew", Mixed().Build(), 3, "H100", 1, std::nullopt, {}},
        GpuCase{"ModelTaken", Mixed().UsedGpus({2}).Build(), 2, "H100", 1, std::nullopt, {}},
        GpuCase{"AnyModel", Mixed().Build(), 2, "", 1, {{0, 1}}, {0}}),
    [](const auto& info) { return info.param.name; });

// Two sockets (one NUMA node and 8 PUs each), 8 GPUs behind two PCIe switches: GPUs 0-3 on
// NUMA 0 in island 0, 4-7 on NUMA 1 in island 1 (gpu-2s-8gpu-2switch.xml's shape).
NodeBuilder TwoSwitches() {
  NodeBuilder node = NodeBuilder("gpu").Packages(2).CoresPerNuma(8);
  for (int i = 0; i < 8; ++i) node.Gpu("H100", i / 4, i / 4);
  return node;
}
// Islands that do not coincide with NUMA nodes: four switches of two GPUs, two per socket.
// Island i holds GPUs 2i and 2i + 1; islands 0, 1 on NUMA 0, islands 2, 3 on NUMA 1.
NodeBuilder FourSwitches() {
  NodeBuilder node = NodeBuilder("gpu").Packages(2).CoresPerNuma(8);
  for (int i = 0; i < 8; ++i) node.Gpu("H100", i / 4, i / 2);
  return node;
}
// One NUMA node, islands of 3, 3 and 1 GPUs: {0, 1, 2}, {3, 4, 5}, {6}.
NodeBuilder ThreeThreeOne() {
  NodeBuilder node = NodeBuilder("gpu").CoresPerNuma(8);
  for (int i = 0; i < 7; ++i) node.Gpu("H100", 0, i / 3);
  return node;
}
// One NVLink island across both sockets: GPUs 0, 1 on NUMA 0 and 2, 3 on NUMA 1, all island 0;
// GPUs 4, 5 on NUMA 1 are each their own island.
NodeBuilder LinkedAcrossSockets() {
  return NodeBuilder("gpu")
      .Packages(2)
      .CoresPerNuma(8)
      .Gpu("H100", 0, 0)
      .Gpu("H100", 0, 0)
      .Gpu("H100", 1, 0)
      .Gpu("H100", 1, 0)
      .Gpu("H100", 1, 1)
      .Gpu("H100", 1, 2);
}

INSTANTIATE_TEST_SUITE_P(
    Islands, PickGpusTest,
    ::testing::Values(
        GpuCase{"TwoFromOneSwitch", TwoSwitches().Build(), 2, "", 4, {{0, 1}}, {0}},
        GpuCase{"FourFillASwitch", TwoSwitches().Build(), 4, "", 4, {{0, 1, 2, 3}}, {0}},
        GpuCase{
            "EightSpanBoth", TwoSwitches().Build(), 8, "", 4, {{0, 1, 2, 3, 4, 5, 6, 7}}, {0, 1}},
        // One GPU of switch 0 taken: 4 fit only switch 1.
        GpuCase{"FourGoToTheWholeSwitch",
                TwoSwitches().UsedGpus({0}).Build(),
                4,
                "",
                4,
                {{4, 5, 6, 7}},
                {1}},
        // 2 fit both switches: the partly taken one (3 free) is the tightest, switch 1 stays
        // whole.
        GpuCase{"TwoGoToThePartlyTakenSwitch",
                TwoSwitches().UsedGpus({0}).Build(),
                2,
                "",
                4,
                {{1, 2}},
                {0}},
        GpuCase{"OneGoesToThePartlyTakenSwitch",
                TwoSwitches().UsedGpus({0}).Build(),
                1,
                "",
                1,
                {{1}},
                {0}},
        // Switch 0's socket has no free PU: its GPUs would leave the job's CPUs remote.
        GpuCase{"CpuRoomBeatsTheTightestSwitch",
                TwoSwitches().UsedGpus({0}).UsedPus({0, 1, 2, 3, 4, 5, 6, 7}).Build(),
                2,
                "",
                4,
                {{4, 5}},
                {1}},
        // NUMA 0 has 3 free GPUs and NUMA 1 has 4, so by NUMA the tightest fit would be
        // {1, 2}, across two switches; island 1 (GPUs 2, 3) is the tightest whole island.
        GpuCase{
            "IslandsNotNumaDecide", FourSwitches().UsedGpus({0}).Build(), 2, "", 4, {{2, 3}}, {0}},
        // NUMA 0 has exactly 2 free GPUs (1 and 3), but on two switches: a whole island of
        // NUMA 1 wins.
        GpuCase{"AWholeIslandBeatsTheTightestNuma",
                FourSwitches().UsedGpus({0, 2}).Build(),
                2,
                "",
                4,
                {{4, 5}},
                {1}},
        GpuCase{"OneGoesToTheLoneFreeGpuOfAnIsland",
                FourSwitches().UsedGpus({2}).Build(),
                1,
                "",
                1,
                {{3}},
                {0}},
        // No island holds 4: NUMA 1 (all 4 free) is the one NUMA node that does.
        GpuCase{"FourFallBackToNuma",
                FourSwitches().UsedGpus({0}).Build(),
                4,
                "",
                4,
                {{4, 5, 6, 7}},
                {1}},
        // No island holds 4: one NUMA node does, and within it the fewest islands: {0, 1, 2}
        // whole, then the best fit for the last one, island {6}, so {3, 4, 5} stays whole.
        GpuCase{
            "WithinNumaTheFewestIslands", ThreeThreeOne().Build(), 4, "", 1, {{0, 1, 2, 6}}, {0}},
        // An island across sockets: within it, one NUMA node when one holds them all.
        GpuCase{"WithinAnIslandOneNuma", LinkedAcrossSockets().Build(), 2, "", 4, {{0, 1}}, {0}},
        GpuCase{"WithinAnIslandTheFewestNuma",
                LinkedAcrossSockets().Build(),
                3,
                "",
                4,
                {{0, 1, 2}},
                {0, 1}},
        // The tightest fit for one GPU: a lone GPU's own island.
        GpuCase{"OneTakesALoneGpu", LinkedAcrossSockets().Build(), 1, "", 1, {{4}}, {1}}),
    [](const auto& info) { return info.param.name; });

// A copy of `built` in which each GPU is its own island (as the probe numbers GPUs without a
// shared switch), or unknown.
builder::BuiltNode WithIslands(builder::BuiltNode built, bool own) {
  auto topology = std::make_shared<NodeTopology>(*built.description.topology);
  for (GpuInfo& gpu : topology->gpus) gpu.island = own ? gpu.index : -1;
  built.description.topology = std::move(topology);
  return built;
}

TEST(PickGpusIslandTest, OneIslandPerGpuPicksLikeUnknownIslands) {
  std::vector<builder::BuiltNode> nodes;
  for (const std::vector<int>& used : std::vector<std::vector<int>>{{}, {0}, {1}, {0, 2}, {2}}) {
    nodes.push_back(TwoSocket().UsedGpus(used).Build());
    nodes.push_back(ThreeAndTwo().UsedGpus(used).Build());
    nodes.push_back(ThreeAndTwo().UsedGpus(used).UsedPus({8, 9, 10, 11, 12, 13, 14}).Build());
    nodes.push_back(UnknownNuma().UsedGpus(used).Build());
  }
  for (const builder::BuiltNode& built : nodes) {
    NodeView unknown = builder::ViewOf(WithIslands(built, false));
    NodeView own = builder::ViewOf(WithIslands(built, true));
    std::map<int, int> pus = FreePusPerNuma(*unknown.topology, unknown.pu_free);
    for (int count = 1; count <= 5; ++count) {
      for (int cpus : {1, 4, 8}) {
        std::optional<GpuPick> a =
            PickGpus(*unknown.topology, unknown.gpu_free, count, "", pus, cpus);
        std::optional<GpuPick> b = PickGpus(*own.topology, own.gpu_free, count, "", pus, cpus);
        ASSERT_EQ(a.has_value(), b.has_value()) << count;
        if (!a) continue;
        EXPECT_EQ(a->gpus, b->gpus) << "count " << count << " cpus " << cpus;
        EXPECT_EQ(a->numa, b->numa) << "count " << count << " cpus " << cpus;
      }
    }
  }
}

TEST(GpuModelMatchesTest, EmptyMatchesAnyOtherwiseCaseInsensitive) {
  GpuInfo h100;
  h100.model = "H100";
  GpuInfo unknown;
  EXPECT_TRUE(GpuModelMatches(h100, ""));
  EXPECT_TRUE(GpuModelMatches(unknown, ""));
  EXPECT_TRUE(GpuModelMatches(h100, "h100"));
  EXPECT_TRUE(GpuModelMatches(h100, "H100"));
  EXPECT_FALSE(GpuModelMatches(h100, "H10"));
  EXPECT_FALSE(GpuModelMatches(h100, "A100"));
  EXPECT_FALSE(GpuModelMatches(unknown, "H100"));
}

TEST(CountMatchingGpusTest, CountsFreeAndUsed) {
  NodeView node = builder::ViewOf(Mixed().UsedGpus({2}).Build());
  EXPECT_EQ(CountMatchingGpus(*node.topology, "H100"), 2);
  EXPECT_EQ(CountMatchingGpus(*node.topology, "a100"), 2);
  EXPECT_EQ(CountMatchingGpus(*node.topology, ""), 4);
  EXPECT_EQ(CountMatchingGpus(*node.topology, "V100"), 0);
}

}  // namespace
}  // namespace sharc::policies
