// Puts every job in its own cgroup and enforces its grant with the kernel: exactly its CPUs
// and their NUMA memory nodes (cpuset), its memory as a hard limit with swap off where the
// kernel allows (memory), a process limit (pids), only its devices (devices), and a kill that
// reaches every process in the group, including ones that double-forked or left their session.
// Reads back CPU time, peak memory and whether the OOM killer struck.
//
// Both hierarchies are supported and detected at run time:
//   v2  a unified hierarchy at the root (cgroup.controllers there) with the controllers enabled;
//   v1  per-controller hierarchies (this machine and CI: cpu, cpuacct, cpuset, memory,
//       devices, pids, freezer mounted separately).
// Device control on v2 needs an eBPF program; it is not implemented and Describe() says so.
//
// Layout: <root>/<parent>/<job> in v2; <root>/<controller>/<parent>/<job> in v1, where
// <parent> is e.g. "sharc/<node>" (one per agent, so several agents can share a machine).
// Not thread-safe; the agent uses it from its io thread.
#ifndef SHARC_AGENT_CGROUP_MANAGER_H_
#define SHARC_AGENT_CGROUP_MANAGER_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace sharc::agent {

enum class CgroupVersion { kV1, kV2 };

struct CgroupOptions {
  // Where the hierarchies are mounted; tests point this at a fake tree in a temp dir.
  std::string root = "/sys/fs/cgroup";
  // The agent's parent group under each hierarchy, e.g. "sharc/n1".
  std::string parent = "sharc";
  // nullopt: detect. Tests of a fake tree say which layout it imitates.
  std::optional<CgroupVersion> force_version;
};

// A device the job may use, as the v1 devices controller writes it: "c 195:0 rwm".
struct DeviceRule {
  char type = 'c';  // 'c' or 'b'
  int major = 0;
  int minor = -1;  // -1 = any ("*")
  std::string access = "rwm";
};

struct JobLimits {
  std::vector<int> cpus;     // PU OS indices; empty = leave CPUs alone (simulated binding)
  std::vector<int> mems;     // NUMA node OS indices for cpuset.mems; empty = all
  int64_t memory_bytes = 0;  // hard limit; 0 = none
  int64_t pids_max = 0;      // 0 = none
  // nullopt = leave devices alone; otherwise deny all but these (plus the standard character
  // devices every process needs: null, zero, full, random, urandom, tty, ptmx, pts).
  std::optional<std::vector<DeviceRule>> allowed_devices;
};

struct JobUsage {
  int64_t cpu_time_ms = 0;
  int64_t peak_memory_bytes = 0;  // 0 if the kernel does not report it
  bool oom_killed = false;        // the OOM killer killed a process of the job
};

class CgroupManager {
 public:
  // Detects the hierarchy, checks the needed controllers are there and writable, and creates
  // the parent group (copying cpuset.cpus/mems down on v1). Unavailable with a message saying
  // what is missing ("no cgroup hierarchy with the memory controller is mounted") when jobs
  // cannot be put in cgroups.
  static StatusOr<std::unique_ptr<CgroupManager>> Open(const CgroupOptions& options);
  virtual ~CgroupManager() = default;

  virtual CgroupVersion version() const = 0;
  // The parent group's directory (in the memory controller's hierarchy on v1), which the agent
  // locks so that no second agent shares its job groups.
  virtual std::string ParentDir() const = 0;
  // e.g. "cgroup v1 (cpuset, memory, pids, devices, cpuacct, freezer)" or
  // "cgroup v2 (cpuset, memory, pids, cpu; devices not enforced: needs eBPF)".
  virtual std::string Describe() const = 0;

  // Creates the job's group (name like "job-12.1") and writes its limits. Creating a group
  // that exists (an agent restart) reuses it. On failure nothing is left behind.
  virtual Status Create(const std::string& name, const JobLimits& limits) = 0;
  // The files a process writes its own pid into to join the group: one per hierarchy. The
  // launcher's job child writes them before exec.
  virtual std::vector<std::string> ProcsFiles(const std::string& name) const = 0;
  // The pids in the group now.
  virtual StatusOr<std::vector<int>> Pids(const std::string& name) const = 0;
  // SIGKILLs every process of the group (freezing it first where possible, so a fork bomb
  // cannot outrun the kill) and waits, bounded, until it is empty.
  virtual Status KillAll(const std::string& name) = 0;
  virtual StatusOr<JobUsage> Usage(const std::string& name) const = 0;
  // The group's cumulative CPU time on each CPU (PU OS index -> microseconds), for energy
  // attribution (energy/attribution.h). CPUs it never ran on may be absent or 0. Empty when
  // the hierarchy cannot say (v1 without cpuacct).
  virtual StatusOr<std::map<int, int64_t>> CpuTimePerCpuMicros(const std::string& name) const = 0;
  // Removes the (empty) group. OK if it is already gone.
  virtual Status Remove(const std::string& name) = 0;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_CGROUP_MANAGER_H_
