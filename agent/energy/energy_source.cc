#include "agent/energy/energy_source.h"

namespace sharc::agent {

std::string_view EnergySourceName(EnergySource source) {
  switch (source) {
    case EnergySource::kRapl:
      return "rapl";
    case EnergySource::kNvml:
      return "nvml";
    case EnergySource::kModel:
      return "model";
  }
  return "unknown";
}

std::string_view EnergyDomainName(EnergyDomain domain) {
  switch (domain) {
    case EnergyDomain::kPackage:
      return "package";
    case EnergyDomain::kDram:
      return "dram";
    case EnergyDomain::kGpu:
      return "gpu";
  }
  return "unknown";
}

}  // namespace sharc::agent
