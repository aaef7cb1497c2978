// How long scheduling cycles take with the default profile (fair-share order, tenant quotas and
// credit checks, bin-pack and topology scores, preemption and EASY backfill): N nodes (2 sockets
// x 16 cores x 2 PUs, 512 GiB, 4 GPUs each) and M pending jobs of mixed shapes from 20 tenants
// with guarantees and maxima.
//
//   BM_Cycle/NODES/JOBS            an idle cluster: every job is placed
//   BM_CycleMostlyFull/NODES/JOBS  90% of the nodes are full and 10% have a quarter free: most
//                                  jobs find no room (and the first 10 get a reservation)
//   BM_Backfill/NODES/JOBS         a full cluster: every job is blocked; reservations for the
//                                  first 10, the rest checked against them (one full pass)
//   BM_Gang/NODES/GANG/RACK/FULL%  one gang of GANG nodes (32 CPUs and 2 GPUs each) on NODES
//                                  nodes labelled rack=... in racks of RACK nodes (0: no label,
//                                  no topology group), FULL% of the nodes busy as above: placed
//                                  in the tightest rack that has room, or (at 95%, none has)
//                                  reserved
// Counters: decisions/s over the whole cycle, and the p50 and p99 of one job's search of the
// nodes (from the cycle's stopwatch).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <deque>
#include <map>
#include <memory>
#include <random>

#include "policies/registry.h"
#include "policies/scheduling_cycle.h"

namespace sharc::policies {
namespace {

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr int kTenants = 20;

std::shared_ptr<const NodeTopology> Topology() {
  auto t = std::make_shared<NodeTopology>();
  t->packages = 2;
  t->cores = 32;
  t->memory_bytes = int64_t{512} << 30;
  t->numa_nodes = {{0, int64_t{256} << 30}, {1, int64_t{256} << 30}};
  for (int thread = 0; thread < 2; ++thread) {
    for (int core = 0; core < 32; ++core) {
      t->pus.push_back({thread * 32 + core, core, core / 16, core / 16});
    }
  }
  std::sort(t->pus.begin(), t->pus.end(),
            [](const PuInfo& a, const PuInfo& b) { return a.os_index < b.os_index; });
  for (int g = 0; g < 4; ++g) {
    t->gpus.push_back({g, "cuda" + std::to_string(g), "10de", "H100", "", g / 2});
  }
  return t;
}

// A cluster, its tenants and a queue: what one benchmark case schedules.
struct Setup {
  ClusterView view;
  TenantsView tenants;
  std::deque<JobSpec> specs;
  std::deque<std::string> names;
  std::vector<PendingJob> pending;
  PriorityClass normal{"normal", 0, true, false};
  std::unique_ptr<Profile> profile;
};

// Fills `fraction_full` of the nodes completely and a quarter of the PUs of the rest with
// running 8-CPU jobs of the tenants.
void Occupy(Setup& s, double fraction_full, int64_t& next_id, std::mt19937& rng) {
  const size_t nodes = s.view.nodes().size();
  const size_t full = static_cast<size_t>(nodes * fraction_full);
  for (size_t n = 0; n < nodes; ++n) {
    int jobs = n < full ? 8 : 2;  // 8 x 8 PUs = the whole node; 2 x 8 = a quarter
    for (int j = 0; j < jobs; ++j) {
      RunningAllocation a;
      a.job = JobId{next_id++};
      a.tenant = "t" + std::to_string(rng() % kTenants);
      a.start = kNow - 60'000;
      a.expected_end = kNow + static_cast<int64_t>(1 + rng() % 3600) * 1000;
      std::vector<int> cpus;
      for (int p = 0; p < 8; ++p) cpus.push_back(j * 8 + p);
      a.placement.nodes.push_back({n, cpus, {}, int64_t{8} << 30});
      (void)s.view.Assume(std::move(a));
    }
  }
}

std::unique_ptr<Setup> MakeSetup(int nodes, int jobs, double fraction_full, int rack_size = 0) {
  auto s = std::make_unique<Setup>();
  auto topology = Topology();
  for (int i = 0; i < nodes; ++i) {
    std::map<std::string, std::string> labels;
    if (rack_size > 0) labels["rack"] = "r" + std::to_string(i / rack_size);
    s->view.UpsertNode({"node" + std::to_string(100000 + i), topology, labels, true});
  }
  std::mt19937 rng(42);
  int64_t next_id = 10'000'000;
  if (fraction_full > 0) Occupy(*s, fraction_full, next_id, rng);
  for (int t = 0; t < kTenants; ++t) {
    TenantView tenant;
    tenant.name = "t" + std::to_string(t);
    tenant.share = 1 + t % 3;
    tenant.usage = static_cast<double>(rng() % 1000);
    tenant.quota.guaranteed.Set(kCpuResource, int64_t{nodes} * 64 * 1000 / (2 * kTenants));
    tenant.quota.max.Set(kCpuResource, int64_t{nodes} * 64 * 1000);
    for (const auto& [id, a] : s->view.allocations()) {
      if (a.tenant == tenant.name) (void)tenant.held.Add(a.Held()), ++tenant.running;
    }
    s->tenants.Add(std::move(tenant));
  }
  s->tenants.Finalize();
  for (int i = 0; i < jobs; ++i) {
    JobSpec spec;
    spec.command = {"true"};
    spec.cpus = 1 << (rng() % 4);
    spec.memory_bytes = int64_t{spec.cpus} << 30;
    spec.gpus = rng() % 4 == 0 ? 1 + rng() % 2 : 0;
    spec.time_limit_seconds = 3600;
    s->specs.push_back(spec);
    s->names.push_back("t" + std::to_string(rng() % kTenants));
    s->pending.push_back({JobId{i + 1}, s->names.back(), &s->specs.back(), i, &s->normal});
  }
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  s->profile = std::move(*registry.Build(BuiltinProfiles().at("default")));
  return s;
}

void RunCycles(benchmark::State& state, double fraction_full) {
  const int nodes = static_cast<int>(state.range(0));
  const int jobs = static_cast<int>(state.range(1));
  std::unique_ptr<Setup> s = MakeSetup(nodes, jobs, fraction_full);
  Stopwatch stopwatch = [] {
    return std::chrono::duration_cast<std::chrono::nanoseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  };
  std::vector<int64_t> searches;
  int64_t placed = 0;
  for (auto _ : state) {
    CycleResult result =
        RunCycle(s->view, s->tenants, *s->profile, {s->pending, true, {}}, kNow, stopwatch);
    for (auto d : result.placement_durations) searches.push_back(d.count());
    for (const Decision& d : result.decisions) placed += d.kind == VerdictKind::kPlaced;
    benchmark::DoNotOptimize(result);
  }
  std::sort(searches.begin(), searches.end());
  auto percentile = [&](double p) {
    if (searches.empty()) return 0.0;
    return searches[static_cast<size_t>(p * (searches.size() - 1))] / 1000.0;
  };
  state.counters["decisions/s"] = benchmark::Counter(static_cast<double>(jobs) * state.iterations(),
                                                     benchmark::Counter::kIsRate);
  state.counters["p50_us"] = percentile(0.50);
  state.counters["p99_us"] = percentile(0.99);
  state.counters["placed"] = static_cast<double>(placed) / state.iterations();
}

// One gang alone in the queue: the time to place (or reserve) it.
void BM_Gang(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int rack = static_cast<int>(state.range(2));
  std::unique_ptr<Setup> s = MakeSetup(nodes, 0, static_cast<double>(state.range(3)) / 100, rack);
  JobSpec& gang = s->specs.emplace_back();
  gang.command = {"true"};
  gang.num_nodes = static_cast<int32_t>(state.range(1));
  gang.cpus = 32;
  gang.gpus = 2;
  gang.memory_bytes = int64_t{64} << 30;
  gang.time_limit_seconds = 3600;
  gang.topology_group = rack > 0 ? "rack" : "";
  s->pending = {{JobId{1}, "t0", &gang, 0, &s->normal}};
  int64_t placed = 0, reserved = 0;
  for (auto _ : state) {
    CycleResult result = RunCycle(s->view, s->tenants, *s->profile, {s->pending, true, {}}, kNow);
    placed += result.decisions.at(0).kind == VerdictKind::kPlaced;
    reserved += !result.reservations.empty();
    benchmark::DoNotOptimize(result);
  }
  state.counters["placed"] = static_cast<double>(placed) / state.iterations();
  state.counters["reserved"] = static_cast<double>(reserved) / state.iterations();
}

void BM_Cycle(benchmark::State& state) { RunCycles(state, 0); }
void BM_CycleMostlyFull(benchmark::State& state) { RunCycles(state, 0.9); }
void BM_Backfill(benchmark::State& state) { RunCycles(state, 1.0); }

BENCHMARK(BM_Cycle)
    ->Args({10, 1000})
    ->Args({100, 1000})
    ->Args({1000, 1000})
    ->Args({1000, 10000})
    ->Args({10000, 10000})
    ->Args({10000, 100000})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CycleMostlyFull)
    ->Args({1000, 10000})
    ->Args({10000, 10000})
    ->Args({10000, 100000})
    ->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Backfill)->Args({1000, 100000})->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Gang)
    ->Args({1000, 64, 0, 0})
    ->Args({1000, 64, 100, 30})
    ->Args({1000, 64, 100, 95})
    ->Args({10000, 64, 100, 30})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sharc::policies
