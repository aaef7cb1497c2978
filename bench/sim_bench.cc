// How fast sharc-sim simulates: simulated jobs per minute of wall time, for the built-in
// profiles side by side on the same generated workloads (sim/generator.h), in-process (no
// parsing or rendering counted).
//
// Clusters (CPU nodes: 2 sockets x 16 cores x 2 PUs and 256 GiB; GPU nodes: the 4-GPU fixture
// tests/data/hwloc/gpu-2s-4gpu.xml), with 2% GPU jobs, 20 tenants and one priority class
// (so that the figures are of the queue, fair share and backfill, not of preemption):
//   1000 nodes (900 CPU + 100 GPU) at 20k and 50k jobs/h: queues stay short (busy, not full);
//   100 nodes (90 + 10) at 5k jobs/h: CPUs about half busy while jobs arrive, GPUs full;
//   40 nodes (30 + 10) at 12k jobs/h: overloaded while jobs arrive, thousands pending.
// Then the 100-node case with the generator's priority mix (low/normal/high 40/40/20): the
// default profile preempts.
//   sim_bench [JOBS]   (default 20000 jobs per run)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "scheduler/scheduling_config.h"
#include "sim/cluster_spec.h"
#include "sim/generator.h"
#include "sim/report.h"
#include "sim/simulator.h"

namespace {

struct Case {
  const char* name;
  int cpu_nodes;
  int gpu_nodes;
  double jobs_per_hour;
  bool priorities;  // the generator's priority mix, else every job "normal"
};

std::string ClusterJson(const Case& c) {
  return R"({"nodes":[{"name":"cpu","count":)" + std::to_string(c.cpu_nodes) +
         R"(,"synthetic":"pack:2 numa:2(memory=128GiB) core:16 pu:2"},)" +
         R"({"name":"gpu","count":)" + std::to_string(c.gpu_nodes) +
         R"(,"xml":"tests/data/hwloc/gpu-2s-4gpu.xml"}]})";
}

}  // namespace

int main(int argc, char** argv) {
  const int64_t jobs = argc > 1 ? std::atoll(argv[1]) : 20'000;
  const std::vector<Case> cases = {{"1000 nodes, 20k jobs/h", 900, 100, 20'000, false},
                                   {"1000 nodes, 50k jobs/h", 900, 100, 50'000, false},
                                   {"100 nodes, 5k jobs/h", 90, 10, 5'000, false},
                                   {"40 nodes, 12k jobs/h", 30, 10, 12'000, false},
                                   {"100 nodes, 5k/h, classes", 90, 10, 5'000, true}};
  sharc::scheduler::SchedulingConfig scheduling;
  std::printf("%-28s %-8s %9s %9s %14s %8s %8s\n", "case", "profile", "jobs", "wall_s",
              "jobs_per_min", "cpu_util", "wait_p95");
  for (const Case& c : cases) {
    auto nodes = sharc::sim::ParseClusterSpec(ClusterJson(c), "bench cluster", SHARC_SOURCE_DIR);
    if (!nodes.ok()) {
      std::fprintf(stderr, "%s\n", nodes.status().message().c_str());
      return 1;
    }
    sharc::sim::GeneratorOptions generator;
    generator.jobs = jobs;
    generator.jobs_per_hour = c.jobs_per_hour;
    generator.gpu_share = 0.02;
    generator.max_runtime_ms = 4LL * 3600 * 1000;
    if (!c.priorities) generator.priority_mix = {{"normal", 1}};
    const std::vector<sharc::sim::WorkloadJob> workload = sharc::sim::GenerateWorkload(generator);
    for (const char* profile : {"fifo", "default"}) {
      sharc::sim::SimulationOptions options;
      options.profile = scheduling.profiles.at(profile);
      options.priority_classes = scheduling.priority_classes;
      options.default_priority_class = scheduling.default_priority_class;
      options.queue_depth = scheduling.queue_depth;
      options.full_cycle_interval_ms = scheduling.full_cycle_interval.count();
      const auto start = std::chrono::steady_clock::now();
      auto inputs = sharc::sim::Simulate(*nodes, workload, options);
      const double wall =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (!inputs.ok()) {
        std::fprintf(stderr, "%s\n", inputs.status().message().c_str());
        return 1;
      }
      const sharc::sim::SimReport report = sharc::sim::ComputeReport(*inputs);
      std::printf("%-28s %-8s %9lld %9.2f %14.0f %8.3f %8.1f\n", c.name, profile,
                  static_cast<long long>(jobs), wall, jobs / wall * 60,
                  report.cpu_utilisation.value_or(0), report.wait.p95_ms / 1000.0);
      std::fflush(stdout);
    }
  }
  return 0;
}
