#include "sim/generator.h"

#include <algorithm>
#include <charconv>
#include <cmath>

#include "sim/distributions.h"

namespace sharc::sim {
namespace {

constexpr int64_t kMinute = 60;
constexpr int64_t kHour = 3600;
constexpr int64_t kDayMs = 24 * kHour * 1000;
constexpr int64_t kMiB = 1 << 20;
constexpr int64_t kGiB = 1LL << 30;

// Arrivals.
constexpr double kDiurnalAmplitude = 1.0 / 3;  // (1 + a) / (1 - a) = 2
constexpr int64_t kBurstWindowMs = 10 * kMinute * 1000;
constexpr double kBurstProbability = 0.01;
constexpr double kBurstFactor = 10;
constexpr double kMeanRateFactor =
    1 - kBurstProbability + kBurstProbability * kBurstFactor;  // 1.09

// Sizes.
constexpr int32_t kCpuSizes[] = {1, 2, 4, 8, 16};
const std::vector<double> kCpuWeights = {40, 20, 20, 12, 8};
constexpr int32_t kGpuSizes[] = {1, 2, 4, 8};
const std::vector<double> kGpuWeights = {70, 15, 10, 5};
constexpr int64_t kMemoryPerCpu = 4 * kGiB;

// Runtimes (ms).
constexpr double kBodyShare = 0.9;
constexpr double kBodyMedianMs = 3 * kMinute * 1000;
constexpr double kBodySigma = 1.5;
constexpr double kTailMinMs = 30 * kMinute * 1000;
constexpr double kTailAlpha = 1.3;
constexpr int64_t kMinRuntimeMs = 1000;

// Time limits.
constexpr double kMinOverestimate = 1.2;
constexpr double kMaxOverestimate = 10;
constexpr double kOverrunShare = 0.03;

// Salts that derive independent streams from the one seed.
enum Stream : uint64_t { kArrivalStream = 1, kBurstStream = 2, kShapeStream = 3 };

uint64_t StreamKey(uint64_t seed, Stream stream) { return Mix64(Mix64(seed) + stream); }

bool IsBurst(uint64_t burst_key, int64_t window) {
  uint64_t bits = Mix64(burst_key + Mix64(static_cast<uint64_t>(window)));
  return static_cast<double>(bits >> 11) * 0x1.0p-53 < kBurstProbability;
}

// Arrival times (ms) of a Poisson process with the diurnal, bursty rate, by thinning: draw
// from the highest rate, keep each point with probability rate(t) / highest.
std::vector<int64_t> DrawArrivals(const GeneratorOptions& options) {
  Random random(StreamKey(options.seed, kArrivalStream));
  uint64_t burst_key = StreamKey(options.seed, kBurstStream);
  double base_per_ms = options.jobs_per_hour / kMeanRateFactor / (kHour * 1000.0);
  double max_per_ms = base_per_ms * (1 + kDiurnalAmplitude) * kBurstFactor;
  std::vector<int64_t> arrivals;
  arrivals.reserve(options.jobs);
  double t = 0;
  while (static_cast<int64_t>(arrivals.size()) < options.jobs) {
    t += random.Exponential(max_per_ms);
    int64_t ms = static_cast<int64_t>(std::floor(t));
    double day_turns = static_cast<double>(ms % kDayMs) / kDayMs;
    double rate = base_per_ms * (1 + kDiurnalAmplitude * PortableSinTurns(day_turns - 0.25));
    if (IsBurst(burst_key, ms / kBurstWindowMs)) rate *= kBurstFactor;
    if (random.Uniform() * max_per_ms < rate) arrivals.push_back(ms);
  }
  return arrivals;
}

int64_t DrawRuntimeMs(Random& random, int64_t max_runtime_ms) {
  double ms = random.Bernoulli(kBodyShare)
                  ? random.LogNormal(PortableLog(kBodyMedianMs), kBodySigma)
                  : random.Pareto(kTailMinMs, kTailAlpha);
  ms = std::clamp(ms, static_cast<double>(kMinRuntimeMs), static_cast<double>(max_runtime_ms));
  return static_cast<int64_t>(std::floor(ms + 0.5));
}

// Sets time_limit_s (and, for a short overrunning job, stretches runtime_ms).
void DrawTimeLimit(Random& random, WorkloadJob& job) {
  const std::vector<int64_t>& steps = TimeLimitSteps();
  double factor =
      PortableExp(random.Uniform(PortableLog(kMinOverestimate), PortableLog(kMaxOverestimate)));
  double stretch = random.Uniform(1.05, 2.0);
  if (!random.Bernoulli(kOverrunShare)) {
    double wanted_ms = static_cast<double>(job.runtime_ms) * factor;
    auto step = std::find_if(steps.begin(), steps.end(),
                             [&](int64_t s) { return static_cast<double>(s) * 1000 >= wanted_ms; });
    job.time_limit_s = step == steps.end() ? steps.back() : *step;
    return;
  }
  auto above = std::find_if(steps.begin(), steps.end(),
                            [&](int64_t s) { return s * 1000 >= job.runtime_ms; });
  if (above == steps.begin()) {  // no step below the runtime: stretch it past the first
    job.time_limit_s = steps.front();
    job.runtime_ms = static_cast<int64_t>(std::floor(steps.front() * 1000 * stretch));
  } else {
    job.time_limit_s = *(above - 1);
  }
}

std::string TenantName(int index, int count) {
  std::string digits = std::to_string(index);
  size_t width = std::max<size_t>(2, std::to_string(count - 1).size());
  return "t" + std::string(width - std::min(width, digits.size()), '0') + digits;
}

struct ShapeTables {
  DiscreteDistribution tenants;
  DiscreteDistribution priorities;
  DiscreteDistribution cpus{kCpuWeights};
  DiscreteDistribution gpus{kGpuWeights};
};

std::vector<double> PriorityWeights(const GeneratorOptions& options) {
  std::vector<double> weights;
  for (const auto& entry : options.priority_mix) weights.push_back(entry.second);
  return weights;
}

WorkloadJob DrawJob(const GeneratorOptions& options, const ShapeTables& tables, Random& random) {
  WorkloadJob job;
  int tenant = static_cast<int>(tables.tenants.Sample(random));
  job.tenant = TenantName(tenant, options.tenants);
  job.priority = options.priority_mix[tables.priorities.Sample(random)].first;
  bool gpu_job = random.Bernoulli(options.gpu_share);
  int32_t gpus = kGpuSizes[tables.gpus.Sample(random)];
  int32_t cpus_per_gpu = random.Bernoulli(0.5) ? 16 : 8;
  int32_t cpus = kCpuSizes[tables.cpus.Sample(random)];
  if (gpu_job) {
    job.gpus = gpus;
    job.gpu_model = options.gpu_model;
    job.cpus = gpus * cpus_per_gpu;
  } else {
    job.cpus = cpus;
  }
  double memory = static_cast<double>(job.cpus * kMemoryPerCpu) * random.Uniform(0.5, 1.5);
  job.memory_bytes =
      std::max<int64_t>(1, static_cast<int64_t>(std::floor(memory / kMiB + 0.5))) * kMiB;
  job.runtime_ms = DrawRuntimeMs(random, options.max_runtime_ms);
  DrawTimeLimit(random, job);
  return job;
}

}  // namespace

const std::vector<int64_t>& TimeLimitSteps() {
  static const std::vector<int64_t> steps = {5 * kMinute, 15 * kMinute, 30 * kMinute, kHour,
                                             2 * kHour,   4 * kHour,    8 * kHour,    12 * kHour,
                                             24 * kHour,  48 * kHour};
  return steps;
}

Status ValidateGeneratorOptions(const GeneratorOptions& o) {
  if (o.jobs < 0 || o.jobs > 10'000'000) {
    return InvalidArgumentError("jobs: must be between 0 and 10000000");
  }
  if (!(o.jobs_per_hour > 0 && o.jobs_per_hour <= 1e9)) {
    return InvalidArgumentError("jobs_per_hour: must be above 0 (and at most 1e9)");
  }
  if (o.tenants < 1 || o.tenants > 10'000) {
    return InvalidArgumentError("tenants: must be between 1 and 10000");
  }
  if (!(o.gpu_share >= 0 && o.gpu_share <= 1)) {
    return InvalidArgumentError("gpu_share: must be between 0 and 1");
  }
  if (o.max_runtime_ms < 10 * kMinute * 1000 || o.max_runtime_ms > 48 * kHour * 1000) {
    return InvalidArgumentError("max_runtime: must be between 10 minutes and 48 hours");
  }
  double total = 0;
  for (const auto& [name, weight] : o.priority_mix) {
    if (!IsValidPriorityName(name)) {
      return InvalidArgumentError("priority_mix: '" + name + "' is not a priority class name");
    }
    if (!(weight >= 0 && std::isfinite(weight))) {
      return InvalidArgumentError("priority_mix: the weight of '" + name +
                                  "' must be a non-negative number");
    }
    total += weight;
  }
  if (!(total > 0)) return InvalidArgumentError("priority_mix: needs a positive weight");
  return Status::Ok();
}

std::vector<WorkloadJob> GenerateWorkload(const GeneratorOptions& options) {
  ShapeTables tables{DiscreteDistribution(ZipfWeights(options.tenants, 1.0)),
                     DiscreteDistribution(PriorityWeights(options))};
  uint64_t shape_key = StreamKey(options.seed, kShapeStream);
  std::vector<int64_t> arrivals = DrawArrivals(options);
  std::vector<WorkloadJob> jobs;
  jobs.reserve(arrivals.size());
  for (size_t i = 0; i < arrivals.size(); ++i) {
    Random random(Mix64(shape_key + i));  // each job its own stream
    jobs.push_back(DrawJob(options, tables, random));
    jobs.back().arrival_ms = arrivals[i];
  }
  return jobs;
}

StatusOr<std::vector<std::pair<std::string, double>>> ParsePriorityMix(std::string_view text) {
  std::vector<std::pair<std::string, double>> mix;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    size_t eq = item.find('=');
    double weight = -1;
    if (eq != std::string_view::npos) {
      std::string_view number = item.substr(eq + 1);
      auto [end, error] = std::from_chars(number.data(), number.data() + number.size(), weight);
      if (error != std::errc() || end != number.data() + number.size()) weight = -1;
    }
    if (eq == std::string_view::npos || !(weight >= 0)) {
      return InvalidArgumentError("priority mix '" + std::string(item) +
                                  "': use name=weight, e.g. low=40,normal=40,high=20");
    }
    mix.emplace_back(std::string(item.substr(0, eq)), weight);
  }
  GeneratorOptions check;
  check.priority_mix = mix;
  SHARC_RETURN_IF_ERROR(ValidateGeneratorOptions(check));
  return mix;
}

}  // namespace sharc::sim
