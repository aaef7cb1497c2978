// The cgroup v2 CgroupManager: one unified hierarchy at options.root; a job's group is
// <root>/<parent>/<job>. Uses cpuset, memory and pids (enabled in cgroup.subtree_control of
// the root and of every level of the parent) and the core files every v2 group has (cpu.stat,
// cgroup.kill, cgroup.freeze). Devices are not enforced: that needs an eBPF program.
// Created through CgroupManager::Open; not thread-safe.
#ifndef SHARC_AGENT_CGROUP_V2_H_
#define SHARC_AGENT_CGROUP_V2_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/cgroup_manager.h"
#include "core/status.h"

namespace sharc::agent {

class CgroupV2 final : public CgroupManager {
 public:
  // Unavailable unless <root>/cgroup.controllers lists cpuset, memory and pids, and every
  // level of options.parent can be created and can enable them: writes "+cpuset +memory
  // +pids" into the cgroup.subtree_control of the root and of each level that does not list
  // all three yet.
  static StatusOr<std::unique_ptr<CgroupV2>> Open(const CgroupOptions& options);

  CgroupVersion version() const override { return CgroupVersion::kV2; }
  std::string ParentDir() const override { return root_ + "/" + parent_; }
  std::string Describe() const override;
  // Writes cpuset.cpus and cpuset.mems (an empty list writes "", which on v2 means "the
  // parent's"), memory.max ("max" when 0), memory.swap.max "0" when the file exists (it
  // does not without swap accounting), and pids.max ("max" when 0). allowed_devices is
  // accepted and not enforced (see Describe()).
  Status Create(const std::string& name, const JobLimits& limits) override;
  std::vector<std::string> ProcsFiles(const std::string& name) const override;
  StatusOr<std::vector<int>> Pids(const std::string& name) const override;
  // cgroup.kill when the kernel has it (5.14+); otherwise cgroup.freeze "1", a bounded wait
  // for "frozen 1" in cgroup.events, SIGKILL to every pid, cgroup.freeze "0". Then SIGKILLs
  // what is left until the group is empty, bounded. A missing group is already empty.
  Status KillAll(const std::string& name) override;
  // cpu.stat usage_usec, memory.peak (0 before kernel 5.19, which lacks it), and oom_killed
  // from memory.events "oom_kill N" (N > 0).
  StatusOr<JobUsage> Usage(const std::string& name) const override;
  // v2 has no per-CPU figure: cpu.stat usage_usec split evenly over the group's CPUs
  // (cpuset.cpus.effective, else cpuset.cpus; the remainder to the lowest CPUs), which is
  // exact for attribution by package as long as the grant lies within one package.
  StatusOr<std::map<int, int64_t>> CpuTimePerCpuMicros(const std::string& name) const override;
  Status Remove(const std::string& name) override;

 private:
  CgroupV2(std::string root, std::string parent);
  std::string Dir(const std::string& name) const { return root_ + "/" + parent_ + "/" + name; }
  Status WriteLimits(const std::string& dir, const JobLimits& limits);

  std::string root_;
  std::string parent_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_CGROUP_V2_H_
