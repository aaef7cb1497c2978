// When nothing can be measured: power from configured idle and peak watts, driven by measured
// utilisation (power = idle + (peak - idle) x utilisation), integrated over each interval.
#ifndef SHARC_AGENT_ENERGY_POWER_MODEL_H_
#define SHARC_AGENT_ENERGY_POWER_MODEL_H_

#include <cstdint>
#include <map>
#include <string>

namespace sharc::agent {

struct PowerModelConfig {
  // For the node's CPUs and memory (all packages together), split over packages evenly.
  int64_t node_idle_milliwatts = 0;
  int64_t node_peak_milliwatts = 0;
  // Per GPU, by model (GpuInfo::model, e.g. "H100"); "default" for any other model.
  struct Watts {
    int64_t idle_milliwatts = 0;
    int64_t peak_milliwatts = 0;
  };
  std::map<std::string, Watts> gpu;
};

// Energy in microjoules of a device drawing between idle and peak at `utilization_permille`
// (0..1000) for `interval_ms`. Exact integer arithmetic.
// (idle + (peak - idle) x u / 1000) mW x ms = µJ, rounded down once at the end; utilisation
// outside 0..1000 (measurement skew) is clamped, and a negative interval counts as 0.
int64_t ModelledMicrojoules(int64_t idle_milliwatts, int64_t peak_milliwatts,
                            int64_t utilization_permille, int64_t interval_ms);

// The configured watts of a GPU model: `config.gpu[model]`, else `config.gpu["default"]`,
// else nullptr (no figure for that GPU). The pointer lives as long as `config`.
const PowerModelConfig::Watts* GpuWatts(const PowerModelConfig& config, const std::string& model);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ENERGY_POWER_MODEL_H_
