#include "sim/report.h"

#include <algorithm>
#include <cassert>

namespace sharc::sim {
namespace {

WaitStats StatsOf(std::vector<int64_t> waits) {
  WaitStats stats;
  stats.count = static_cast<int64_t>(waits.size());
  if (waits.empty()) return stats;
  std::sort(waits.begin(), waits.end());
  stats.p50_ms = NearestRankPercentile(waits, 50);
  stats.p95_ms = NearestRankPercentile(waits, 95);
  stats.p99_ms = NearestRankPercentile(waits, 99);
  stats.max_ms = waits.back();
  return stats;
}

void CountState(const std::string& state, JobCounts& counts) {
  ++counts.total;
  if (state == "COMPLETED") {
    ++counts.completed;
  } else if (state == "TIMEOUT") {
    ++counts.timed_out;
  } else if (state == "PENDING") {
    ++counts.pending;
  } else if (state == "RUNNING") {
    ++counts.running;
  } else {
    ++counts.other;
  }
}

int64_t Makespan(const RunInputs& inputs) {
  if (inputs.jobs.empty()) return 0;
  int64_t first = inputs.jobs.front().arrival_ms;
  int64_t last = inputs.stopped_ms;
  for (const JobOutcome& job : inputs.jobs) {
    first = std::min(first, job.arrival_ms);
    last = std::max(last, job.end_ms);
  }
  return std::max<int64_t>(0, last - first);
}

std::optional<double> Ratio(int64_t used, int64_t capacity, int64_t makespan_ms) {
  if (capacity <= 0 || makespan_ms <= 0) return std::nullopt;
  return static_cast<double>(used) / (static_cast<double>(capacity) * makespan_ms);
}

// Jain's index of the tenants' share-normalised CPU-equivalent use (see report.h).
std::optional<double> JainIndex(const RunInputs& inputs) {
  struct Use {
    int64_t cpu_ms = 0;
    int64_t gpu_ms = 0;
  };
  std::map<std::string, Use> use;
  for (const JobOutcome& job : inputs.jobs) {
    Use& u = use[job.tenant];
    u.cpu_ms += job.cpus * job.run_ms;
    u.gpu_ms += job.gpus * job.run_ms;
  }
  double cpus_per_gpu = inputs.cluster.gpus > 0 ? static_cast<double>(inputs.cluster.cpus) /
                                                      static_cast<double>(inputs.cluster.gpus)
                                                : 0.0;
  double sum = 0, sum_squares = 0;
  for (const auto& [tenant, u] : use) {
    auto share = inputs.tenant_shares.find(tenant);
    double weight = share == inputs.tenant_shares.end() ? 1.0 : share->second;
    assert(weight > 0);
    double x =
        (static_cast<double>(u.cpu_ms) + static_cast<double>(u.gpu_ms) * cpus_per_gpu) / weight;
    sum += x;
    sum_squares += x * x;
  }
  if (sum_squares <= 0) return std::nullopt;
  return sum * sum / (static_cast<double>(use.size()) * sum_squares);
}

}  // namespace

std::string SizeClass(int32_t cpus, int32_t gpus) {
  if (gpus > 0) return "gpu";
  if (cpus <= 1) return "1";
  if (cpus <= 4) return "2-4";
  if (cpus <= 16) return "5-16";
  return "17+";
}

int64_t NearestRankPercentile(const std::vector<int64_t>& sorted, int p) {
  assert(!sorted.empty() && p > 0 && p <= 100);
  // rank = ceil(p/100 * n), in integers.
  size_t rank = (static_cast<size_t>(p) * sorted.size() + 99) / 100;
  return sorted[std::max<size_t>(rank, 1) - 1];
}

SimReport ComputeReport(const RunInputs& inputs) {
  SimReport report;
  report.profile = inputs.profile;
  report.makespan_ms = Makespan(inputs);
  int64_t cpu_ms = 0, gpu_ms = 0;
  std::vector<int64_t> waits;
  std::map<std::string, std::vector<int64_t>> by_tenant, by_size;
  for (const JobOutcome& job : inputs.jobs) {
    assert(job.run_ms >= 0);
    CountState(job.final_state, report.jobs);
    cpu_ms += job.cpus * job.run_ms;
    gpu_ms += job.gpus * job.run_ms;
    report.preemptions += job.preemptions;
    if (job.preemptions > 0) ++report.jobs_preempted;
    std::vector<int64_t>& tenant = by_tenant[job.tenant];
    std::vector<int64_t>& size = by_size[SizeClass(job.cpus, job.gpus)];
    if (job.first_start_ms < 0) continue;
    int64_t wait = job.first_start_ms - job.arrival_ms;
    waits.push_back(wait);
    tenant.push_back(wait);
    size.push_back(wait);
  }
  report.cpu_utilisation = Ratio(cpu_ms, inputs.cluster.cpus, report.makespan_ms);
  report.gpu_utilisation = Ratio(gpu_ms, inputs.cluster.gpus, report.makespan_ms);
  report.wait = StatsOf(std::move(waits));
  for (auto& [tenant, list] : by_tenant) report.wait_by_tenant[tenant] = StatsOf(std::move(list));
  for (auto& [size, list] : by_size) report.wait_by_size[size] = StatsOf(std::move(list));
  report.jain_fairness = JainIndex(inputs);
  report.powered_on_node_ms = inputs.powered_on_node_ms;
  report.makespan_node_ms = inputs.cluster.nodes * report.makespan_ms;
  return report;
}

}  // namespace sharc::sim
