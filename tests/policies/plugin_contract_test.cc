// The contract every registered plugin passes for each extension point it implements, and every
// built-in profile passes as a whole, run over every name the registry knows: a plugin or
// profile added there is covered without editing this file.
//
// QueueSort:  Sort is a deterministic permutation.
// PreFilter:  the same job gets the same verdict until something is reserved; a hold names the
//             plugin and a reason.
// Filter:     a node that has the job's resources free, its labels, and no reservation is never
//             refused; a refusal names the plugin; the same question gets the same answer.
// Score:      0 to 100, the same for the same question.
// Reserve:    Unreserve undoes Reserve and is idempotent: PreFilter answers as before.
// PostFilter: victims are running jobs, not already stopping, each named once; a reservation
//             lies on a node that can hold the job, in the future or now.
// Profiles:   over seeded random clusters and job mixes, no PU or GPU is granted twice, every
//             grant is free, on a schedulable node with the job's labels, within its free
//             memory; verdicts agree with CheckEverFits; the view is left as it was; the same
//             input gives the same decisions.
#include <gtest/gtest.h>

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "policies/feasibility.h"
#include "policies/gpu_picker.h"
#include "policies/registry.h"
#include "policies/scheduling_cycle.h"
#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::Cluster;
using builder::JobBuilder;
using builder::kGiB;
using builder::NodeBuilder;
using builder::PendingQueue;

constexpr UnixMillis kNow = 1'800'000'000'000;

PluginRegistry Builtins() {
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  return registry;
}

std::unique_ptr<Plugin> MakePlugin(const std::string& name) {
  auto made = Builtins().Make(name, BuiltinProfiles().at("default"));
  if (!made.ok()) throw std::logic_error(made.status().ToString());
  return std::move(made).value();
}

template <typename T>
std::vector<std::string> NamesImplementing() {
  std::vector<std::string> names;
  for (const std::string& name : Builtins().Names()) {
    if (dynamic_cast<T*>(MakePlugin(name).get()) != nullptr) names.push_back(name);
  }
  return names;
}

std::string TestName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

const PriorityClass kLow{"low", 0, true, false};
const PriorityClass kHigh{"high", 100, false, true};

// A seeded random cluster with running jobs of two tenants (some stopping), tenants with
// guarantees, and a mix of pending jobs.
struct RandomCase {
  ClusterView view;
  TenantsView tenants;
  PendingQueue queue;
};

void AddRunning(RandomCase& c, std::mt19937& rng, int64_t& next_id) {
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  for (size_t n = 0; n < c.view.nodes().size(); ++n) {
    const NodeView& node = c.view.node(n);
    for (int k = pick(0, 2); k > 0; --k) {
      std::vector<int> cpus;
      for (size_t p = 0; p < node.pu_free.size() && cpus.size() < 2; ++p) {
        if (node.pu_free[p]) cpus.push_back(node.topology->pus[p].os_index);
      }
      if (cpus.empty() || node.memory_free < kGiB) break;
      std::sort(cpus.begin(), cpus.end());
      RunningAllocation a;
      a.job = JobId{next_id++};
      a.tenant = pick(0, 1) == 0 ? "acme" : "globex";
      a.priority = pick(0, 1) == 0 ? 0 : 100;
      a.preemptible = a.priority == 0;
      a.start = kNow - pick(1, 100) * 1000;
      a.expected_end = kNow + pick(1, 100) * 1000;
      a.terminating = pick(0, 5) == 0;
      a.placement.nodes.push_back({n, cpus, {}, kGiB});
      if (!c.view.Assume(std::move(a)).ok()) throw std::logic_error("fixture allocation");
    }
  }
}

RandomCase MakeRandomCase(uint32_t seed) {
  std::mt19937 rng(seed);
  auto pick = [&](int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); };
  const std::vector<std::string> models{"", "H100", "A100"};
  const std::vector<std::string> zones{"eu", "us"};
  RandomCase c;
  std::vector<builder::BuiltNode> nodes;
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
  c.view = Cluster(std::move(nodes));
  int64_t next_id = 500;
  AddRunning(c, rng, next_id);
  for (const char* name : {"acme", "globex", "other"}) {
    TenantView t;
    t.name = name;
    t.quota.guaranteed.Set(kCpuResource, pick(0, 8) * kMilliCpusPerCpu);
    if (pick(0, 2) == 0) t.quota.max.Set(kCpuResource, pick(4, 16) * kMilliCpusPerCpu);
    t.usage = pick(0, 100);
    for (const auto& [id, a] : c.view.allocations()) {
      if (a.tenant == name) (void)t.held.Add(a.Held()), ++t.running;
    }
    c.tenants.Add(std::move(t));
  }
  int job_count = pick(1, 40);
  for (int j = 0; j < job_count; ++j) {
    JobBuilder job;
    job.Cpus(pick(1, 10)).MemoryGiB(pick(1, 8));
    if (pick(0, 1) == 0) job.Gpus(pick(1, 3), models[pick(0, 2)]);
    if (pick(0, 4) == 0) job.Label("zone", zones[pick(0, 1)]);
    c.queue.Add(j + 1, job.Build(), /*submit_time=*/pick(0, 20), pick(0, 1) ? "acme" : "globex",
                pick(0, 2) == 0 ? &kHigh : &kLow);
  }
  c.tenants.Finalize();
  return c;
}

CycleWork kNoWork;

CycleContext ContextOf(const RandomCase& c, const CycleWork& work = kNoWork) {
  return CycleContext{c.view, c.tenants, kNow, work, true};
}

std::vector<int64_t> Ids(const std::vector<PendingJob>& jobs) {
  std::vector<int64_t> out;
  for (const PendingJob& job : jobs) out.push_back(job.id.value);
  return out;
}

class QueueSortContract : public ::testing::TestWithParam<std::string> {};

TEST_P(QueueSortContract, SortIsADeterministicPermutation) {
  std::unique_ptr<Plugin> plugin = MakePlugin(GetParam());
  auto* sort = dynamic_cast<QueueSortPlugin*>(plugin.get());
  ASSERT_NE(sort, nullptr);
  EXPECT_EQ(plugin->Name(), GetParam());
  for (uint32_t seed = 1; seed <= 20; ++seed) {
    RandomCase c = MakeRandomCase(seed);
    plugin->BeginCycle(ContextOf(c));
    std::vector<PendingJob> jobs = c.queue.jobs();
    std::shuffle(jobs.begin(), jobs.end(), std::mt19937(seed));
    std::vector<PendingJob> first = jobs, second = jobs;
    sort->Sort(first, first.size(), ContextOf(c));
    sort->Sort(second, second.size(), ContextOf(c));
    EXPECT_EQ(Ids(first), Ids(second)) << "seed " << seed;
    std::vector<int64_t> in = Ids(jobs), out = Ids(first);
    std::sort(in.begin(), in.end());
    std::sort(out.begin(), out.end());
    EXPECT_EQ(in, out) << "seed " << seed;
    // Priority comes first in every order.
    for (size_t i = 1; i < first.size(); ++i) {
      EXPECT_GE(first[i - 1].priority(), first[i].priority()) << "seed " << seed;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, QueueSortContract,
                         ::testing::ValuesIn(NamesImplementing<QueueSortPlugin>()), TestName);

class PreFilterContract : public ::testing::TestWithParam<std::string> {};

TEST_P(PreFilterContract, VerdictsAreStableAndNamed) {
  std::unique_ptr<Plugin> plugin = MakePlugin(GetParam());
  auto* pre = dynamic_cast<PreFilterPlugin*>(plugin.get());
  ASSERT_NE(pre, nullptr);
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    RandomCase c = MakeRandomCase(seed);
    plugin->BeginCycle(ContextOf(c));
    for (const PendingJob& job : c.queue.jobs()) {
      PluginStatus a = pre->PreFilter(job, ContextOf(c));
      PluginStatus b = pre->PreFilter(job, ContextOf(c));
      EXPECT_EQ(a.code, b.code);
      EXPECT_EQ(a.reason, b.reason);
      EXPECT_EQ(a.message, b.message);
      if (!a.ok()) {
        EXPECT_EQ(a.plugin, GetParam());
        EXPECT_FALSE(a.reason.empty());
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, PreFilterContract,
                         ::testing::ValuesIn(NamesImplementing<PreFilterPlugin>()), TestName);

class FilterContract : public ::testing::TestWithParam<std::string> {};

TEST_P(FilterContract, NeverRefusesANodeWithRoomAndStaysStable) {
  std::unique_ptr<Plugin> plugin = MakePlugin(GetParam());
  auto* filter = dynamic_cast<FilterPlugin*>(plugin.get());
  ASSERT_NE(filter, nullptr);
  int with_room = 0;
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    RandomCase c = MakeRandomCase(seed);
    plugin->BeginCycle(ContextOf(c));
    for (const PendingJob& job : c.queue.jobs()) {
      for (const NodeView& node : c.view.nodes()) {
        if (!node.schedulable()) continue;
        NodeFit fit_a, fit_b;
        PluginStatus a = filter->Filter(job, node, fit_a, ContextOf(c));
        PluginStatus b = filter->Filter(job, node, fit_b, ContextOf(c));
        EXPECT_EQ(a.code, b.code);
        EXPECT_EQ(a.message, b.message);
        if (!a.ok()) {
          EXPECT_EQ(a.plugin, GetParam());
        }
        const JobSpec& spec = *job.spec;
        int gpus = 0;
        for (size_t g = 0; g < node.gpu_free.size(); ++g) {
          if (node.gpu_free[g] && GpuModelMatches(node.topology->gpus[g], spec.gpu_model)) ++gpus;
        }
        bool room = LabelsMatch(node, spec) && node.free_pus >= spec.cpus &&
                    node.memory_free >= spec.memory_bytes && gpus >= spec.gpus;
        if (room) {
          ++with_room;
          EXPECT_TRUE(a.ok()) << node.name << ": " << a.message;
        }
      }
    }
  }
  EXPECT_GT(with_room, 20);
}

INSTANTIATE_TEST_SUITE_P(Registered, FilterContract,
                         ::testing::ValuesIn(NamesImplementing<FilterPlugin>()), TestName);

class ScoreContract : public ::testing::TestWithParam<std::string> {};

TEST_P(ScoreContract, ScoresAreBetweenZeroAndHundredAndStable) {
  std::unique_ptr<Plugin> plugin = MakePlugin(GetParam());
  auto* score = dynamic_cast<ScorePlugin*>(plugin.get());
  ASSERT_NE(score, nullptr);
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    RandomCase c = MakeRandomCase(seed);
    plugin->BeginCycle(ContextOf(c));
    for (const PendingJob& job : c.queue.jobs()) {
      for (const NodeView& node : c.view.nodes()) {
        if (!node.schedulable() || node.free_pus < job.spec->cpus) continue;
        int64_t s = score->Score(job, node, ContextOf(c));
        EXPECT_GE(s, 0);
        EXPECT_LE(s, 100);
        EXPECT_EQ(s, score->Score(job, node, ContextOf(c)));
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, ScoreContract,
                         ::testing::ValuesIn(NamesImplementing<ScorePlugin>()), TestName);

class ReserveContract : public ::testing::TestWithParam<std::string> {};

TEST_P(ReserveContract, UnreserveUndoesReserveAndIsIdempotent) {
  std::unique_ptr<Plugin> plugin = MakePlugin(GetParam());
  auto* reserve = dynamic_cast<ReservePlugin*>(plugin.get());
  auto* pre = dynamic_cast<PreFilterPlugin*>(plugin.get());
  ASSERT_NE(reserve, nullptr);
  for (uint32_t seed = 1; seed <= 30; ++seed) {
    RandomCase c = MakeRandomCase(seed);
    plugin->BeginCycle(ContextOf(c));
    auto verdicts = [&] {
      std::vector<std::string> out;
      if (pre == nullptr) return out;
      for (const PendingJob& job : c.queue.jobs()) {
        out.push_back(std::string(pre->PreFilter(job, ContextOf(c)).reason));
      }
      return out;
    };
    std::vector<std::string> before = verdicts();
    const PendingJob& job = c.queue.jobs().front();
    Placement placement{{NodePlacement{0, {}, {}, job.spec->memory_bytes}}};
    reserve->Reserve(job, placement, ContextOf(c));
    reserve->Unreserve(job, placement, ContextOf(c));
    reserve->Unreserve(job, placement, ContextOf(c));
    EXPECT_EQ(verdicts(), before) << "seed " << seed;
  }
}

INSTANTIATE_TEST_SUITE_P(Registered, ReserveContract,
                         ::testing::ValuesIn(NamesImplementing<ReservePlugin>()), TestName);

class PostFilterContract : public ::testing::TestWithParam<std::string> {};

TEST_P(PostFilterContract, VictimsAreRunningAndReservationsHoldTheJob) {
  std::unique_ptr<Plugin> plugin = MakePlugin(GetParam());
  auto* post = dynamic_cast<PostFilterPlugin*>(plugin.get());
  ASSERT_NE(post, nullptr);
  int handled = 0;
  for (uint32_t seed = 1; seed <= 40; ++seed) {
    RandomCase c = MakeRandomCase(seed);
    CycleWork work;
    plugin->BeginCycle(ContextOf(c, work));
    for (const PendingJob& job : c.queue.jobs()) {
      PostFilterResult r = post->PostFilter(
          job, PluginStatus::Unschedulable("", reason::kResources), ContextOf(c, work));
      if (!r.handled) continue;
      ++handled;
      EXPECT_FALSE(r.status.ok());
      EXPECT_EQ(r.status.plugin, GetParam());
      std::set<int64_t> named;
      for (const Preemption& p : r.preemptions) {
        const RunningAllocation* victim = c.view.FindAllocation(p.victim);
        ASSERT_NE(victim, nullptr) << "victim " << p.victim.value << " is not running";
        EXPECT_FALSE(victim->terminating);
        EXPECT_FALSE(work.IsVictim(p.victim));
        EXPECT_TRUE(named.insert(p.victim.value).second);
        EXPECT_EQ(p.for_job, job.id);
        EXPECT_FALSE(p.message.empty());
        work.victims.push_back(p.victim);
      }
      if (r.reservation) {
        EXPECT_EQ(r.reservation->job, job.id);
        EXPECT_GE(r.reservation->start, kNow);
        ASSERT_EQ(r.reservation->placement.nodes.size(), 1u);
        const NodeView& node = c.view.node(r.reservation->placement.nodes[0].node_index);
        EXPECT_TRUE(node.schedulable());
        EXPECT_TRUE(FitsWhenEmpty(node, *job.spec));
        work.reservations.push_back(*r.reservation);
      }
    }
  }
  EXPECT_GT(handled, 0);
}

INSTANTIATE_TEST_SUITE_P(Registered, PostFilterContract,
                         ::testing::ValuesIn(NamesImplementing<PostFilterPlugin>()), TestName);

// Checks `part` of a job with `spec` against what `node` had free.
void ExpectWithinFree(const NodePlacement& part, const NodeView& node, const JobSpec& spec) {
  const NodeTopology& topology = *node.topology;
  ASSERT_EQ(part.cpus.size(), static_cast<size_t>(spec.cpus));
  ASSERT_EQ(part.gpus.size(), static_cast<size_t>(spec.gpus));
  EXPECT_TRUE(std::is_sorted(part.cpus.begin(), part.cpus.end()));
  EXPECT_TRUE(std::is_sorted(part.gpus.begin(), part.gpus.end()));
  for (int cpu : part.cpus) {
    int pos = PuPosition(topology, cpu);
    ASSERT_GE(pos, 0) << "no PU " << cpu;
    EXPECT_TRUE(node.pu_free[pos]) << "PU " << cpu << " is not free";
  }
  for (int gpu : part.gpus) {
    int pos = GpuPosition(topology, gpu);
    ASSERT_GE(pos, 0) << "no GPU " << gpu;
    EXPECT_TRUE(node.gpu_free[pos]) << "GPU " << gpu << " is not free";
    EXPECT_TRUE(GpuModelMatches(topology.gpus[pos], spec.gpu_model));
  }
  EXPECT_EQ(part.memory_bytes, spec.memory_bytes);
}

class ProfileContract : public ::testing::TestWithParam<std::string> {};

TEST_P(ProfileContract, RandomMixesNeverDoubleAllocate) {
  PluginRegistry registry = Builtins();
  int placed_total = 0;
  for (uint32_t seed = 1; seed <= 60; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    RandomCase c = MakeRandomCase(seed);
    ClusterView before = c.view;
    auto profile = registry.Build(BuiltinProfiles().at(GetParam()));
    ASSERT_TRUE(profile.ok()) << profile.status().ToString();
    CycleResult result = RunCycle(c.view, c.tenants, **profile, {c.queue.jobs(), true, {}}, kNow);
    ASSERT_EQ(result.decisions.size(), c.queue.jobs().size());
    ASSERT_TRUE(c.view.CheckInvariants().ok());
    for (size_t i = 0; i < c.view.nodes().size(); ++i) {
      EXPECT_EQ(c.view.node(i).pu_free, before.node(i).pu_free);
      EXPECT_EQ(c.view.node(i).memory_free, before.node(i).memory_free);
    }

    std::map<int64_t, const JobSpec*> specs;
    for (const PendingJob& job : c.queue.jobs()) specs[job.id.value] = job.spec;
    std::set<int64_t> seen;
    std::vector<std::set<int>> cpus_taken(c.view.nodes().size());
    std::vector<std::set<int>> gpus_taken(c.view.nodes().size());
    std::vector<int64_t> memory_taken(c.view.nodes().size(), 0);
    for (const Decision& d : result.decisions) {
      ASSERT_TRUE(seen.insert(d.job.value).second) << "job " << d.job.value << " twice";
      const JobSpec& spec = *specs.at(d.job.value);
      if (d.kind == VerdictKind::kNeverFits) {
        EXPECT_EQ(d.message, CheckEverFits(c.view, spec).message());
        EXPECT_FALSE(d.message.empty());
        continue;
      }
      if (d.kind == VerdictKind::kNotNow) {
        EXPECT_FALSE(d.placement.has_value());
        EXPECT_FALSE(d.reason.empty());
        if (d.reason == "UNSATISFIABLE") {
          EXPECT_TRUE(CheckEverFits(c.view, spec).ok());
        }
        continue;
      }
      ASSERT_TRUE(d.placement.has_value());
      ASSERT_EQ(d.placement->nodes.size(), 1u);
      const NodePlacement& p = d.placement->nodes[0];
      ASSERT_LT(p.node_index, c.view.nodes().size());
      const NodeView& node = c.view.node(p.node_index);
      EXPECT_TRUE(node.schedulable());
      EXPECT_TRUE(LabelsMatch(node, spec));
      ExpectWithinFree(p, node, spec);
      for (int cpu : p.cpus) EXPECT_TRUE(cpus_taken[p.node_index].insert(cpu).second);
      for (int gpu : p.gpus) EXPECT_TRUE(gpus_taken[p.node_index].insert(gpu).second);
      memory_taken[p.node_index] += p.memory_bytes;
      EXPECT_LE(memory_taken[p.node_index], node.memory_free);
      ++placed_total;
    }
    std::set<int64_t> victims;
    for (const Preemption& p : result.preemptions) {
      EXPECT_TRUE(victims.insert(p.victim.value).second);
      ASSERT_NE(c.view.FindAllocation(p.victim), nullptr);
    }
    // Same input, same decisions.
    auto again_profile = registry.Build(BuiltinProfiles().at(GetParam()));
    CycleResult again =
        RunCycle(c.view, c.tenants, **again_profile, {c.queue.jobs(), true, {}}, kNow);
    ASSERT_EQ(again.decisions.size(), result.decisions.size());
    for (size_t i = 0; i < again.decisions.size(); ++i) {
      EXPECT_EQ(again.decisions[i].job, result.decisions[i].job);
      EXPECT_EQ(again.decisions[i].kind, result.decisions[i].kind);
      EXPECT_EQ(again.decisions[i].placement, result.decisions[i].placement);
      EXPECT_EQ(again.decisions[i].reason, result.decisions[i].reason);
      EXPECT_EQ(again.decisions[i].message, result.decisions[i].message);
    }
    EXPECT_EQ(again.reservations, result.reservations);
  }
  EXPECT_GT(placed_total, 60);  // the mixes exercise placement, not just refusals
}

std::vector<std::string> ProfileNames() {
  std::vector<std::string> names;
  for (const auto& [name, config] : BuiltinProfiles()) names.push_back(name);
  return names;
}

INSTANTIATE_TEST_SUITE_P(Builtin, ProfileContract, ::testing::ValuesIn(ProfileNames()), TestName);

}  // namespace
}  // namespace sharc::policies
