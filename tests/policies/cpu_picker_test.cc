#include "policies/cpu_picker.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "policies/group_order.h"
#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::NodeBuilder;

struct CpuCase {
  std::string name;
  builder::BuiltNode node;
  int count;
  std::vector<int> first_numa;
  std::optional<std::vector<int>> want;  // OS indices; nullopt = does not fit
};

void PrintTo(const CpuCase& c, std::ostream* os) { *os << c.name; }

class PickCpusTest : public ::testing::TestWithParam<CpuCase> {};

TEST_P(PickCpusTest, PicksTheExpectedPus) {
  const CpuCase& c = GetParam();
  NodeView node = builder::ViewOf(c.node);
  EXPECT_EQ(PickCpus(*node.topology, node.pu_free, c.count, c.first_numa), c.want);
}

// One NUMA node, 4 cores x 2 PUs: C = 4, core c = {c, c + 4}.
NodeBuilder Smt4() { return NodeBuilder("smt").CoresPerNuma(4).PusPerCore(2); }

INSTANTIATE_TEST_SUITE_P(
    WholeCores, PickCpusTest,
    ::testing::Values(
        // 4 PUs on 2-PU cores = cores 0 and 1, siblings included: {0,4} + {1,5}.
        CpuCase{"FourPusAreTwoWholeCores", Smt4().Build(), 4, {}, {{0, 1, 4, 5}}},
        CpuCase{"TwoPusAreOneCore", Smt4().Build(), 2, {}, {{0, 4}}},
        // 3 = core 0 whole {0,4} + 1 PU that breaks core 1 (its lowest OS index, 1).
        CpuCase{"OddCountBreaksOneCore", Smt4().Build(), 3, {}, {{0, 1, 4}}},
        CpuCase{"OnePu", Smt4().Build(), 1, {}, {{0}}},
        CpuCase{"AllPus", Smt4().Build(), 8, {}, {{0, 1, 2, 3, 4, 5, 6, 7}}},
        CpuCase{"MoreThanFree", Smt4().Build(), 9, {}, std::nullopt},
        CpuCase{"ZeroIsEmpty", Smt4().Build(), 0, {}, {{}}}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    PartiallyUsed, PickCpusTest,
    ::testing::Values(
        // Core 0 is half used ({4} free): 1 PU goes there and every other core stays whole.
        CpuCase{"OneOnThePartialCore", Smt4().UsedPus({0}).Build(), 1, {}, {{4}}},
        // 2 = a whole core (core 1), not the partial PU plus half of another core.
        CpuCase{"TwoTakeAWholeCore", Smt4().UsedPus({0}).Build(), 2, {}, {{1, 5}}},
        // 3 = core 1 whole {1,5} + the remainder on the partial core 0 {4}.
        CpuCase{"RemainderOnThePartialCore", Smt4().UsedPus({0}).Build(), 3, {}, {{1, 4, 5}}},
        // Cores 0 and 1 half used (free 4, 5): 4 = cores 2 and 3 whole.
        CpuCase{"WholeCoresBeforePartials", Smt4().UsedPus({0, 1}).Build(), 4, {}, {{2, 3, 6, 7}}},
        // 5 = cores 2, 3 whole (4 PUs) + 1 on partial core 0 ({4}, before core 1's {5}).
        CpuCase{
            "FiveIsTwoCoresAndAPartial", Smt4().UsedPus({0, 1}).Build(), 5, {}, {{2, 3, 4, 6, 7}}},
        CpuCase{"OnlyTheLastPuIsFree", Smt4().UsedPus({0, 1, 2, 3, 4, 5, 6}).Build(), 1, {}, {{7}}},
        CpuCase{"TooFewFree", Smt4().UsedPus({0, 1, 2, 3, 4, 5, 6}).Build(), 2, {}, std::nullopt}),
    [](const auto& info) { return info.param.name; });

// Two packages of one NUMA node each, 4 cores x 2 PUs per NUMA node: C = 8, core c = {c, c+8};
// NUMA 0 = cores 0-3 = PUs {0-3, 8-11}; NUMA 1 = cores 4-7 = PUs {4-7, 12-15}.
NodeBuilder TwoNuma() { return NodeBuilder("numa").Packages(2).CoresPerNuma(4).PusPerCore(2); }
// One package, 4 NUMA nodes of 2 single-PU cores: NUMA j = PUs {2j, 2j+1}.
NodeBuilder FourNuma() { return NodeBuilder("numa4").NumaPerPackage(4).CoresPerNuma(2); }

INSTANTIATE_TEST_SUITE_P(
    Numa, PickCpusTest,
    ::testing::Values(
        // 8 fits either NUMA node (8 free each): the tie goes to NUMA 0.
        CpuCase{"FitsOneNumaTieLowest", TwoNuma().Build(), 8, {}, {{0, 1, 2, 3, 8, 9, 10, 11}}},
        // NUMA 0 has 7 free (PU 0 used), NUMA 1 has 8: the job fits in one, so NUMA 1 only,
        // never 7 + 1 across both.
        CpuCase{"NeverSpansWhenOneHoldsIt",
                TwoNuma().UsedPus({0}).Build(),
                8,
                {},
                {{4, 5, 6, 7, 12, 13, 14, 15}}},
        // 6 fits NUMA 0 (8 free) and NUMA 1 (7 free, PU 4 used): best fit is NUMA 1, where
        // cores 5, 6, 7 are whole: {5,13}, {6,14}, {7,15}.
        CpuCase{"BestFitNuma", TwoNuma().UsedPus({4}).Build(), 6, {}, {{5, 6, 7, 13, 14, 15}}},
        // 10 fits no single NUMA node: NUMA 0 all 8 (tie 8/8 -> lowest), the remaining 2 on
        // NUMA 1 as one whole core (core 4 = {4,12}).
        CpuCase{"TooBigSpansTwo", TwoNuma().Build(), 10, {}, {{0, 1, 2, 3, 4, 8, 9, 10, 11, 12}}},
        // Free per NUMA: 1, 2, 2, 2 (PU 0 used). 3 fits no single one: NUMA 1 (most free, tie
        // lowest) gives {2,3}, then the remaining 1 best-fits NUMA 0 {1}: 2 NUMA nodes.
        CpuCase{"SpansTheFewestBestFitLast", FourNuma().UsedPus({0}).Build(), 3, {}, {{1, 2, 3}}},
        // 4: NUMA 1 {2,3}, then 2 more best-fit NUMA 2 (2 free, tie with NUMA 3) {4,5}.
        CpuCase{"SpansTheFewest", FourNuma().UsedPus({0}).Build(), 4, {}, {{2, 3, 4, 5}}},
        // A GPU on NUMA 1 puts the CPUs there although NUMA 0 is first and would fit: cores 4, 5.
        CpuCase{"StartsAtTheGpuNuma", TwoNuma().Build(), 4, {1}, {{4, 5, 12, 13}}},
        // NUMA 1 has only core 7 free ({7,15}); the rest (2) comes from NUMA 0 as core 0 {0,8}.
        CpuCase{"GpuNumaThenTheRest",
                TwoNuma().UsedPus({4, 5, 6, 12, 13, 14}).Build(),
                4,
                {1},
                {{0, 7, 8, 15}}},
        // A NUMA node without free PUs, or unknown to the topology, is skipped.
        CpuCase{"UnknownFirstNumaIgnored", TwoNuma().Build(), 2, {-1, 7}, {{0, 8}}}),
    [](const auto& info) { return info.param.name; });

TEST(FreePusPerNumaTest, CountsFreePusOfEveryNuma) {
  NodeView node = builder::ViewOf(TwoNuma().UsedPus({0, 8, 12}).Build());
  // NUMA 0: 8 - 2 used; NUMA 1: 8 - 1 used.
  EXPECT_EQ(FreePusPerNuma(*node.topology, node.pu_free), (std::map<int, int>{{0, 6}, {1, 7}}));
}

TEST(PickCpusTest, IsDeterministic) {
  NodeView node = builder::ViewOf(FourNuma().UsedPus({0, 5}).Build());
  for (int count = 1; count <= 6; ++count) {
    EXPECT_EQ(PickCpus(*node.topology, node.pu_free, count),
              PickCpus(*node.topology, node.pu_free, count))
        << count;
  }
}

TEST(FewestGroupsTest, BestFitWhenOneGroupHoldsAll) {
  // 3 fits groups 1 (5 free) and 2 (3 free): best fit is group 2.
  EXPECT_EQ(FewestGroups({{1, 5}, {2, 3}, {3, 2}}, 3), (std::vector<int>{2}));
  // Equal fits: lowest id.
  EXPECT_EQ(FewestGroups({{4, 3}, {2, 3}}, 3), (std::vector<int>{2}));
}

TEST(FewestGroupsTest, MostFreeFirstThenBestFitForTheRest) {
  // 7: none holds it; 5 (group 1) leaves 2, which group 3 (2 free) fits better than group 2.
  EXPECT_EQ(FewestGroups({{1, 5}, {2, 3}, {3, 2}}, 7), (std::vector<int>{1, 3}));
  // 9: 5 + 3 leaves 1 -> group 3. Three groups, the fewest possible.
  EXPECT_EQ(FewestGroups({{1, 5}, {2, 3}, {3, 2}}, 9), (std::vector<int>{1, 2, 3}));
}

TEST(FewestGroupsTest, EdgeCases) {
  EXPECT_TRUE(FewestGroups({{1, 5}}, 0).empty());
  // Too few in all: every group with a free item, most free first; empty groups left out.
  EXPECT_EQ(FewestGroups({{1, 1}, {2, 0}, {3, 2}}, 10), (std::vector<int>{3, 1}));
}

}  // namespace
}  // namespace sharc::policies
