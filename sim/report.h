// How a scheduling profile did on a simulated run: what the simulation loop records (RunInputs,
// plain data) and the figures computed from it (SimReport). Rendering is in report_render.h.
//
// Definitions (times are integer milliseconds of virtual time; only ratios are doubles):
//  - makespan = the last job end (or RunInputs::stopped_ms, if later) - the first arrival.
//  - CPU utilisation = sum over jobs of cpus x run_ms / (cluster CPUs x makespan); GPU
//    utilisation the same with GPUs; absent when the cluster has none or the makespan is 0.
//  - wait = first_start_ms - arrival_ms, over jobs that started at least once; a job that never
//    started is counted as pending, not as a wait. Groups: overall, per tenant, and per size
//    class: "gpu" for any job with GPUs, else by CPUs "1", "2-4", "5-16", "17+".
//  - percentiles by the nearest-rank method: of n sorted waits w[1..n], the p-th percentile is
//    w[ceil(p/100 x n)] (always one of the waits; p100 = max).
//  - CPU-equivalent time of a job = (cpus + gpus x cluster CPUs / cluster GPUs) x run_ms: a GPU
//    counts as the cluster's CPUs per GPU, so a job holding a GPU "uses" the CPUs that come
//    with it. (With no GPUs in the cluster, GPUs count 0.)
//  - Jain's fairness index over tenants with at least one job: x_i = tenant i's CPU-equivalent
//    time / its share (RunInputs::tenant_shares, missing = 1), J = (sum x)^2 / (n sum x^2),
//    1 = use proportional to shares, 1/n = one tenant got everything; absent if no tenant used
//    anything.
//  - node-hours powered on = RunInputs::powered_on_node_ms (a node without jobs is off),
//    against cluster nodes x makespan if every node stayed on.
#ifndef SHARC_SIM_REPORT_H_
#define SHARC_SIM_REPORT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sharc::sim {

// What happened to one workload job.
struct JobOutcome {
  std::string tenant;
  int32_t cpus = 0;
  int32_t gpus = 0;
  int64_t memory_bytes = 0;
  int64_t arrival_ms = 0;
  int64_t first_start_ms = -1;  // -1: never started
  int64_t end_ms = -1;          // -1: had not ended when the simulation stopped
  int64_t run_ms = 0;           // time it held resources, over all its attempts
  int32_t preemptions = 0;      // times it was preempted (and requeued)
  std::string final_state;      // a JobStateName: "COMPLETED", "TIMEOUT", "PENDING", ...
};

struct ClusterTotals {
  int64_t cpus = 0;  // whole CPUs (PUs)
  int64_t gpus = 0;
  int64_t nodes = 0;
};

// Everything the simulation loop hands over after one run.
struct RunInputs {
  std::string profile;  // the scheduling profile's name, a column heading
  std::vector<JobOutcome> jobs;
  ClusterTotals cluster;
  int64_t powered_on_node_ms = 0;  // sum over nodes of the time they held at least one job
  int64_t stopped_ms = -1;         // when the simulation stopped; -1 = at the last job's end
  std::map<std::string, double> tenant_shares;  // weight per tenant (> 0); missing = 1
};

// The nearest-rank percentiles of a group's waits. count = 0: no job of the group started
// (the other fields are then 0 and renderers show them as absent).
struct WaitStats {
  int64_t count = 0;
  int64_t p50_ms = 0;
  int64_t p95_ms = 0;
  int64_t p99_ms = 0;
  int64_t max_ms = 0;
  friend bool operator==(const WaitStats&, const WaitStats&) = default;
};

struct JobCounts {
  int64_t total = 0;
  int64_t completed = 0;  // COMPLETED
  int64_t timed_out = 0;  // TIMEOUT
  int64_t pending = 0;    // PENDING at the end
  int64_t running = 0;    // RUNNING at the end
  int64_t other = 0;      // any other state (FAILED, CANCELLED, NODE_FAIL, ...)
  friend bool operator==(const JobCounts&, const JobCounts&) = default;
};

// The size classes, in display order.
inline const std::vector<std::string>& SizeClasses() {
  static const std::vector<std::string> classes = {"1", "2-4", "5-16", "17+", "gpu"};
  return classes;
}
std::string SizeClass(int32_t cpus, int32_t gpus);

struct SimReport {
  std::string profile;
  JobCounts jobs;
  int64_t makespan_ms = 0;
  std::optional<double> cpu_utilisation;
  std::optional<double> gpu_utilisation;
  WaitStats wait;
  std::map<std::string, WaitStats> wait_by_tenant;  // every tenant with a job
  std::map<std::string, WaitStats> wait_by_size;    // every size class with a job
  std::optional<double> jain_fairness;
  int64_t preemptions = 0;     // sum over jobs
  int64_t jobs_preempted = 0;  // jobs preempted at least once
  int64_t powered_on_node_ms = 0;
  int64_t makespan_node_ms = 0;  // cluster nodes x makespan
};

// The nearest-rank p-th percentile (0 < p <= 100) of `sorted` (ascending, non-empty).
int64_t NearestRankPercentile(const std::vector<int64_t>& sorted, int p);

// Computes the figures above. Preconditions: shares are > 0; run_ms >= 0.
SimReport ComputeReport(const RunInputs& inputs);

}  // namespace sharc::sim

#endif  // SHARC_SIM_REPORT_H_
