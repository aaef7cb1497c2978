#include "agent/energy/rapl_reader.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <filesystem>
#include <map>
#include <set>
#include <string_view>
#include <system_error>
#include <tuple>

#include "core/file_util.h"

namespace sharc::agent {
namespace {

constexpr std::string_view kZonePrefix = "intel-rapl:";
constexpr size_t kMaxSysfsBytes = 4096;

Status ErrnoStatus(int error, const std::string& path) {
  std::string message = path + ": " + ErrnoText(error);
  switch (error) {
    case EACCES:
    case EPERM:
      return PermissionDeniedError(
          message + " (RAPL counters are root-only since CVE-2020-8694; run the agent as root)");
    case ENOENT:
      return NotFoundError(message);
    default:
      return InternalError(message);
  }
}

// A small sysfs file, whole.
StatusOr<std::string> ReadSysfsFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, path);
  std::string contents;
  char buf[256];
  while (contents.size() <= kMaxSysfsBytes) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return ErrnoStatus(error, path);
    }
    if (n == 0) break;
    contents.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

std::string_view Trim(std::string_view text) {
  const auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

// A non-negative decimal integer that is all of `text`.
bool ParseCount(std::string_view text, int64_t* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return !text.empty() && ec == std::errc() && ptr == end && *value >= 0;
}

StatusOr<int64_t> ReadMicrojoules(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadSysfsFile(path));
  std::string_view trimmed = Trim(text);
  int64_t value = 0;
  if (!ParseCount(trimmed, &value)) {
    std::string shown(trimmed.substr(0, 40));
    return InternalError(path + ": expected a count of microjoules, got \"" + shown + "\"");
  }
  return value;
}

StatusOr<std::string> ReadName(const std::string& dir) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadSysfsFile(dir + "/name"));
  return std::string(Trim(text));
}

// "intel-rapl:<zone>" (subzone -1) or "intel-rapl:<zone>:<subzone>".
bool ParseZoneDir(std::string_view name, int* zone, int* subzone) {
  if (!name.starts_with(kZonePrefix)) return false;
  name.remove_prefix(kZonePrefix.size());
  int64_t first = 0;
  int64_t second = -1;
  size_t colon = name.find(':');
  if (!ParseCount(name.substr(0, colon), &first) || first > 1'000'000) return false;
  if (colon != std::string_view::npos &&
      (!ParseCount(name.substr(colon + 1), &second) || second > 1'000'000)) {
    return false;
  }
  *zone = static_cast<int>(first);
  *subzone = static_cast<int>(second);
  return true;
}

// The package index of a zone named "package-<N>"; -1 for any other name ("psys", ...).
int PackageOfName(std::string_view name) {
  constexpr std::string_view kPackage = "package-";
  int64_t package = -1;
  if (!name.starts_with(kPackage) || !ParseCount(name.substr(kPackage.size()), &package) ||
      package > 1'000'000) {
    return -1;
  }
  return static_cast<int>(package);
}

struct ZoneDir {
  int zone = 0;
  int subzone = -1;
  std::string path;
  friend bool operator<(const ZoneDir& a, const ZoneDir& b) {
    return std::tie(a.zone, a.subzone) < std::tie(b.zone, b.subzone);
  }
};

StatusOr<std::vector<ZoneDir>> ListZones(const std::string& root) {
  std::error_code ec;
  std::filesystem::directory_iterator it(root, ec);
  if (ec) {
    if (ec == std::errc::no_such_file_or_directory) {
      return NotFoundError(root +
                           ": no such directory: this machine exposes no RAPL energy "
                           "counters (no powercap driver)");
    }
    return ErrnoStatus(ec.value(), root);
  }
  std::vector<ZoneDir> zones;
  for (; it != std::filesystem::directory_iterator(); it.increment(ec)) {
    ZoneDir dir;
    std::string name = it->path().filename().string();
    if (ParseZoneDir(name, &dir.zone, &dir.subzone)) {
      dir.path = root + "/" + name;
      zones.push_back(std::move(dir));
    }
  }
  if (ec) return ErrnoStatus(ec.value(), root);
  std::sort(zones.begin(), zones.end());
  return zones;
}

}  // namespace

StatusOr<RaplReader::Domain> RaplReader::OpenDomain(const std::string& dir, int package,
                                                    bool dram) {
  Domain domain{.package = package, .dram = dram, .energy_path = dir + "/energy_uj"};
  const std::string range_path = dir + "/max_energy_range_uj";
  SHARC_ASSIGN_OR_RETURN(domain.range_uj, ReadMicrojoules(range_path));
  if (domain.range_uj == 0) {
    return InternalError(range_path + ": is 0; expected the counter's range");
  }
  // Surfaces an unreadable counter (root-only) now rather than at the first sample.
  SHARC_RETURN_IF_ERROR(ReadMicrojoules(domain.energy_path).status());
  return domain;
}

StatusOr<std::unique_ptr<RaplReader>> RaplReader::Open(const std::string& root) {
  SHARC_ASSIGN_OR_RETURN(std::vector<ZoneDir> zones, ListZones(root));

  std::vector<Domain> domains;
  std::map<int, int> package_of_zone;
  std::map<int, std::string> dir_of_package;
  for (const ZoneDir& dir : zones) {
    if (dir.subzone >= 0) continue;
    SHARC_ASSIGN_OR_RETURN(std::string name, ReadName(dir.path));
    int package = PackageOfName(name);
    if (package < 0) continue;
    auto [previous, added] = dir_of_package.emplace(package, dir.path);
    if (!added) {
      return InternalError(dir.path + ": names package " + std::to_string(package) +
                           " again (already " + previous->second + ")");
    }
    package_of_zone[dir.zone] = package;
    SHARC_ASSIGN_OR_RETURN(Domain domain, OpenDomain(dir.path, package, /*dram=*/false));
    domains.push_back(std::move(domain));
  }
  for (const ZoneDir& dir : zones) {
    auto parent = package_of_zone.find(dir.zone);
    if (dir.subzone < 0 || parent == package_of_zone.end()) continue;
    SHARC_ASSIGN_OR_RETURN(std::string name, ReadName(dir.path));
    if (name != "dram") continue;  // "core", "uncore": parts of the package figure
    SHARC_ASSIGN_OR_RETURN(Domain domain, OpenDomain(dir.path, parent->second, /*dram=*/true));
    domains.push_back(std::move(domain));
  }
  if (domains.empty()) {
    return NotFoundError(root +
                         ": no RAPL package domain (no intel-rapl:<P> zone named "
                         "package-<P>): this machine exposes no RAPL energy counters");
  }

  std::sort(domains.begin(), domains.end(), [](const Domain& a, const Domain& b) {
    return std::tie(a.package, a.dram) < std::tie(b.package, b.dram);
  });
  return std::unique_ptr<RaplReader>(new RaplReader(std::move(domains)));
}

StatusOr<std::vector<RaplDomainEnergy>> RaplReader::Read() {
  // All counters first, so a failed Read leaves the previous values in place.
  std::vector<int64_t> now;
  now.reserve(domains_.size());
  for (const Domain& domain : domains_) {
    SHARC_ASSIGN_OR_RETURN(int64_t value, ReadMicrojoules(domain.energy_path));
    now.push_back(value);
  }
  std::vector<RaplDomainEnergy> energies;
  energies.reserve(domains_.size());
  for (size_t i = 0; i < domains_.size(); ++i) {
    Domain& domain = domains_[i];
    int64_t delta = 0;
    if (domain.last_uj >= 0) {
      // A counter that went down wrapped at its range.
      delta = now[i] >= domain.last_uj ? now[i] - domain.last_uj
                                       : now[i] + domain.range_uj - domain.last_uj;
      delta = std::max<int64_t>(delta, 0);  // a value beyond the range: nothing sensible
    }
    domain.last_uj = now[i];
    energies.push_back({.package = domain.package, .dram = domain.dram, .microjoules = delta});
  }
  return energies;
}

int RaplReader::packages() const {
  std::set<int> packages;
  for (const Domain& domain : domains_) packages.insert(domain.package);
  return static_cast<int>(packages.size());
}

}  // namespace sharc::agent
