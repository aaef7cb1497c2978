#include "policies/feasibility.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::Cluster;
using builder::JobBuilder;
using builder::NodeBuilder;

struct EverFitsCase {
  std::string name;
  std::vector<builder::BuiltNode> nodes;
  JobSpec spec;
  std::string want;  // "" = OK
};

void PrintTo(const EverFitsCase& c, std::ostream* os) { *os << c.name; }

class CheckEverFitsTest : public ::testing::TestWithParam<EverFitsCase> {};

TEST_P(CheckEverFitsTest, NamesTheLimit) {
  const EverFitsCase& c = GetParam();
  Status status = CheckEverFits(Cluster(c.nodes), c.spec);
  if (c.want.empty()) {
    EXPECT_TRUE(status.ok()) << status.ToString();
  } else {
    EXPECT_EQ(status.code(), StatusCode::kUnsatisfiable);
    EXPECT_EQ(status.message(), c.want);
  }
}

// 2 x 16 cores x 2 PUs = 64 PUs, 256 GiB, no GPUs.
builder::BuiltNode Big(std::string name) {
  return NodeBuilder(std::move(name))
      .Packages(2)
      .CoresPerNuma(16)
      .PusPerCore(2)
      .MemoryGiB(256)
      .Build();
}

INSTANTIATE_TEST_SUITE_P(
    SingleLimits, CheckEverFitsTest,
    ::testing::Values(EverFitsCase{"Gpus",
                                   {NodeBuilder("a").Gpus(2).Build(), NodeBuilder("b").Build()},
                                   JobBuilder().Gpus(3).Build(),
                                   "no node has 3 GPUs; the largest has 2"},
                      EverFitsCase{"Cpus",
                                   {Big("a"), NodeBuilder("b").Build()},
                                   JobBuilder().Cpus(512).Build(),
                                   "no node has 512 CPUs; the largest has 64"},
                      EverFitsCase{"Memory",
                                   {Big("a"), NodeBuilder("b").MemoryGiB(8).Build()},
                                   JobBuilder().MemoryGiB(2048).Build(),
                                   "no node has 2 TiB of memory; the largest has 256 GiB"},
                      EverFitsCase{"Label",
                                   {NodeBuilder("a").Label("zone", "us").Build()},
                                   JobBuilder().Label("zone", "eu").Build(),
                                   "no node has label zone=eu"},
                      EverFitsCase{"LabelsNeverTogether",
                                   {NodeBuilder("a").Label("zone", "eu").Build(),
                                    NodeBuilder("b").Label("rack", "a").Build()},
                                   JobBuilder().Label("zone", "eu").Label("rack", "a").Build(),
                                   "no node has labels rack=a, zone=eu together"},
                      // Only the zone=eu node counts: it has 4 PUs, although node b has 64.
                      EverFitsCase{"LimitAmongLabelledNodes",
                                   {NodeBuilder("a").Label("zone", "eu").Build(), Big("b")},
                                   JobBuilder().Cpus(8).Label("zone", "eu").Build(),
                                   "no node with label zone=eu has 8 CPUs; the largest has 4"},
                      // 1 H100 and 3 A100s on one node: 4 GPUs, but only 1 of the model.
                      EverFitsCase{"GpuModel",
                                   {NodeBuilder("a").Gpus(1, "H100").Gpus(3, "A100").Build()},
                                   JobBuilder().Gpus(2, "H100").Build(),
                                   "no node has 2 GPUs of model H100; the most is 1"},
                      EverFitsCase{"GpuModelNone",
                                   {NodeBuilder("a").Gpus(2, "A100").Build()},
                                   JobBuilder().Gpus(1, "H100").Build(),
                                   "no node has 1 GPU of model H100; the most is 0"},
                      EverFitsCase{"GpuModelCaseInsensitive",
                                   {NodeBuilder("a").Gpus(2, "H100").Build()},
                                   JobBuilder().Gpus(2, "h100").Build(),
                                   ""}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Combinations, CheckEverFitsTest,
    ::testing::Values(
        // a has the CPUs, b the GPUs.
        EverFitsCase{"CpusAndGpus",
                     {Big("a"), NodeBuilder("b").CoresPerNuma(8).MemoryGiB(256).Gpus(4).Build()},
                     JobBuilder().Cpus(64).Gpus(4).Build(),
                     "no single node has 64 CPUs and 4 GPUs together"},
        EverFitsCase{"CpusAndMemory",
                     {NodeBuilder("a").CoresPerNuma(8).MemoryGiB(64).Build(),
                      NodeBuilder("b").CoresPerNuma(2).MemoryGiB(256).Build()},
                     JobBuilder().Cpus(8).MemoryGiB(128).Build(),
                     "no single node has 8 CPUs and 128 GiB of memory together"},
        // CPUs + GPUs fit b, CPUs + memory fit a, memory + GPUs fit neither.
        EverFitsCase{"MemoryAndGpus",
                     {NodeBuilder("a").CoresPerNuma(8).MemoryGiB(256).Build(),
                      NodeBuilder("b").CoresPerNuma(8).MemoryGiB(64).Gpus(4).Build()},
                     JobBuilder().Cpus(4).MemoryGiB(128).Gpus(4).Build(),
                     "no single node has 128 GiB of memory and 4 GPUs together"},
        // Every pair fits some node (a: CPUs + memory, b: CPUs + GPUs, c: memory + GPUs), the
        // three together none.
        EverFitsCase{"AllThree",
                     {NodeBuilder("a").CoresPerNuma(8).MemoryGiB(128).Build(),
                      NodeBuilder("b").CoresPerNuma(8).MemoryGiB(16).Gpus(4).Build(),
                      NodeBuilder("c").CoresPerNuma(4).MemoryGiB(128).Gpus(4).Build()},
                     JobBuilder().Cpus(8).MemoryGiB(128).Gpus(4).Build(),
                     "no single node has 8 CPUs, 128 GiB of memory and 4 GPUs together"}),
    [](const auto& info) { return info.param.name; });

INSTANTIATE_TEST_SUITE_P(
    Fits, CheckEverFitsTest,
    ::testing::Values(
        // A DOWN node may come back, and nothing running counts: the node's full size does.
        EverFitsCase{"DownNodeCounts",
                     {NodeBuilder("a").State(NodeState::kDown).Gpus(2).Build()},
                     JobBuilder().Cpus(4).Gpus(2).Build(),
                     ""},
        EverFitsCase{"BusyNodeCounts",
                     {NodeBuilder("a").UsedPus({0, 1, 2, 3}).FreeMemoryGiB(0).Build()},
                     JobBuilder().Cpus(4).MemoryGiB(16).Build(),
                     ""},
        EverFitsCase{"NoNodesYet", {}, JobBuilder().Cpus(100000).Build(), ""}),
    [](const auto& info) { return info.param.name; });

TEST(CheckFitsSomeNodeTest, NounNamesTheNodesConsidered) {
  ClusterView view = Cluster({NodeBuilder("a").Label("zone", "eu").Build()});
  std::vector<const NodeView*> nodes{&view.node(0)};
  Status status = CheckFitsSomeNode(nodes, JobBuilder().Cpus(8).Build(), "UP node");
  EXPECT_EQ(status.message(), "no UP node has 8 CPUs; the largest has 4");
  status = CheckFitsSomeNode(nodes, JobBuilder().Cpus(8).Label("zone", "eu").Build(), "UP node");
  EXPECT_EQ(status.message(), "no UP node with label zone=eu has 8 CPUs; the largest has 4");
  EXPECT_TRUE(CheckFitsSomeNode({}, JobBuilder().Cpus(8).Build(), "UP node").ok());
}

TEST(LabelsMatchTest, EveryJobLabelMustBeOnTheNodeWithTheSameValue) {
  ClusterView view = Cluster({NodeBuilder("a").Label("zone", "eu").Label("rack", "a").Build()});
  const NodeView& node = view.node(0);
  EXPECT_TRUE(LabelsMatch(node, JobBuilder().Build()));
  EXPECT_TRUE(LabelsMatch(node, JobBuilder().Label("zone", "eu").Build()));
  EXPECT_TRUE(LabelsMatch(node, JobBuilder().Label("zone", "eu").Label("rack", "a").Build()));
  EXPECT_FALSE(LabelsMatch(node, JobBuilder().Label("zone", "EU").Build()));
  EXPECT_FALSE(LabelsMatch(node, JobBuilder().Label("zone", "eu").Label("gpu", "yes").Build()));
}

}  // namespace
}  // namespace sharc::policies
