// The cgroup v1 CgroupManager: one hierarchy per controller (or per set of co-mounted
// controllers, e.g. "cpu,cpuacct"); a job's group is <mount>/<parent>/<job> in each.
//
// Controllers: cpuset, memory and pids are required; cpuacct (CPU time), devices (device
// allow-list) and freezer (a kill a fork bomb cannot outrun) are used when mounted, and
// Describe() names the missing ones. Created through CgroupManager::Open; not thread-safe.
#ifndef SHARC_AGENT_CGROUP_V1_H_
#define SHARC_AGENT_CGROUP_V1_H_

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "agent/cgroup_manager.h"
#include "core/status.h"

namespace sharc::agent {

class CgroupV1 final : public CgroupManager {
 public:
  // Controller name ("memory") -> the directory its hierarchy is mounted at. Only the
  // controllers this class uses appear; co-mounted ones share a directory.
  using Hierarchies = std::map<std::string, std::string>;

  // The v1 hierarchies named in a /proc/self/mountinfo text: each "cgroup" mount's
  // controllers (from its super options) mapped to its mount point (octal escapes such as
  // \040 decoded). The first mount of a controller wins.
  static Hierarchies ParseMountInfo(std::string_view mountinfo);

  // From /proc/self/mountinfo when options.root is the default "/sys/fs/cgroup"; otherwise
  // the `<root>/<controller>` directories that exist (a fake tree in tests).
  static Hierarchies Find(const CgroupOptions& options);

  // Unavailable unless cpuset, memory and pids are in `hierarchies`, or when the parent group
  // cannot be created in every hierarchy. Creates each level of options.parent, copying
  // cpuset.cpus and cpuset.mems down from the level above where they are empty (v1 cpusets
  // take no tasks until both are set).
  static StatusOr<std::unique_ptr<CgroupV1>> Open(const CgroupOptions& options,
                                                  Hierarchies hierarchies);

  CgroupVersion version() const override { return CgroupVersion::kV1; }
  std::string ParentDir() const override { return Dir("memory"); }
  std::string Describe() const override;
  // Writes, in order: cpuset.cpus (the parent's when limits.cpus is empty), cpuset.mems (the
  // parent's when empty); memory.limit_in_bytes ("-1" when 0) and memory.memsw.limit_in_bytes
  // to the same value when that file exists (no swap), else memory.swappiness "0"; pids.max
  // ("max" when 0); and when allowed_devices is set and devices is mounted, "a" into
  // devices.deny and then one rule per write into devices.allow: the standard set, then the
  // job's. memory.oom_control is left alone, so the OOM killer kills inside the group.
  Status Create(const std::string& name, const JobLimits& limits) override;
  std::vector<std::string> ProcsFiles(const std::string& name) const override;
  // The union over all hierarchies (sorted); NotFound when the group exists in none.
  StatusOr<std::vector<int>> Pids(const std::string& name) const override;
  // Nothing to do for a group that is empty (or does not exist). Otherwise, with freezer:
  // FROZEN, wait (bounded) until frozen, SIGKILL every pid, THAWED; then (and without
  // freezer, directly) SIGKILL whatever is left until the group is empty, bounded.
  Status KillAll(const std::string& name) override;
  // cpuacct.usage (0 without cpuacct), memory.max_usage_in_bytes, and oom_killed from
  // memory.oom_control's "oom_kill N" (N > 0). Kernels before 4.13 lack that line; then
  // memory.failcnt > 0 stands in, which also counts limit hits that reclaim absorbed.
  StatusOr<JobUsage> Usage(const std::string& name) const override;
  // cpuacct.usage_percpu: nanoseconds per CPU, the i-th figure for CPU OS index i. Empty
  // without cpuacct.
  StatusOr<std::map<int, int64_t>> CpuTimePerCpuMicros(const std::string& name) const override;
  Status Remove(const std::string& name) override;

  // "c 195:0 rwm", "c 136:* rw"; InvalidArgument for a type other than c/b, a negative
  // major, a minor below -1, or access that is not a non-empty subset of "rwm".
  static StatusOr<std::string> FormatDeviceRule(const DeviceRule& rule);

 private:
  CgroupV1(std::string parent, Hierarchies hierarchies);

  // <mount of controller>/<parent>[/<name>]
  std::string Dir(const std::string& controller, const std::string& name = "") const;
  bool Has(const std::string& controller) const { return hierarchies_.count(controller) > 0; }
  // Each distinct mount directory of the used controllers, in a fixed order.
  std::vector<std::string> Mounts() const;
  Status WriteLimits(const std::string& name, const JobLimits& limits);
  Status WriteMemory(const std::string& dir, int64_t bytes);

  std::string parent_;
  Hierarchies hierarchies_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_CGROUP_V1_H_
