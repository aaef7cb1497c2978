#include "agent/cgroup_v1.h"

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <limits>
#include <set>
#include <sstream>
#include <utility>

#include "agent/cgroup_files.h"
#include "core/units.h"

namespace sharc::agent {
namespace {

constexpr std::string_view kDefaultRoot = "/sys/fs/cgroup";
// Every controller this class uses, in the order of Mounts() and Describe().
constexpr std::string_view kControllers[] = {"cpuset",  "memory",  "pids",
                                             "devices", "cpuacct", "freezer"};
constexpr std::string_view kRequired[] = {"cpuset", "memory", "pids"};
// null, zero, full, random, urandom, tty, ptmx and the pseudo-terminals.
constexpr std::string_view kStandardDevices[] = {"c 1:3 rwm", "c 1:5 rwm",  "c 1:7 rwm",
                                                 "c 1:8 rwm", "c 1:9 rwm",  "c 5:0 rwm",
                                                 "c 5:2 rwm", "c 136:* rwm"};

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string_view::npos) return parts;
    start = end + 1;
  }
}

// mountinfo writes space, tab, newline and backslash in paths as \040, \011, \012, \134.
std::string UnescapeOctal(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\\' && i + 3 < text.size() &&
        std::all_of(text.begin() + i + 1, text.begin() + i + 4,
                    [](char c) { return c >= '0' && c <= '7'; })) {
      out += static_cast<char>((text[i + 1] - '0') * 64 + (text[i + 2] - '0') * 8 +
                               (text[i + 3] - '0'));
      i += 3;
    } else {
      out += text[i];
    }
  }
  return out;
}

bool IsUsedController(std::string_view name) {
  return std::find(std::begin(kControllers), std::end(kControllers), name) !=
         std::end(kControllers);
}

// A v1 cpuset takes no tasks until cpus and mems are set: copy them from the level above.
Status CopyCpusetDown(const std::string& from, const std::string& to) {
  for (const char* file : {"/cpuset.cpus", "/cpuset.mems"}) {
    SHARC_ASSIGN_OR_RETURN(std::string current, ReadControlFile(to + file));
    if (!TrimSpace(current).empty()) continue;
    SHARC_ASSIGN_OR_RETURN(std::string above, ReadControlFile(from + file));
    SHARC_RETURN_IF_ERROR(WriteControlFile(to + file, TrimSpace(above)));
  }
  return Status::Ok();
}

// "0-3,8" for `list`, or the parent's value (`parent_file`) when `list` is empty.
StatusOr<std::string> ListOrParent(const std::vector<int>& list, const std::string& parent_file) {
  if (!list.empty()) return FormatCpuList(list);
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadControlFile(parent_file));
  return std::string(TrimSpace(text));
}

Status ValidateLimits(const JobLimits& limits) {
  for (int cpu : limits.cpus) {
    if (cpu < 0) return InvalidArgumentError("cpus: " + std::to_string(cpu) + " is negative");
  }
  for (int mem : limits.mems) {
    if (mem < 0) return InvalidArgumentError("mems: " + std::to_string(mem) + " is negative");
  }
  if (limits.memory_bytes < 0) return InvalidArgumentError("memory_bytes: must not be negative");
  if (limits.pids_max < 0) return InvalidArgumentError("pids_max: must not be negative");
  return Status::Ok();
}

}  // namespace

CgroupV1::Hierarchies CgroupV1::ParseMountInfo(std::string_view mountinfo) {
  Hierarchies found;
  for (std::string_view line : Split(mountinfo, '\n')) {
    // "<id> <parent> <dev> <root> <mount point> <options> [optional...] - <type> <src> <super>"
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    std::vector<std::string_view> before = Split(line.substr(0, dash), ' ');
    std::vector<std::string_view> after = Split(line.substr(dash + 3), ' ');
    if (before.size() < 5 || after.size() < 3 || after[0] != "cgroup") continue;
    std::string mount_point = UnescapeOctal(before[4]);
    for (std::string_view option : Split(after[2], ',')) {
      if (IsUsedController(option)) found.emplace(std::string(option), mount_point);
    }
  }
  return found;
}

CgroupV1::Hierarchies CgroupV1::Find(const CgroupOptions& options) {
  if (options.root == kDefaultRoot) {
    StatusOr<std::string> mountinfo = ReadControlFile("/proc/self/mountinfo");
    return mountinfo.ok() ? ParseMountInfo(*mountinfo) : Hierarchies();
  }
  Hierarchies found;
  for (std::string_view controller : kControllers) {
    std::string dir = options.root + "/" + std::string(controller);
    if (PathExists(dir + "/cgroup.procs")) found.emplace(std::string(controller), dir);
  }
  return found;
}

StatusOr<std::unique_ptr<CgroupV1>> CgroupV1::Open(const CgroupOptions& options,
                                                   Hierarchies hierarchies) {
  SHARC_RETURN_IF_ERROR(ValidateParentPath(options.parent));
  std::string missing;
  int missing_count = 0;
  for (std::string_view controller : kRequired) {
    if (hierarchies.count(std::string(controller)) > 0) continue;
    missing += (missing.empty() ? "" : ", ") + std::string(controller);
    ++missing_count;
  }
  if (!missing.empty()) {
    return UnavailableError(
        "no cgroup hierarchy with the " + missing + " controller" + (missing_count > 1 ? "s" : "") +
        " is mounted" +
        (options.root == kDefaultRoot ? " (see /proc/self/mountinfo)" : " under " + options.root));
  }
  std::unique_ptr<CgroupV1> manager(new CgroupV1(options.parent, std::move(hierarchies)));
  // Create "sharc", then "sharc/n1", ... in every hierarchy.
  std::string above;
  for (std::string_view level : Split(options.parent, '/')) {
    std::string path = above.empty() ? std::string(level) : above + "/" + std::string(level);
    for (const std::string& mount : manager->Mounts()) {
      bool created = false;
      Status s = MakeGroupDir(mount + "/" + path, &created);
      if (!s.ok()) return Status(StatusCode::kUnavailable, "cgroup v1: " + s.message());
    }
    const std::string& cpuset = manager->hierarchies_.at("cpuset");
    Status s = CopyCpusetDown(above.empty() ? cpuset : cpuset + "/" + above, cpuset + "/" + path);
    if (!s.ok()) return Status(StatusCode::kUnavailable, "cgroup v1: " + s.message());
    above = path;
  }
  for (const std::string& mount : manager->Mounts()) {
    Status s = CheckWritable(mount + "/" + options.parent);
    if (!s.ok()) return Status(StatusCode::kUnavailable, "cgroup v1: " + s.message());
  }
  return manager;
}

CgroupV1::CgroupV1(std::string parent, Hierarchies hierarchies)
    : parent_(std::move(parent)), hierarchies_(std::move(hierarchies)) {}

std::string CgroupV1::Describe() const {
  std::string used;
  for (std::string_view controller : kControllers) {
    if (Has(std::string(controller))) {
      used += (used.empty() ? "" : ", ") + std::string(controller);
    }
  }
  if (!Has("devices")) used += "; devices not enforced: no devices hierarchy";
  if (!Has("cpuacct")) used += "; no CPU time: no cpuacct hierarchy";
  if (!Has("freezer")) used += "; kills without freezing: no freezer hierarchy";
  return "cgroup v1 (" + used + ")";
}

std::string CgroupV1::Dir(const std::string& controller, const std::string& name) const {
  std::string dir = hierarchies_.at(controller) + "/" + parent_;
  return name.empty() ? dir : dir + "/" + name;
}

std::vector<std::string> CgroupV1::Mounts() const {
  std::vector<std::string> mounts;
  for (std::string_view controller : kControllers) {
    auto it = hierarchies_.find(std::string(controller));
    if (it == hierarchies_.end()) continue;
    if (std::find(mounts.begin(), mounts.end(), it->second) == mounts.end()) {
      mounts.push_back(it->second);
    }
  }
  return mounts;
}

StatusOr<std::string> CgroupV1::FormatDeviceRule(const DeviceRule& rule) {
  std::string access = rule.access;
  std::sort(access.begin(), access.end());
  bool access_ok = !access.empty() &&
                   std::adjacent_find(access.begin(), access.end()) == access.end() &&
                   access.find_first_not_of("mrw") == std::string::npos;
  if ((rule.type != 'c' && rule.type != 'b') || rule.major < 0 || rule.minor < -1 || !access_ok) {
    return InvalidArgumentError(
        "device rule '" + std::string(1, rule.type) + " " + std::to_string(rule.major) + ":" +
        std::to_string(rule.minor) + " " + rule.access +
        "': type must be 'c' or 'b', major >= 0, minor >= 0 or -1 (any), access a non-empty "
        "subset of \"rwm\"");
  }
  return std::string(1, rule.type) + " " + std::to_string(rule.major) + ":" +
         (rule.minor < 0 ? "*" : std::to_string(rule.minor)) + " " + rule.access;
}

Status CgroupV1::Create(const std::string& name, const JobLimits& limits) {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  SHARC_RETURN_IF_ERROR(ValidateLimits(limits));
  if (limits.allowed_devices.has_value()) {
    for (const DeviceRule& rule : *limits.allowed_devices) {
      SHARC_RETURN_IF_ERROR(FormatDeviceRule(rule).status());
    }
  }
  std::vector<std::string> created;
  Status status;
  for (const std::string& mount : Mounts()) {
    std::string dir = mount + "/" + parent_ + "/" + name;
    bool made = false;
    status = MakeGroupDir(dir, &made);
    if (!status.ok()) break;
    if (made) created.push_back(dir);
  }
  if (status.ok()) status = WriteLimits(name, limits);
  if (!status.ok()) {
    for (const std::string& dir : created) (void)RemoveGroupDir(dir);  // best effort
  }
  return status;
}

Status CgroupV1::WriteLimits(const std::string& name, const JobLimits& limits) {
  const std::string cpuset = Dir("cpuset", name);
  SHARC_ASSIGN_OR_RETURN(std::string cpus,
                         ListOrParent(limits.cpus, Dir("cpuset") + "/cpuset.cpus"));
  SHARC_RETURN_IF_ERROR(WriteControlFile(cpuset + "/cpuset.cpus", cpus));
  SHARC_ASSIGN_OR_RETURN(std::string mems,
                         ListOrParent(limits.mems, Dir("cpuset") + "/cpuset.mems"));
  SHARC_RETURN_IF_ERROR(WriteControlFile(cpuset + "/cpuset.mems", mems));

  SHARC_RETURN_IF_ERROR(WriteMemory(Dir("memory", name), limits.memory_bytes));

  SHARC_RETURN_IF_ERROR(
      WriteControlFile(Dir("pids", name) + "/pids.max",
                       limits.pids_max > 0 ? std::to_string(limits.pids_max) : "max"));

  if (limits.allowed_devices.has_value() && Has("devices")) {
    const std::string devices = Dir("devices", name);
    std::vector<std::string> rules(std::begin(kStandardDevices), std::end(kStandardDevices));
    for (const DeviceRule& rule : *limits.allowed_devices) {
      SHARC_ASSIGN_OR_RETURN(std::string text, FormatDeviceRule(rule));
      rules.push_back(std::move(text));
    }
    SHARC_RETURN_IF_ERROR(WriteControlFile(devices + "/devices.deny", "a"));
    SHARC_RETURN_IF_ERROR(WriteControlLines(devices + "/devices.allow", rules));
  }
  return Status::Ok();
}

Status CgroupV1::WriteMemory(const std::string& dir, int64_t bytes) {
  const std::string limit = dir + "/memory.limit_in_bytes";
  const std::string memsw = dir + "/memory.memsw.limit_in_bytes";
  const std::string value = bytes > 0 ? std::to_string(bytes) : "-1";
  if (!PathExists(memsw)) {
    // No swap accounting: the closest to "no swap" is not to prefer swapping this group.
    SHARC_RETURN_IF_ERROR(WriteControlFile(limit, value));
    return WriteControlFile(dir + "/memory.swappiness", "0");
  }
  // The kernel keeps memsw >= limit at every step: raise memsw first, lower it last.
  SHARC_ASSIGN_OR_RETURN(int64_t current, ReadControlInt(limit));
  int64_t wanted = bytes > 0 ? bytes : std::numeric_limits<int64_t>::max();
  if (wanted > current) {
    SHARC_RETURN_IF_ERROR(WriteControlFile(memsw, value));
    return WriteControlFile(limit, value);
  }
  SHARC_RETURN_IF_ERROR(WriteControlFile(limit, value));
  return WriteControlFile(memsw, value);
}

std::vector<std::string> CgroupV1::ProcsFiles(const std::string& name) const {
  std::vector<std::string> files;
  for (const std::string& mount : Mounts()) {
    files.push_back(mount + "/" + parent_ + "/" + name + "/cgroup.procs");
  }
  return files;
}

StatusOr<std::vector<int>> CgroupV1::Pids(const std::string& name) const {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  std::set<int> pids;
  bool found = false;
  for (const std::string& file : ProcsFiles(name)) {
    StatusOr<std::vector<int>> some = ReadProcsFile(file);
    if (!some.ok() && some.status().code() == StatusCode::kNotFound) continue;
    if (!some.ok()) return some.status();
    found = true;
    pids.insert(some->begin(), some->end());
  }
  if (!found) return NotFoundError("no cgroup " + parent_ + "/" + name + " in any hierarchy");
  return std::vector<int>(pids.begin(), pids.end());
}

Status CgroupV1::KillAll(const std::string& name) {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  auto list = [&]() -> StatusOr<std::vector<int>> {
    StatusOr<std::vector<int>> pids = Pids(name);
    if (!pids.ok() && pids.status().code() == StatusCode::kNotFound) return std::vector<int>();
    return pids;
  };
  // An empty group stays empty (only root can move a process in), so it needs no freezing:
  // each freeze and thaw costs the kernel a code patch (a static key) on every CPU.
  SHARC_ASSIGN_OR_RETURN(std::vector<int> present, list());
  if (present.empty()) return Status::Ok();
  const std::string state = Has("freezer") ? Dir("freezer", name) + "/freezer.state" : "";
  if (!state.empty() && PathExists(state) && WriteControlFile(state, "FROZEN").ok()) {
    // Frozen, nothing forks or exits, so one pass sees every process. A task stuck in the
    // kernel can keep the group FREEZING: then the loop below finishes the job.
    PollUntil(
        [&] {
          StatusOr<std::string> now = ReadControlFile(state);
          return !now.ok() || TrimSpace(*now) == "FROZEN";
        },
        kCgroupFreezeTimeout);
    StatusOr<std::vector<int>> pids = list();
    if (pids.ok()) KillPids(*pids);
    // The SIGKILLs are delivered once the tasks thaw.
    SHARC_RETURN_IF_ERROR(WriteControlFile(state, "THAWED"));
  }
  return KillUntilEmpty(list, "cgroup " + parent_ + "/" + name);
}

StatusOr<JobUsage> CgroupV1::Usage(const std::string& name) const {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  JobUsage usage;
  if (Has("cpuacct")) {
    SHARC_ASSIGN_OR_RETURN(int64_t ns, ReadControlInt(Dir("cpuacct", name) + "/cpuacct.usage"));
    usage.cpu_time_ms = ns / 1'000'000;
  }
  const std::string memory = Dir("memory", name);
  SHARC_ASSIGN_OR_RETURN(usage.peak_memory_bytes,
                         ReadControlInt(memory + "/memory.max_usage_in_bytes"));
  SHARC_ASSIGN_OR_RETURN(std::string oom_control, ReadControlFile(memory + "/memory.oom_control"));
  if (std::optional<int64_t> kills = FindKeyedValue(oom_control, "oom_kill")) {
    usage.oom_killed = *kills > 0;
  } else {
    SHARC_ASSIGN_OR_RETURN(int64_t failcnt, ReadControlInt(memory + "/memory.failcnt"));
    usage.oom_killed = failcnt > 0;
  }
  return usage;
}

StatusOr<std::map<int, int64_t>> CgroupV1::CpuTimePerCpuMicros(const std::string& name) const {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  std::map<int, int64_t> per_cpu;
  if (!Has("cpuacct")) return per_cpu;
  const std::string path = Dir("cpuacct", name) + "/cpuacct.usage_percpu";
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadControlFile(path));
  std::istringstream in(text);
  std::string field;
  for (int cpu = 0; in >> field; ++cpu) {
    int64_t ns = 0;
    auto [end, error] = std::from_chars(field.data(), field.data() + field.size(), ns);
    if (error != std::errc() || end != field.data() + field.size() || ns < 0) {
      return InternalError(path + ": not a CPU time: \"" + field + "\"");
    }
    if (ns >= 1000) per_cpu[cpu] = ns / 1000;
  }
  return per_cpu;
}

Status CgroupV1::Remove(const std::string& name) {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  Status first_error;
  for (const std::string& mount : Mounts()) {
    Status s = RemoveGroupDir(mount + "/" + parent_ + "/" + name);
    if (!s.ok() && first_error.ok()) first_error = s;
  }
  return first_error;
}

}  // namespace sharc::agent
