// How long one scheduling cycle takes: FIFO + first-fit over N nodes (2 sockets x 16 cores x
// 2 PUs, 4 GPUs each) with M pending jobs of mixed shapes.
#include <benchmark/benchmark.h>

#include <memory>
#include <random>

#include "policies/cycle.h"
#include "policies/registry.h"

namespace sharc::policies {
namespace {

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
  for (int g = 0; g < 4; ++g) t->gpus.push_back({g, "cuda" + std::to_string(g), "10de", "H100", "", g / 2});
  return t;
}

void BM_Cycle(benchmark::State& state) {
  const int nodes = static_cast<int>(state.range(0));
  const int jobs = static_cast<int>(state.range(1));
  auto topology = Topology();
  ClusterSnapshot snapshot;
  for (int i = 0; i < nodes; ++i) {
    NodeSnapshot n;
    n.name = "node" + std::to_string(100000 + i);
    n.topology = topology;
    n.pu_free.assign(topology->pus.size(), true);
    n.gpu_free.assign(topology->gpus.size(), true);
    n.memory_free = topology->memory_bytes;
    snapshot.nodes.push_back(std::move(n));
  }
  std::mt19937 rng(42);
  std::vector<JobSpec> specs(jobs);
  std::vector<PendingJob> pending;
  for (int i = 0; i < jobs; ++i) {
    specs[i].command = {"true"};
    specs[i].cpus = 1 << (rng() % 4);
    specs[i].memory_bytes = int64_t{specs[i].cpus} << 30;
    specs[i].gpus = rng() % 4 == 0 ? 1 + rng() % 2 : 0;
    specs[i].time_limit_seconds = 3600;
    pending.push_back({JobId{i + 1}, "t", &specs[i], i});
  }
  PolicyRegistry registry;
  RegisterBuiltinPolicies(registry);
  auto order = std::move(*registry.MakeQueueOrder("fifo"));
  auto placement = std::move(*registry.MakePlacement("first-fit"));
  for (auto _ : state) {
    CycleResult result = RunSchedulingCycle(snapshot, pending, *order, *placement, 0);
    benchmark::DoNotOptimize(result);
  }
  state.counters["decisions/s"] =
      benchmark::Counter(static_cast<double>(jobs) * state.iterations(), benchmark::Counter::kIsRate);
}
BENCHMARK(BM_Cycle)->Args({10, 1000})->Args({100, 1000})->Args({1000, 1000})->Args({1000, 10000})
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace sharc::policies
