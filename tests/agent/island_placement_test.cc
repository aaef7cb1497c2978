// From hardware to placement: the probe of an 8-GPU, two-switch hwloc fixture, handed to the
// scheduler's exact placement (PlaceOnNode) as an agent's registration would hand it.
#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "agent/topology_probe.h"
#include "policies/node_placement.h"

namespace sharc::agent {
namespace {

using policies::NodePlacement;
using policies::PlaceOnNode;

class TwoSwitchPlacementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<ProbedNode> probed = ProbeTopology(
        {.xml_path = std::string(SHARC_TEST_DATA_DIR) + "/hwloc/gpu-2s-8gpu-2switch.xml"});
    ASSERT_TRUE(probed.ok()) << probed.status().ToString();
    topology_ = probed->topology;
    pu_free_.assign(topology_.pus.size(), true);
    gpu_free_.assign(topology_.gpus.size(), true);
  }

  std::optional<NodePlacement> Place(int cpus, int gpus) const {
    JobSpec spec;
    spec.cpus = cpus;
    spec.gpus = gpus;
    spec.memory_bytes = 1 << 30;
    return PlaceOnNode(topology_, {&pu_free_, &gpu_free_, topology_.memory_bytes}, 0, spec);
  }
  // The NUMA node of each PU (by OS index) in `cpus`.
  std::vector<int> NumaOf(const std::vector<int>& cpus) const {
    std::vector<int> numa;
    for (int cpu : cpus) numa.push_back(topology_.pus[cpu].numa);  // PUs are 0..31 in order
    return numa;
  }

  NodeTopology topology_;
  std::vector<bool> pu_free_, gpu_free_;
};

TEST_F(TwoSwitchPlacementTest, RequestsOfTwoFourAndEightGetTheTightestSwitch) {
  for (int gpus : {2, 4}) {
    std::optional<NodePlacement> p = Place(4, gpus);
    ASSERT_TRUE(p.has_value()) << gpus;
    EXPECT_EQ(p->gpus.size(), static_cast<size_t>(gpus));
    EXPECT_EQ(p->gpus.front(), 0);
    EXPECT_EQ(p->gpus.back(), gpus - 1) << "lowest GPUs of switch 0";
    EXPECT_EQ(NumaOf(p->cpus), std::vector<int>(4, 0)) << "CPUs next to switch 0";
  }
  std::optional<NodePlacement> all = Place(4, 8);
  ASSERT_TRUE(all.has_value());
  EXPECT_EQ(all->gpus, (std::vector<int>{0, 1, 2, 3, 4, 5, 6, 7}));
}

TEST_F(TwoSwitchPlacementTest, APartlyTakenSwitchGetsSmallJobsAndTheOtherTheLargeOne) {
  gpu_free_[0] = false;  // one GPU of switch 0 in use
  std::optional<NodePlacement> four = Place(4, 4);
  ASSERT_TRUE(four.has_value());
  EXPECT_EQ(four->gpus, (std::vector<int>{4, 5, 6, 7}));
  EXPECT_EQ(NumaOf(four->cpus), std::vector<int>(4, 1));
  std::optional<NodePlacement> two = Place(4, 2);
  ASSERT_TRUE(two.has_value());
  EXPECT_EQ(two->gpus, (std::vector<int>{1, 2}));
  EXPECT_EQ(NumaOf(two->cpus), std::vector<int>(4, 0));
}

}  // namespace
}  // namespace sharc::agent
