// Synthetic workloads shaped like published cluster traces, deterministic for a seed on every
// platform (see distributions.h).
//
// What is drawn, and from where the shape comes (one line per choice):
//  - Arrivals: a Poisson process (exponential gaps, thinned) whose rate follows a diurnal
//    sinusoid 1 + (1/3) sin(2 pi t / 24 h), i.e. peak/trough = 2 (Google 2011/2019 and Azure
//    show daily cycles of 1.5-3x); the first trough is at t = 0 (midnight).
//  - Bursts: time is cut into 10-minute windows and each is, with probability 1%, a burst in
//    which the rate is 10x (batch submissions in Google 2019 / Alibaba 2018). jobs_per_hour is
//    the long-run mean rate including cycle and bursts (the base rate is jobs_per_hour / 1.09).
//  - Tenants: `tenants` of them, "t00", "t01", ... (two digits, more when needed); a job's
//    tenant is Zipf-distributed with s = 1, so t00 submits most (per-user job counts in the
//    Google and Alibaba traces are Zipf-like).
//  - CPU jobs: CPUs 1, 2, 4, 8, 16 with probabilities 40/20/20/12/8% (most tasks are small in
//    Google 2019 and Alibaba 2018).
//  - GPU jobs: a `gpu_share` of jobs; GPUs 1, 2, 4, 8 with probabilities 70/15/10/5% (Alibaba
//    PAI 2020: most GPU jobs take one GPU); CPUs = GPUs x (8 or 16, equally likely), i.e.
//    8-16 CPUs per GPU as on DGX-like nodes; gpu_model = options.gpu_model.
//  - Memory: 4 GiB per CPU times a factor uniform in [0.5, 1.5], rounded to a MiB (Google
//    2019's memory/CPU ratios cluster around 2-8 GiB per core).
//  - Runtime: with probability 0.9 lognormal (median 3 min, sigma 1.5), else Pareto (minimum
//    30 min, alpha 1.3): a heavy tail (Google 2011, Alibaba: most jobs last minutes, a few
//    last days). Clamped to [1 s, max_runtime]. Median 3.7 min (about 4 once overruns, below,
//    are stretched); mean about 4x the median.
//  - Time limit: runtime x a factor log-uniform in [1.2, 10] (users overestimate by 2-10x,
//    Slurm and Google studies), rounded UP to the next of 5m, 15m, 30m, 1h, 2h, 4h, 8h, 12h,
//    24h, 48h (48h at most).
//  - Overruns: 3% of jobs run past their limit (as jobs killed at their limit do in HPC
//    traces): their limit is the largest step below their runtime; a job of 5 min or less is
//    instead stretched to 1.05-2x 5 min with a 5 min limit.
//  - Priority: a class name drawn from `priority_mix` (default low 40%, normal 40%, high 20%).
// Arrivals and bursts come from streams of their own, and each job's shape from a stream seeded
// by `seed` and the job's index, so changing jobs_per_hour moves arrivals without changing the
// jobs, and a longer workload starts with the shorter one.
#ifndef SHARC_SIM_GENERATOR_H_
#define SHARC_SIM_GENERATOR_H_

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "sim/workload.h"

namespace sharc::sim {

struct GeneratorOptions {
  uint64_t seed = 1;
  int64_t jobs = 1000;                          // how many jobs to generate, 0..10,000,000
  double jobs_per_hour = 600;                   // long-run mean arrival rate, > 0
  int32_t tenants = 20;                         // 1..10,000
  double gpu_share = 0.1;                       // share of jobs asking for GPUs, [0, 1]
  std::string gpu_model;                        // model GPU jobs ask for; "" = any
  int64_t max_runtime_ms = 24LL * 3600 * 1000;  // runtimes are capped here, 10 min..48 h
  // Priority class names and their weights (non-negative, at least one positive).
  std::vector<std::pair<std::string, double>> priority_mix = {
      {"low", 40}, {"normal", 40}, {"high", 20}};
};

// InvalidArgument naming the option ("tenants: must be between 1 and 10000").
Status ValidateGeneratorOptions(const GeneratorOptions& options);

// Generates options.jobs jobs sorted by arrival (the first arrives at or after 0).
// Precondition: ValidateGeneratorOptions(options) is OK. Every job passes ValidateWorkloadJob.
std::vector<WorkloadJob> GenerateWorkload(const GeneratorOptions& options);

// The time-limit steps, in seconds: 5m, 15m, 30m, 1h, 2h, 4h, 8h, 12h, 24h, 48h.
const std::vector<int64_t>& TimeLimitSteps();

// "low=40,normal=40,high=20" -> priority_mix. Names as WorkloadJob::priority; weights are
// non-negative numbers.
StatusOr<std::vector<std::pair<std::string, double>>> ParsePriorityMix(std::string_view text);

}  // namespace sharc::sim

#endif  // SHARC_SIM_GENERATOR_H_
