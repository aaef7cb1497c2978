// Reads RAPL energy counters from the powercap sysfs tree:
//   <root>/intel-rapl:<P>/{name,energy_uj,max_energy_range_uj}          name "package-<P>"
//   <root>/intel-rapl:<P>:<S>/{name,energy_uj,max_energy_range_uj}      name "dram" (others
//                                                                       such as "core" are
//                                                                       ignored)
// (AMD exposes the same tree.) The counters are microjoules that wrap at max_energy_range_uj;
// the reader keeps the last value of each and returns the energy since the previous Read,
// adding the range back when a counter went down. Reading energy_uj needs root on kernels
// patched for CVE-2020-8694: the error says so.
#ifndef SHARC_AGENT_ENERGY_RAPL_READER_H_
#define SHARC_AGENT_ENERGY_RAPL_READER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/status.h"

namespace sharc::agent {

struct RaplDomainEnergy {
  int package = 0;          // the package (socket) index P
  bool dram = false;        // false: the package domain itself
  int64_t microjoules = 0;  // since the previous Read (0 on the first)
};

class RaplReader {
 public:
  // Finds the domains under `root` (default "/sys/class/powercap"). NotFound if there are none
  // (no RAPL on this machine); PermissionDenied if they cannot be read.
  static StatusOr<std::unique_ptr<RaplReader>> Open(const std::string& root);

  // Energy per domain since the last Read (the first Read primes the counters and returns 0s).
  StatusOr<std::vector<RaplDomainEnergy>> Read();

  int packages() const;

 private:
  struct Domain {
    int package = 0;
    bool dram = false;
    std::string energy_path;
    int64_t range_uj = 0;
    int64_t last_uj = -1;
  };
  // The domain whose files are in `dir`, its range read and its counter checked readable.
  static StatusOr<Domain> OpenDomain(const std::string& dir, int package, bool dram);
  explicit RaplReader(std::vector<Domain> domains) : domains_(std::move(domains)) {}
  std::vector<Domain> domains_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ENERGY_RAPL_READER_H_
