// The node's energy over time and each running attempt's share of it: samples the sources
// (RAPL or the CPU power model; NVML or the GPU power model), splits each interval with
// Attribute() (attribution.h) and keeps cumulative figures since the meter started.
//
// Sources, chosen once at Open and logged:
//   CPUs  RAPL at options.rapl_root when it has package domains and can be read; otherwise the
//         power model: node_idle..node_peak watts driven by the node's CPU busy fraction over
//         the interval (/proc/stat, node_usage.h), split evenly over the packages.
//   GPUs  NVML when the node has GPUs and the library loads; otherwise the power model per GPU
//         model (power_model.h GpuWatts). Without NVML no GPU utilisation can be measured, so
//         a GPU held by a running attempt is modelled at its peak and a free one at idle. A
//         GPU model without a figure (no entry and no "default") is modelled at 0 W, and Open
//         logs it.
// RAPL package P is taken to be the topology's package P (PuInfo::package), and NVML device i
// the topology's GPU index i.
//
// Attribution per interval: an attempt's CPU energy is its share of its packages' energy by
// CPU time there (its per-CPU cumulative CPU time minus the previous sample's); its GPU energy
// is the energy of the GPUs it holds. Everything else is idle energy. An attempt's first
// sample counts its whole CPU time when it is new since the previous sample (launched by this
// agent), and is only a baseline otherwise (re-adopted after an agent restart, or running at
// the first, priming sample): energy is never invented for time the meter did not see.
//
// Not thread-safe; the agent uses it from its io thread.
#ifndef SHARC_AGENT_ENERGY_ENERGY_METER_H_
#define SHARC_AGENT_ENERGY_ENERGY_METER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/energy/attribution.h"
#include "agent/energy/energy_source.h"
#include "agent/energy/nvml_reader.h"
#include "agent/energy/power_model.h"
#include "agent/energy/rapl_reader.h"
#include "core/ids.h"
#include "core/node.h"

namespace sharc::agent {

struct EnergyMeterOptions {
  std::string rapl_root = "/sys/class/powercap";
  std::string nvml_library = "libnvidia-ml.so.1";
  PowerModelConfig model;
};

// A running attempt as one sample sees it.
struct AttemptCpuTime {
  AttemptId attempt;
  std::map<int, int64_t> cpu_us;  // cumulative CPU time per CPU (PU OS index), microseconds
  std::vector<int> gpus;          // GPU indices it holds
  // All of its CPU time accrued since the previous sample (it was launched since).
  bool new_since_previous = false;
};

struct AttemptEnergy {
  int64_t cpu_uj = 0;  // share of the packages' (package + DRAM) energy
  int64_t gpu_uj = 0;  // its GPUs' energy
};

// Cumulative since the meter started.
struct NodeEnergy {
  bool measured = false;  // at least one interval has been measured
  int64_t package_uj = 0;
  int64_t dram_uj = 0;  // 0 with the model (it covers CPUs and memory in package_uj)
  int64_t gpu_uj = 0;
  int64_t idle_uj = 0;  // the part of all three no attempt was charged for
  EnergySource cpu_source = EnergySource::kModel;
  std::optional<EnergySource> gpu_source;  // none when the node has no GPUs
  std::map<int, int64_t> gpu_milliwatts;   // GPU index -> power over the last interval
};

class EnergyMeter {
 public:
  // Opens the sources as described above and logs which ones measure.
  static std::unique_ptr<EnergyMeter> Open(const NodeTopology& topology,
                                           const EnergyMeterOptions& options);
  // `rapl` and `nvml` may be null (use the model).
  EnergyMeter(const NodeTopology& topology, PowerModelConfig model,
              std::unique_ptr<RaplReader> rapl, std::unique_ptr<NvmlReader> nvml);
  ~EnergyMeter();
  EnergyMeter(const EnergyMeter&) = delete;
  EnergyMeter& operator=(const EnergyMeter&) = delete;

  // One sample at `now_ms` (a monotonic clock). The first primes the counters and baselines
  // the attempts; each later one measures the interval since the previous. `cpu_busy_permille`
  // is the node's CPU busy fraction over that interval (only the model uses it; absent = 0).
  // A source that fails to read counts 0 for the interval and logs (once per distinct error).
  void Sample(int64_t now_ms, std::optional<int64_t> cpu_busy_permille,
              const std::vector<AttemptCpuTime>& running);

  const NodeEnergy& node() const { return node_; }
  // The attempt's cumulative energy (zeros for one never sampled).
  AttemptEnergy attempt(const AttemptId& id) const;
  // Drops what is kept of an attempt that will not be sampled again.
  void Forget(const AttemptId& id);

 private:
  void MeasureCpus(int64_t interval_ms, int64_t busy_permille, IntervalEnergy* energy);
  void MeasureGpus(int64_t interval_ms, const std::vector<AttemptCpuTime>& running,
                   IntervalEnergy* energy);
  void LogOnce(const std::string& message);

  std::map<int, int> cpu_package_;        // PU OS index -> package
  std::map<int, int> package_cpus_;       // package -> PUs
  std::map<int, std::string> gpu_model_;  // GPU index -> model
  PowerModelConfig model_;
  std::unique_ptr<RaplReader> rapl_;
  std::unique_ptr<NvmlReader> nvml_;
  std::optional<int64_t> last_ms_;
  std::map<AttemptId, std::map<int, int64_t>> last_cpu_us_;
  std::map<AttemptId, AttemptEnergy> attempts_;
  NodeEnergy node_;
  std::string last_error_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ENERGY_ENERGY_METER_H_
