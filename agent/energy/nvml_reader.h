// Per-GPU energy and utilisation through NVML, loaded at run time (dlopen of
// libnvidia-ml.so.1): no build dependency, and a node without NVIDIA's driver simply has none.
// Uses nvmlInit_v2, nvmlDeviceGetCount_v2, nvmlDeviceGetHandleByIndex_v2,
// nvmlDeviceGetTotalEnergyConsumption (millijoules since the driver loaded),
// nvmlDeviceGetPowerUsage (milliwatts) and nvmlDeviceGetUtilizationRates.
#ifndef SHARC_AGENT_ENERGY_NVML_READER_H_
#define SHARC_AGENT_ENERGY_NVML_READER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace sharc::agent {

struct GpuEnergy {
  int index = 0;
  int64_t millijoules = 0;  // since the previous Read (0 on the first)
  int64_t milliwatts = 0;   // power now
  int utilization_percent = 0;
};

class NvmlReader {
 public:
  // `library` is the shared object to load ("libnvidia-ml.so.1"; tests pass a fake built
  // from tests/agent). NotFound when it cannot be loaded; Unavailable when NVML refuses to
  // initialise (the message carries NVML's error string).
  static StatusOr<std::unique_ptr<NvmlReader>> Open(const std::string& library);
  ~NvmlReader();

  StatusOr<std::vector<GpuEnergy>> Read();
  int gpus() const;

 private:
  struct Api;
  explicit NvmlReader(std::unique_ptr<Api> api);
  std::unique_ptr<Api> api_;
  std::vector<int64_t> last_mj_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ENERGY_NVML_READER_H_
