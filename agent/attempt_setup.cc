#include "agent/attempt_setup.h"

#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <climits>
#include <set>
#include <string_view>

#include "agent/agent_lease.h"
#include "agent/job_environment.h"
#include "agent/path_access.h"
#include "core/file_util.h"

namespace sharc::agent {
namespace {

// The device files of granted NVIDIA GPUs (/dev/nvidiaN, nvidiactl, nvidia-uvm*), as they
// exist on this node; none on a node without them.
std::vector<DeviceRule> GpuDevices(const std::vector<int>& gpus) {
  std::vector<DeviceRule> rules;
  auto add = [&](const std::string& path) {
    struct stat st;
    if (::stat(path.c_str(), &st) == 0 && S_ISCHR(st.st_mode)) {
      rules.push_back(
          {'c', static_cast<int>(major(st.st_rdev)), static_cast<int>(minor(st.st_rdev)), "rwm"});
    }
  };
  for (int gpu : gpus) add("/dev/nvidia" + std::to_string(gpu));
  if (!gpus.empty()) {
    for (const char* shared : {"/dev/nvidiactl", "/dev/nvidia-uvm", "/dev/nvidia-uvm-tools"}) {
      add(shared);
    }
  }
  return rules;
}

// The attempt's own directory; its parent, <state>/jobs, is made by MakeStateDirectories.
Status MakeAttemptDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0700) == 0) return Status::Ok();
  if (errno != EEXIST) return InternalError(dir + ": " + ErrnoText(errno));
  return MakeDirectories(dir, 0700);  // checks that it is a directory
}

// Whether this node has the CPUs and GPUs of `part`.
Status CheckPartFits(const NodeTopology& topology, const NodeAllocation& part) {
  for (int cpu : part.cpus) {
    bool known = std::any_of(topology.pus.begin(), topology.pus.end(),
                             [&](const PuInfo& pu) { return pu.os_index == cpu; });
    if (!known) return InvalidArgumentError("this node has no CPU " + std::to_string(cpu));
  }
  for (int gpu : part.gpus) {
    bool known = std::any_of(topology.gpus.begin(), topology.gpus.end(),
                             [&](const GpuInfo& g) { return g.index == gpu; });
    if (!known) return InvalidArgumentError("this node has no GPU " + std::to_string(gpu));
  }
  return Status::Ok();
}

}  // namespace

Status MakeStateDirectories(const std::string& state_dir) {
  SHARC_RETURN_IF_ERROR(MakeDirectories(state_dir + "/jobs", 0711));
  SHARC_RETURN_IF_ERROR(MakeDirectories(state_dir + "/status", 0700));
  // Modes an older agent (or an operator) left otherwise are put right.
  if (::chmod((state_dir + "/jobs").c_str(), 0711) != 0 ||
      ::chmod((state_dir + "/status").c_str(), 0700) != 0) {
    return InternalError(state_dir + ": chmod: " + ErrnoText(errno));
  }
  return Status::Ok();
}

std::string AttemptDirPath(const std::string& state_dir, const AttemptId& a) {
  return state_dir + "/jobs/" + std::to_string(a.job.value) + "." + std::to_string(a.attempt);
}

std::string StatusPath(const std::string& state_dir, const AttemptId& a) {
  return state_dir + "/status/" + std::to_string(a.job.value) + "." + std::to_string(a.attempt);
}

std::string CgroupName(const AttemptId& a) {
  return "job-" + std::to_string(a.job.value) + "." + std::to_string(a.attempt);
}

std::optional<AttemptId> ParseAttemptDirName(const std::string& name) {
  size_t dot = name.find('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size()) return std::nullopt;
  auto number = [](std::string_view digits, int64_t* out) {
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), *out);
    return error == std::errc() && end == digits.data() + digits.size() && *out > 0;
  };
  int64_t job = 0, attempt = 0;
  std::string_view text(name);
  if (!number(text.substr(0, dot), &job) || !number(text.substr(dot + 1), &attempt) ||
      attempt > INT32_MAX) {
    return std::nullopt;
  }
  return AttemptId{JobId{job}, static_cast<int32_t>(attempt)};
}

std::string AttemptName(const AttemptId& attempt) {
  return "job " + std::to_string(attempt.job.value) + " attempt " + std::to_string(attempt.attempt);
}

StatusOr<const NodeAllocation*> LocalPart(const protocol::LaunchMsg& launch,
                                          const std::string& node_name) {
  const NodeAllocation* part = launch.part();
  const std::string rank = "rank " + std::to_string(launch.rank);
  if (!part) {
    return InvalidArgumentError("launched with " + rank + ", but the allocation has " +
                                std::to_string(launch.allocation.nodes.size()) +
                                " part(s): no part is this node's");
  }
  if (part->node != node_name) {
    return InvalidArgumentError("launched with " + rank + ", the part of node " + part->node +
                                ", but this is " + node_name);
  }
  return part;
}

StatusOr<LaunchSpec> SetUpAttempt(const SetupOptions& o, const NodeTopology& topology,
                                  const protocol::LaunchMsg& launch, const NodeAllocation& part,
                                  std::string* cgroup) {
  SHARC_RETURN_IF_ERROR(CheckPartFits(topology, part));
  const AttemptId id = launch.attempt;
  std::optional<LaunchSpec::Identity> identity;
  if (o.switch_users) {
    SHARC_ASSIGN_OR_RETURN(identity, o.identity_cache != nullptr
                                         ? o.identity_cache->Resolve(launch.tenant)
                                         : ResolveIdentity(o.identities, launch.tenant));
  }
  std::string dir = AttemptDirPath(o.state_dir, id);
  SHARC_RETURN_IF_ERROR(MakeAttemptDir(dir));
  // A status file of an earlier launch of this attempt (one the agent did not live to record,
  // dated since by job_dir_retention.h) is not this launch's end.
  if (std::string status = StatusPath(o.state_dir, id);
      ::unlink(status.c_str()) != 0 && errno != ENOENT) {
    return InternalError(status +
                         ": cannot remove an earlier launch's status: " + ErrnoText(errno));
  }
  if (identity && ::chown(dir.c_str(), identity->uid, identity->gid) != 0) {
    return InternalError(dir + ": chown: " + ErrnoText(errno));
  }
  if (identity) {
    if (std::optional<std::string> blocked = BlockingDirectory(dir, *identity)) {
      return FailedPreconditionError(
          UnreachableMessage("the job's directory", dir, *identity, *blocked));
    }
  }

  if (launch.spec.num_nodes > 1) {
    std::string hostfile = dir + "/hostfile";
    SHARC_RETURN_IF_ERROR(WriteFileAtomically(hostfile, BuildHostfile(launch), 0644));
    if (identity && ::chown(hostfile.c_str(), identity->uid, identity->gid) != 0) {
      return InternalError(hostfile + ": chown: " + ErrnoText(errno));
    }
  }

  LaunchSpec spec;
  spec.argv = launch.spec.command;
  spec.env = BuildJobEnvironment(launch, part, dir, o.job_path);
  spec.work_dir = dir;
  spec.stdout_path = dir + "/stdout";
  spec.stderr_path = dir + "/stderr";
  spec.status_path = StatusPath(o.state_dir, id);
  if (!part.binding_simulated) spec.bind_cpus = part.cpus;
  spec.identity = identity;
  spec.no_new_privs = !o.allow_setuid;
  spec.own_namespaces = o.job_namespaces;
  spec.monitor_program = o.monitor_program;
  if (o.fence_after_ms > 0) {
    spec.lease_path = LeasePath(o.state_dir);
    spec.fence_after_ms = o.fence_after_ms;
  }

  if (o.cgroups) {
    JobLimits limits;
    if (!part.binding_simulated) {
      limits.cpus = part.cpus;
      std::set<int> mems;
      for (int cpu : part.cpus) {
        for (const PuInfo& pu : topology.pus) {
          if (pu.os_index == cpu) mems.insert(pu.numa);
        }
      }
      limits.mems.assign(mems.begin(), mems.end());
      if (o.restrict_devices) limits.allowed_devices = GpuDevices(part.gpus);
    }
    limits.memory_bytes = part.memory_bytes;
    limits.pids_max = o.pids_max;
    std::string name = CgroupName(id);
    SHARC_RETURN_IF_ERROR(o.cgroups->Create(name, limits).WithPrefix("cgroup"));
    spec.join_files = o.cgroups->ProcsFiles(name);
    *cgroup = name;
  }
  return spec;
}

}  // namespace sharc::agent
