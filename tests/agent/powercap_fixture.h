// Powercap sysfs trees for tests of the RAPL reader and the energy meter: zone directories
// as the kernel lays them out, in a test's temp dir.
#ifndef SHARC_TESTS_AGENT_POWERCAP_FIXTURE_H_
#define SHARC_TESTS_AGENT_POWERCAP_FIXTURE_H_

#include <cstdint>
#include <filesystem>
#include <string>

#include "tests/testing/temp_dir.h"

namespace sharc::agent {

// Intel's usual counter range (about 262 kJ).
inline constexpr int64_t kIntelRange = 262'143'328'850;

// Writes zone `zone` (e.g. "intel-rapl:0") named `name` ("package-0", "dram").
inline void WriteZone(const testing::TempDir& root, const std::string& zone,
                      const std::string& name, int64_t energy_uj, int64_t range_uj = kIntelRange) {
  std::filesystem::create_directory(root.File(zone));
  testing::WriteTextFile(root.File(zone + "/name"), name + "\n");
  testing::WriteTextFile(root.File(zone + "/energy_uj"), std::to_string(energy_uj) + "\n");
  testing::WriteTextFile(root.File(zone + "/max_energy_range_uj"), std::to_string(range_uj) + "\n");
}

// Moves zone `zone`'s counter to `energy_uj`.
inline void SetEnergy(const testing::TempDir& root, const std::string& zone, int64_t energy_uj) {
  testing::WriteTextFile(root.File(zone + "/energy_uj"), std::to_string(energy_uj) + "\n");
}

}  // namespace sharc::agent

#endif  // SHARC_TESTS_AGENT_POWERCAP_FIXTURE_H_
