#include "agent/cgroup_v2.h"

#include <algorithm>
#include <sstream>
#include <utility>

#include "agent/cgroup_files.h"
#include "core/units.h"

namespace sharc::agent {
namespace {

constexpr const char* kNeeded[] = {"cpuset", "memory", "pids"};

bool ListsWord(const std::string& text, const std::string& word) {
  std::istringstream words(text);
  std::string each;
  while (words >> each) {
    if (each == word) return true;
  }
  return false;
}

// Lets the children of `dir` use the three controllers.
Status EnableControllers(const std::string& dir) {
  const std::string file = dir + "/cgroup.subtree_control";
  SHARC_ASSIGN_OR_RETURN(std::string enabled, ReadControlFile(file));
  bool all = true;
  for (const char* controller : kNeeded) all = all && ListsWord(enabled, controller);
  if (all) return Status::Ok();
  return WriteControlFile(file, "+cpuset +memory +pids");
}

StatusOr<std::vector<int>> PidsOrNone(const std::string& procs) {
  StatusOr<std::vector<int>> pids = ReadProcsFile(procs);
  if (!pids.ok() && pids.status().code() == StatusCode::kNotFound) return std::vector<int>();
  return pids;
}

}  // namespace

StatusOr<std::unique_ptr<CgroupV2>> CgroupV2::Open(const CgroupOptions& options) {
  SHARC_RETURN_IF_ERROR(ValidateParentPath(options.parent));
  auto unavailable = [](const Status& s) {
    return Status(StatusCode::kUnavailable, "cgroup v2: " + s.message());
  };
  StatusOr<std::string> controllers = ReadControlFile(options.root + "/cgroup.controllers");
  if (!controllers.ok()) return unavailable(controllers.status());
  std::string missing;
  for (const char* controller : kNeeded) {
    if (!ListsWord(*controllers, controller)) missing += std::string(" ") + controller;
  }
  if (!missing.empty()) {
    return UnavailableError("cgroup v2 at " + options.root + " lacks controllers:" + missing +
                            " (its cgroup.controllers: \"" + std::string(TrimSpace(*controllers)) +
                            "\")");
  }
  if (Status s = EnableControllers(options.root); !s.ok()) return unavailable(s);
  std::string dir = options.root;
  std::istringstream levels(options.parent);
  std::string level;
  while (std::getline(levels, level, '/')) {
    dir += "/" + level;
    bool created = false;
    if (Status s = MakeGroupDir(dir, &created); !s.ok()) return unavailable(s);
    if (Status s = EnableControllers(dir); !s.ok()) return unavailable(s);
  }
  if (Status s = CheckWritable(dir); !s.ok()) return unavailable(s);
  return std::unique_ptr<CgroupV2>(new CgroupV2(options.root, options.parent));
}

CgroupV2::CgroupV2(std::string root, std::string parent)
    : root_(std::move(root)), parent_(std::move(parent)) {}

std::string CgroupV2::Describe() const {
  return "cgroup v2 (cpuset, memory, pids; CPU time from cpu.stat; devices not enforced: "
         "needs eBPF)";
}

// Devices: v2 has no devices.allow; enforcing an allow-list needs a BPF_CGROUP_DEVICE
// program attached to the group, which sharc does not have. Create accepts allowed_devices
// and writes nothing for it, without logging per job: Describe() states it once, and the
// agent reports Describe() at start-up.
Status CgroupV2::Create(const std::string& name, const JobLimits& limits) {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  if (limits.memory_bytes < 0 || limits.pids_max < 0) {
    return InvalidArgumentError("memory_bytes and pids_max must not be negative");
  }
  for (const std::vector<int>* list : {&limits.cpus, &limits.mems}) {
    for (int index : *list) {
      if (index < 0) return InvalidArgumentError("cpus/mems: " + std::to_string(index));
    }
  }
  const std::string dir = Dir(name);
  bool created = false;
  SHARC_RETURN_IF_ERROR(MakeGroupDir(dir, &created));
  Status status = WriteLimits(dir, limits);
  if (!status.ok() && created) (void)RemoveGroupDir(dir);  // best effort
  return status;
}

Status CgroupV2::WriteLimits(const std::string& dir, const JobLimits& limits) {
  SHARC_RETURN_IF_ERROR(WriteControlFile(dir + "/cpuset.cpus", FormatCpuList(limits.cpus)));
  SHARC_RETURN_IF_ERROR(WriteControlFile(dir + "/cpuset.mems", FormatCpuList(limits.mems)));
  SHARC_RETURN_IF_ERROR(WriteControlFile(
      dir + "/memory.max", limits.memory_bytes > 0 ? std::to_string(limits.memory_bytes) : "max"));
  if (PathExists(dir + "/memory.swap.max")) {
    SHARC_RETURN_IF_ERROR(WriteControlFile(dir + "/memory.swap.max", "0"));
  }
  return WriteControlFile(dir + "/pids.max",
                          limits.pids_max > 0 ? std::to_string(limits.pids_max) : "max");
}

std::vector<std::string> CgroupV2::ProcsFiles(const std::string& name) const {
  return {Dir(name) + "/cgroup.procs"};
}

StatusOr<std::vector<int>> CgroupV2::Pids(const std::string& name) const {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  return ReadProcsFile(Dir(name) + "/cgroup.procs");
}

Status CgroupV2::KillAll(const std::string& name) {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  const std::string dir = Dir(name);
  auto list = [procs = dir + "/cgroup.procs"] { return PidsOrNone(procs); };
  if (!PathExists(dir)) return Status::Ok();
  if (PathExists(dir + "/cgroup.kill")) {
    // The kernel kills every task, including ones forked while it runs.
    SHARC_RETURN_IF_ERROR(WriteControlFile(dir + "/cgroup.kill", "1"));
  } else if (PathExists(dir + "/cgroup.freeze") &&
             WriteControlFile(dir + "/cgroup.freeze", "1").ok()) {
    PollUntil(
        [&] {
          StatusOr<std::string> events = ReadControlFile(dir + "/cgroup.events");
          return !events.ok() || FindKeyedValue(*events, "frozen") == 1;
        },
        kCgroupFreezeTimeout);
    StatusOr<std::vector<int>> pids = list();
    if (pids.ok()) KillPids(*pids);
    SHARC_RETURN_IF_ERROR(WriteControlFile(dir + "/cgroup.freeze", "0"));
  }
  return KillUntilEmpty(list, "cgroup " + parent_ + "/" + name);
}

StatusOr<JobUsage> CgroupV2::Usage(const std::string& name) const {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  const std::string dir = Dir(name);
  JobUsage usage;
  SHARC_ASSIGN_OR_RETURN(std::string cpu_stat, ReadControlFile(dir + "/cpu.stat"));
  std::optional<int64_t> usec = FindKeyedValue(cpu_stat, "usage_usec");
  if (!usec.has_value()) return InternalError(dir + "/cpu.stat: no usage_usec line");
  usage.cpu_time_ms = *usec / 1000;
  if (PathExists(dir + "/memory.peak")) {
    SHARC_ASSIGN_OR_RETURN(usage.peak_memory_bytes, ReadControlInt(dir + "/memory.peak"));
  }
  SHARC_ASSIGN_OR_RETURN(std::string events, ReadControlFile(dir + "/memory.events"));
  usage.oom_killed = FindKeyedValue(events, "oom_kill").value_or(0) > 0;
  return usage;
}

StatusOr<std::map<int, int64_t>> CgroupV2::CpuTimePerCpuMicros(const std::string& name) const {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  const std::string dir = Dir(name);
  SHARC_ASSIGN_OR_RETURN(std::string cpu_stat, ReadControlFile(dir + "/cpu.stat"));
  const int64_t usec = FindKeyedValue(cpu_stat, "usage_usec").value_or(0);
  std::string cpus_file = dir + "/cpuset.cpus.effective";
  if (!PathExists(cpus_file)) cpus_file = dir + "/cpuset.cpus";
  SHARC_ASSIGN_OR_RETURN(std::string cpus_text, ReadControlFile(cpus_file));
  StatusOr<std::vector<int>> cpus = ParseCpuList(TrimSpace(cpus_text));
  if (!cpus.ok()) return cpus.status().WithPrefix(cpus_file);
  std::map<int, int64_t> per_cpu;
  if (cpus->empty()) return per_cpu;
  std::sort(cpus->begin(), cpus->end());
  const int64_t n = static_cast<int64_t>(cpus->size());
  for (int64_t i = 0; i < n; ++i) per_cpu[(*cpus)[i]] = usec / n + (i < usec % n ? 1 : 0);
  return per_cpu;
}

Status CgroupV2::Remove(const std::string& name) {
  SHARC_RETURN_IF_ERROR(ValidateGroupName(name));
  return RemoveGroupDir(Dir(name));
}

}  // namespace sharc::agent
