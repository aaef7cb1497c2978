#include "policies/gpu_picker.h"

#include <gtest/gtest.h>

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
