// Splits one sampling interval's energy over the jobs that ran in it. Pure: all figures are
// passed in.
//
// Per package: its energy (package + DRAM domains) goes to the jobs in proportion to each
// job's CPU time on that package's CPUs in the interval, out of the total CPU time the
// package's CPUs could have given (interval x CPUs): a job using half the package's CPUs at
// full speed gets half its energy; the rest — idle CPUs, the OS, processes outside jobs — is
// idle energy. Per GPU: its energy goes to the job holding it, or to idle when none does.
// Shares are computed exactly (128-bit) and rounded down; the rounding remainder goes to idle,
// so attributed + idle == total to the microjoule.
//
// Edge cases: every job passed appears in job_microjoules (0 when it used nothing). When the
// jobs' CPU time on a package adds up to more than the package could give (measurement skew),
// the package's energy is split by their CPU time instead, so the shares never exceed it. A
// package without a CPU count, or an interval of 0 ms, is all idle. Negative figures count as
// 0. A GPU listed by two jobs goes to the first.
#ifndef SHARC_AGENT_ENERGY_ATTRIBUTION_H_
#define SHARC_AGENT_ENERGY_ATTRIBUTION_H_

#include <cstdint>
#include <map>
#include <vector>

#include "core/ids.h"

namespace sharc::agent {

struct IntervalEnergy {
  int64_t interval_ms = 0;
  std::map<int, int64_t> package_microjoules;  // package -> package + DRAM energy
  std::map<int, int> package_cpus;             // package -> number of PUs
  std::map<int, int64_t> gpu_microjoules;      // GPU index -> energy
};

struct JobActivity {
  AttemptId attempt;
  std::map<int, int64_t> package_cpu_us;  // package -> the job's CPU time there, microseconds
  std::vector<int> gpus;                  // GPU indices it holds
};

struct Attribution {
  std::map<AttemptId, int64_t> job_microjoules;
  int64_t idle_microjoules = 0;
  int64_t total_microjoules = 0;
};

Attribution Attribute(const IntervalEnergy& energy, const std::vector<JobActivity>& jobs);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ENERGY_ATTRIBUTION_H_
