#include "agent/energy/power_model.h"

#include <algorithm>
#include <limits>

namespace sharc::agent {

int64_t ModelledMicrojoules(int64_t idle_milliwatts, int64_t peak_milliwatts,
                            int64_t utilization_permille, int64_t interval_ms) {
  const __int128 permille = std::clamp<int64_t>(utilization_permille, 0, 1000);
  const __int128 ms = std::max<int64_t>(interval_ms, 0);
  // Milliwatts x 1000, so the utilisation fraction costs no precision until the last step.
  const __int128 milliwatts_x1000 =
      static_cast<__int128>(idle_milliwatts) * 1000 +
      (static_cast<__int128>(peak_milliwatts) - idle_milliwatts) * permille;
  const __int128 microjoules = milliwatts_x1000 * ms / 1000;
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  constexpr int64_t kMin = std::numeric_limits<int64_t>::min();
  if (microjoules > kMax) return kMax;
  if (microjoules < kMin) return kMin;
  return static_cast<int64_t>(microjoules);
}

const PowerModelConfig::Watts* GpuWatts(const PowerModelConfig& config, const std::string& model) {
  auto it = config.gpu.find(model);
  if (it == config.gpu.end()) it = config.gpu.find("default");
  return it == config.gpu.end() ? nullptr : &it->second;
}

}  // namespace sharc::agent
