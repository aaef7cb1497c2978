// The contract every registered policy passes, run over every name RegisterBuiltinPolicies
// registers: a policy added to the registry is covered without editing this file.
//
// Placement: what PlaceOnNode returns lies within the node's free resources, with exactly the
// requested counts, sorted, the same for the same input; an empty node that could hold the job
// gets it; Choose picks a candidate, deterministically.
// Queue order: Sort is a deterministic permutation.
// Cycle (every queue order x placement): over seeded random clusters and job mixes, no PU or
// GPU is granted twice, every grant is free, on an UP node with the job's labels, within the
// node's free memory, and the verdicts agree with CheckEverFits.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "policies/cycle.h"
#include "policies/feasibility.h"
#include "policies/gpu_picker.h"
#include "policies/registry.h"
#include "tests/policies/snapshot_builder.h"

namespace sharc::policies {
namespace {

using builder::Cluster;
using builder::JobBuilder;
using builder::kGiB;
using builder::NodeBuilder;
using builder::PendingQueue;

constexpr UnixMillis kNow = 1'800'000'000'000;

PolicyRegistry Builtins() {
  PolicyRegistry registry;
  RegisterBuiltinPolicies(registry);
  return registry;
}

std::unique_ptr<PlacementPolicy> MakePlacement(const std::string& name) {
  auto made = Builtins().MakePlacement(name);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  return std::move(made).value();
}

std::unique_ptr<QueueOrder> MakeQueueOrder(const std::string& name) {
  auto made = Builtins().MakeQueueOrder(name);
  EXPECT_TRUE(made.ok()) << made.status().ToString();
  return std::move(made).value();
}

bool StrictlyIncreasing(const std::vector<int>& v) {
  return std::adjacent_find(v.begin(), v.end(), std::greater_equal<int>()) == v.end();
}

// Checks `p`, placed for `spec` on `node` (index `index`) against the node's free resources.
void ExpectWithinFree(const Placement& p, const NodeSnapshot& node, size_t index,
                      const JobSpec& spec) {
  const NodeTopology& topology = *node.topology;
  EXPECT_EQ(p.node_index, index);
  ASSERT_EQ(p.cpus.size(), static_cast<size_t>(spec.cpus));
  ASSERT_EQ(p.gpus.size(), static_cast<size_t>(spec.gpus));
  EXPECT_TRUE(StrictlyIncreasing(p.cpus));
  EXPECT_TRUE(StrictlyIncreasing(p.gpus));
  for (int cpu : p.cpus) {
    auto it = std::find_if(topology.pus.begin(), topology.pus.end(),
                           [&](const PuInfo& pu) { return pu.os_index == cpu; });
    ASSERT_NE(it, topology.pus.end()) << "no PU " << cpu;
    EXPECT_TRUE(node.pu_free[it - topology.pus.begin()]) << "PU " << cpu << " is not free";
  }
  for (int gpu : p.gpus) {
    auto it = std::find_if(topology.gpus.begin(), topology.gpus.end(),
                           [&](const GpuInfo& g) { return g.index == gpu; });
    ASSERT_NE(it, topology.gpus.end()) << "no GPU " << gpu;
    EXPECT_TRUE(node.gpu_free[it - topology.gpus.begin()]) << "GPU " << gpu << " is not free";
    EXPECT_TRUE(GpuModelMatches(*it, spec.gpu_model)) << "GPU " << gpu;
  }
  EXPECT_EQ(p.memory_bytes, spec.memory_bytes);
  EXPECT_LE(p.memory_bytes, node.memory_free);
}

// Nodes in many states of use: GPU sockets, several NUMA nodes, SMT, unknown-NUMA GPUs.
std::vector<NodeSnapshot> FixtureNodes() {
  NodeBuilder dgx =
      NodeBuilder("dgx").Packages(2).CoresPerNuma(8).PusPerCore(2).MemoryGiB(64).Gpus(4, "H100");
  NodeBuilder numa4 = NodeBuilder("numa4").NumaPerPackage(4).CoresPerNuma(3).PusPerCore(2);
  NodeBuilder mixed = NodeBuilder("mixed")
                          .Packages(2)
                          .Gpu("A100", 0)
                          .Gpu("H100", -1)
                          .Gpu("H100", 1)
                          .Gpu("a100", -1);
  return {
      dgx.Build(),
      NodeBuilder(dgx).UsedPus({0, 1, 16, 17, 9, 25, 30}).UsedGpus({1, 2}).Build(),
      NodeBuilder(dgx).UsedPus({3, 4, 5, 6, 7, 8, 10}).UsedGpus({0}).FreeMemoryGiB(3).Build(),
      numa4.Build(),
      NodeBuilder(numa4).UsedPus({0, 2, 4, 12, 13, 20}).Build(),
      mixed.Build(),
      NodeBuilder(mixed).UsedPus({1, 6}).UsedGpus({2}).Build(),
      NodeBuilder("full").UsedPus({0, 1, 2, 3}).FreeMemoryGiB(0).Build(),
  };
}

std::vector<JobSpec> FixtureJobs() {
  std::vector<JobSpec> jobs;
  for (int cpus : {1, 2, 3, 5, 8, 13, 24}) {
    for (int gpus : {0, 1, 2, 3}) {
      for (const char* model : {"", "H100", "a100"}) {
        if (gpus == 0 && *model != '\0') continue;
        jobs.push_back(JobBuilder().Cpus(cpus).Gpus(gpus, model).MemoryGiB(cpus % 4 + 1).Build());
      }
    }
  }
  return jobs;
}

class PlacementContractTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PlacementContractTest, PlacementsAreExactAndWithinFreeResources) {
  std::unique_ptr<PlacementPolicy> policy = MakePlacement(GetParam());
  ASSERT_NE(policy, nullptr);
  EXPECT_EQ(policy->name(), GetParam());
  std::vector<NodeSnapshot> nodes = FixtureNodes();
  int placed = 0;
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const JobSpec& spec : FixtureJobs()) {
      SCOPED_TRACE(nodes[i].name + " #" + std::to_string(i) +
                   ": cpus=" + std::to_string(spec.cpus) + " gpus=" + std::to_string(spec.gpus) +
                   " " + spec.gpu_model);
      std::optional<Placement> p = policy->PlaceOnNode(nodes[i], i, spec);
      if (!p.has_value()) continue;
      ++placed;
      ExpectWithinFree(*p, nodes[i], i, spec);
    }
  }
  EXPECT_GT(placed, 0);
}

TEST_P(PlacementContractTest, PlaceOnNodeIsDeterministic) {
  std::unique_ptr<PlacementPolicy> a = MakePlacement(GetParam());
  std::unique_ptr<PlacementPolicy> b = MakePlacement(GetParam());
  std::vector<NodeSnapshot> nodes = FixtureNodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    for (const JobSpec& spec : FixtureJobs()) {
      std::optional<Placement> first = a->PlaceOnNode(nodes[i], i, spec);
      EXPECT_EQ(first, a->PlaceOnNode(nodes[i], i, spec));
      EXPECT_EQ(first, b->PlaceOnNode(nodes[i], i, spec));
    }
  }
}

// The cycle reports RESOURCES for a job an empty UP node could hold, which is only true if
// the placement takes it once that node is empty.
TEST_P(PlacementContractTest, AnEmptyNodeThatCanHoldTheJobTakesIt) {
  std::unique_ptr<PlacementPolicy> policy = MakePlacement(GetParam());
  std::vector<NodeSnapshot> nodes = FixtureNodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    NodeSnapshot empty = nodes[i];
    empty.pu_free.assign(empty.pu_free.size(), true);
    empty.gpu_free.assign(empty.gpu_free.size(), true);
    empty.memory_free = empty.topology->memory_bytes;
    for (const JobSpec& spec : FixtureJobs()) {
      if (!FitsWhenEmpty(empty, spec)) continue;
      EXPECT_TRUE(policy->PlaceOnNode(empty, i, spec).has_value())
          << empty.name << ": cpus=" << spec.cpus << " gpus=" << spec.gpus << spec.gpu_model;
    }
  }
}

TEST_P(PlacementContractTest, ChoosePicksACandidateDeterministically) {
  std::unique_ptr<PlacementPolicy> policy = MakePlacement(GetParam());
  ClusterSnapshot snapshot = Cluster(FixtureNodes());
  for (const JobSpec& spec : FixtureJobs()) {
    std::vector<Placement> candidates;
    for (size_t i = 0; i < snapshot.nodes.size(); ++i) {
      if (auto p = policy->PlaceOnNode(snapshot.nodes[i], i, spec)) candidates.push_back(*p);
    }
    if (candidates.empty()) continue;
    size_t chosen = policy->Choose(snapshot, candidates);
    EXPECT_LT(chosen, candidates.size());
    EXPECT_EQ(chosen, policy->Choose(snapshot, candidates));
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, PlacementContractTest,
                         ::testing::ValuesIn(Builtins().PlacementNames()), [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

// Seeded random pending jobs over a random cluster, as the cycle contract uses them.
struct RandomCase {
  ClusterSnapshot snapshot;
  PendingQueue queue;
};

RandomCase MakeRandomCase(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::vector<std::string> models{"", "H100", "A100"};
  const std::vector<std::string> zones{"eu", "us"};
  RandomCase c;
  std::vector<NodeSnapshot> nodes;
  int node_count = pick(0, 5);
  for (int n = 0; n < node_count; ++n) {
    NodeBuilder b("n" + std::to_string(n));
    int packages = pick(1, 2), numa = pick(1, 2), cores = pick(1, 6), smt = pick(1, 2);
    b.Packages(packages).NumaPerPackage(numa).CoresPerNuma(cores).PusPerCore(smt);
    int64_t memory = pick(4, 64);
    b.MemoryGiB(memory).FreeMemoryGiB(pick(0, static_cast<int>(memory)));
    int gpus = pick(0, 4);
    b.Gpus(gpus, models[pick(0, 2)]);
    if (pick(0, 3) == 0) b.Gpu("H100", -1);
    int state = pick(0, 9);
    b.State(state < 7 ? NodeState::kUp : state < 8 ? NodeState::kDown : NodeState::kDrain);
    if (pick(0, 1) == 0) b.Label("zone", zones[pick(0, 1)]);
    int pus = packages * numa * cores * smt;
    std::vector<int> used_pus, used_gpus;
    for (int p = 0; p < pus; ++p) {
      if (pick(0, 9) < 3) used_pus.push_back(p);
    }
    for (int g = 0; g < gpus; ++g) {
      if (pick(0, 9) < 3) used_gpus.push_back(g);
    }
    nodes.push_back(b.UsedPus(used_pus).UsedGpus(used_gpus).Build());
  }
  c.snapshot = Cluster(std::move(nodes));
  int job_count = pick(1, 40);
  for (int j = 0; j < job_count; ++j) {
    JobBuilder job;
    job.Cpus(pick(1, 10)).MemoryGiB(pick(1, 8));
    if (pick(0, 1) == 0) job.Gpus(pick(1, 3), models[pick(0, 2)]);
    if (pick(0, 4) == 0) job.Label("zone", zones[pick(0, 1)]);
    c.queue.Add(j + 1, job.Build(), /*submit_time=*/pick(0, 20));
  }
  return c;
}

using OrderAndPlacement = std::tuple<std::string, std::string>;

std::vector<OrderAndPlacement> AllPairs() {
  std::vector<OrderAndPlacement> pairs;
  PolicyRegistry registry = Builtins();
  for (const std::string& order : registry.QueueOrderNames()) {
    for (const std::string& placement : registry.PlacementNames()) {
      pairs.emplace_back(order, placement);
    }
  }
  return pairs;
}

class CycleContractTest : public ::testing::TestWithParam<OrderAndPlacement> {};

TEST_P(CycleContractTest, RandomMixesNeverDoubleAllocate) {
  auto [order_name, placement_name] = GetParam();
  std::unique_ptr<QueueOrder> order = MakeQueueOrder(order_name);
  std::unique_ptr<PlacementPolicy> placement = MakePlacement(placement_name);
  int placed_total = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomCase c = MakeRandomCase(seed);
    const ClusterSnapshot& snapshot = c.snapshot;
    CycleResult result = RunSchedulingCycle(snapshot, c.queue.jobs(), *order, *placement, kNow);
    ASSERT_EQ(result.decisions.size(), c.queue.jobs().size());

    std::map<int64_t, const JobSpec*> specs;
    for (const PendingJob& job : c.queue.jobs()) specs[job.id.value] = job.spec;
    std::set<int64_t> seen;
    std::vector<std::set<int>> cpus_taken(snapshot.nodes.size());
    std::vector<std::set<int>> gpus_taken(snapshot.nodes.size());
    std::vector<int64_t> memory_taken(snapshot.nodes.size(), 0);
    bool any_up = std::any_of(snapshot.nodes.begin(), snapshot.nodes.end(),
                              [](const NodeSnapshot& n) { return n.state == NodeState::kUp; });
    for (const Decision& d : result.decisions) {
      ASSERT_TRUE(seen.insert(d.job.value).second) << "job " << d.job.value << " twice";
      const JobSpec& spec = *specs.at(d.job.value);
      switch (d.kind) {
        case VerdictKind::kPlaced: {
          ASSERT_TRUE(d.placement.has_value());
          const Placement& p = *d.placement;
          ASSERT_LT(p.node_index, snapshot.nodes.size());
          const NodeSnapshot& node = snapshot.nodes[p.node_index];
          EXPECT_EQ(node.state, NodeState::kUp);
          EXPECT_TRUE(LabelsMatch(node, spec));
          ExpectWithinFree(p, node, p.node_index, spec);
          for (int cpu : p.cpus) {
            EXPECT_TRUE(cpus_taken[p.node_index].insert(cpu).second) << "PU " << cpu << " twice";
          }
          for (int gpu : p.gpus) {
            EXPECT_TRUE(gpus_taken[p.node_index].insert(gpu).second) << "GPU " << gpu << " twice";
          }
          memory_taken[p.node_index] += p.memory_bytes;
          EXPECT_LE(memory_taken[p.node_index], node.memory_free);
          ++placed_total;
          break;
        }
        case VerdictKind::kNeverFits:
          EXPECT_EQ(d.message, CheckEverFits(snapshot, spec).message());
          EXPECT_FALSE(d.message.empty());
          break;
        case VerdictKind::kNotNow:
          EXPECT_FALSE(d.placement.has_value());
          if (d.reason == "NO_NODES") {
            EXPECT_FALSE(any_up);
          } else if (d.reason == "UNSATISFIABLE") {
            EXPECT_TRUE(CheckEverFits(snapshot, spec).ok());
            for (const NodeSnapshot& node : snapshot.nodes) {
              if (node.state == NodeState::kUp) {
                EXPECT_FALSE(FitsWhenEmpty(node, spec)) << node.name;
              }
            }
          } else {
            EXPECT_EQ(d.reason, "RESOURCES");
            EXPECT_TRUE(any_up);
          }
          break;
      }
    }
    // Same input, same decisions.
    CycleResult again = RunSchedulingCycle(snapshot, c.queue.jobs(), *order, *placement, kNow);
    ASSERT_EQ(again.decisions.size(), result.decisions.size());
    for (size_t i = 0; i < again.decisions.size(); ++i) {
      EXPECT_EQ(again.decisions[i].job, result.decisions[i].job);
      EXPECT_EQ(again.decisions[i].kind, result.decisions[i].kind);
      EXPECT_EQ(again.decisions[i].placement, result.decisions[i].placement);
      EXPECT_EQ(again.decisions[i].reason, result.decisions[i].reason);
      EXPECT_EQ(again.decisions[i].message, result.decisions[i].message);
    }
  }
  EXPECT_GT(placed_total, 60);  // the mixes exercise placement, not just refusals
}

INSTANTIATE_TEST_SUITE_P(Registered, CycleContractTest, ::testing::ValuesIn(AllPairs()),
                         [](const auto& info) {
                           std::string name =
                               std::get<0>(info.param) + "_" + std::get<1>(info.param);
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

class QueueOrderContractTest : public ::testing::TestWithParam<std::string> {};

TEST_P(QueueOrderContractTest, SortIsADeterministicPermutation) {
  std::unique_ptr<QueueOrder> order = MakeQueueOrder(GetParam());
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->name(), GetParam());
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    RandomCase c = MakeRandomCase(seed);
    std::vector<PendingJob> jobs = c.queue.jobs();
    std::shuffle(jobs.begin(), jobs.end(), std::mt19937(seed));
    std::vector<PendingJob> first = jobs, second = jobs;
    order->Sort(first, c.snapshot, kNow);
    order->Sort(second, c.snapshot, kNow);
    auto ids = [](const std::vector<PendingJob>& v) {
      std::vector<int64_t> out;
      for (const PendingJob& job : v) out.push_back(job.id.value);
      return out;
    };
    EXPECT_EQ(ids(first), ids(second)) << "seed " << seed;
    std::vector<int64_t> sorted_in = ids(jobs), sorted_out = ids(first);
    std::sort(sorted_in.begin(), sorted_in.end());
    std::sort(sorted_out.begin(), sorted_out.end());
    EXPECT_EQ(sorted_in, sorted_out) << "seed " << seed;
    for (const PendingJob& job : first) EXPECT_NE(job.spec, nullptr);
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, QueueOrderContractTest,
                         ::testing::ValuesIn(Builtins().QueueOrderNames()),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace sharc::policies
