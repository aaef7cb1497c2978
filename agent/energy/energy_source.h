// Where a node's energy figures come from, measured or modelled, and how the energy of an
// interval is attributed to the jobs that ran in it.
//
//   RaplReader   Intel/AMD RAPL through the powercap sysfs tree (package and DRAM domains),
//                with counter wrap-around handled; the sysfs root is configurable so tests run
//                the real reader on a fixture tree.
//   NvmlReader   per-GPU energy through NVML, loaded at run time with dlopen (no build
//                dependency); absent -> nullopt.
//   PowerModel   idle and peak watts per node (CPU) and per GPU model, driven by measured
//                utilisation: what is reported when nothing can be measured, and it says so.
//
// Attribution (attribution.h) splits each package's energy over the jobs by their share of
// that package's CPU time, gives each GPU's energy to the job holding it, and reports the
// rest (idle and unattributable) as its own figure, never silently spread.
#ifndef SHARC_AGENT_ENERGY_ENERGY_SOURCE_H_
#define SHARC_AGENT_ENERGY_ENERGY_SOURCE_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace sharc::agent {

enum class EnergySource { kRapl, kNvml, kModel };
std::string_view EnergySourceName(EnergySource source);  // "rapl", "nvml", "model"

enum class EnergyDomain { kPackage, kDram, kGpu };
std::string_view EnergyDomainName(EnergyDomain domain);  // "package", "dram", "gpu"

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ENERGY_ENERGY_SOURCE_H_
