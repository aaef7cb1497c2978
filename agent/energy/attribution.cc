#include "agent/energy/attribution.h"

#include <algorithm>

namespace sharc::agent {
namespace {

// floor(energy x part / whole) without overflow; 0 <= part <= whole, whole > 0.
int64_t Share(int64_t energy, __int128 part, __int128 whole) {
  return static_cast<int64_t>(static_cast<__int128>(energy) * part / whole);
}

}  // namespace

Attribution Attribute(const IntervalEnergy& energy, const std::vector<JobActivity>& jobs) {
  Attribution result;
  for (const JobActivity& job : jobs) result.job_microjoules[job.attempt];  // every job, even 0

  int64_t attributed = 0;
  for (const auto& [package, raw_microjoules] : energy.package_microjoules) {
    const int64_t microjoules = std::max<int64_t>(raw_microjoules, 0);
    result.total_microjoules += microjoules;
    auto cpus = energy.package_cpus.find(package);
    const __int128 capacity_us =
        cpus == energy.package_cpus.end()
            ? 0
            : static_cast<__int128>(std::max(energy.interval_ms, int64_t{0})) * 1000 *
                  std::max(cpus->second, 0);
    // Without a capacity (no CPUs known, empty interval) nothing can be apportioned: all idle.
    if (capacity_us == 0) continue;

    __int128 used_us = 0;
    for (const JobActivity& job : jobs) {
      auto it = job.package_cpu_us.find(package);
      if (it != job.package_cpu_us.end()) used_us += std::max<int64_t>(it->second, 0);
    }
    // Measurement skew can report more CPU time than the package could give; dividing by the
    // larger of the two keeps the shares within the package's energy.
    const __int128 whole = std::max(capacity_us, used_us);
    for (const JobActivity& job : jobs) {
      auto it = job.package_cpu_us.find(package);
      if (it == job.package_cpu_us.end() || it->second <= 0) continue;
      const int64_t share = Share(microjoules, it->second, whole);
      result.job_microjoules[job.attempt] += share;
      attributed += share;
    }
  }

  for (const auto& [gpu, raw_microjoules] : energy.gpu_microjoules) {
    const int64_t microjoules = std::max<int64_t>(raw_microjoules, 0);
    result.total_microjoules += microjoules;
    // A GPU is held by at most one job; should two claim it, the first listed gets it.
    auto holder = std::find_if(jobs.begin(), jobs.end(), [gpu](const JobActivity& job) {
      return std::find(job.gpus.begin(), job.gpus.end(), gpu) != job.gpus.end();
    });
    if (holder == jobs.end()) continue;
    result.job_microjoules[holder->attempt] += microjoules;
    attributed += microjoules;
  }

  result.idle_microjoules = result.total_microjoules - attributed;
  return result;
}

}  // namespace sharc::agent
