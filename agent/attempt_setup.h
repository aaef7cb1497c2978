// Everything an attempt needs before its processes start: its directories (the job's own,
// owned by the tenant's user; the status file's, root-only), who it runs as, and its cgroup
// with the grant's limits. Used by AttemptRunner; no Asio.
#ifndef SHARC_AGENT_ATTEMPT_SETUP_H_
#define SHARC_AGENT_ATTEMPT_SETUP_H_

#include <memory>
#include <optional>
#include <string>

#include "agent/cgroup_manager.h"
#include "agent/identity.h"
#include "agent/identity_cache.h"
#include "agent/process_launcher.h"
#include "core/node.h"
#include "protocol/agent_messages.h"

namespace sharc::agent {

struct SetupOptions {
  std::string state_dir;             // <state>/jobs/<id>.<attempt>/ and <state>/status/
  std::string job_path;              // PATH for jobs that set none
  CgroupManager* cgroups = nullptr;  // null: no cgroups on this node
  IdentityPolicy identities;
  // Remembers `identities`' answers across launches (the runner makes one when this is
  // null); null here means a fresh lookup at every launch.
  IdentityCache* identity_cache = nullptr;
  bool switch_users = true;      // false when the agent is not root
  int64_t pids_max = 4096;       // per job
  bool restrict_devices = true;  // only the granted GPUs' device files (cgroup v1)
  bool allow_setuid = false;     // else jobs run with no_new_privs (LaunchSpec)
  bool job_namespaces = false;   // LaunchSpec::own_namespaces
  std::string monitor_program;   // LaunchSpec::monitor_program ("": next to the agent)
  // LaunchSpec::fence_after_ms, with the lease at LeasePath(state_dir); 0: none. The agent
  // learns it from the scheduler at registration, before any launch.
  int64_t fence_after_ms = 0;
};

// Makes the directories every attempt's live in, once, when the agent starts (before the
// first SetUpAttempt): <state>/jobs, traversable by all and listable by root only (each
// attempt's directory in it is its user's alone), and <state>/status, root's alone, so that a
// job cannot forge its exit status. Made at start, not with the first attempt, so that an
// agent stopped half-way through making them leaves nothing its successor could miss.
Status MakeStateDirectories(const std::string& state_dir);

// Paths of an attempt (whether or not it still runs).
std::string AttemptDirPath(const std::string& state_dir, const AttemptId& attempt);
std::string StatusPath(const std::string& state_dir, const AttemptId& attempt);
std::string CgroupName(const AttemptId& attempt);
// How logs name an attempt: "job 12 attempt 3".
std::string AttemptName(const AttemptId& attempt);
// The attempt an attempt directory's name ("12.3") stands for; nullopt for any other name.
std::optional<AttemptId> ParseAttemptDirName(const std::string& name);

// This node's part of `launch`'s allocation. InvalidArgument, saying why, if the launch's rank
// is not an index of its allocation or the part at that rank names another node than
// `node_name` (a launch meant for another node, or a scheduler that got the rank wrong).
StatusOr<const NodeAllocation*> LocalPart(const protocol::LaunchMsg& launch,
                                          const std::string& node_name);

// Prepares the attempt and returns the LaunchSpec to start it with: bound and limited to
// `part`, this node's part of the launch (LocalPart). InvalidArgument if this node has not
// every CPU and GPU of `part` (a scheduler with a stale inventory). On failure nothing is left
// behind (no cgroup). `cgroup` is set to the group's name when one was created. A status file an
// earlier launch of the same attempt left (StatusPath) is removed.
StatusOr<LaunchSpec> SetUpAttempt(const SetupOptions& options, const NodeTopology& topology,
                                  const protocol::LaunchMsg& launch, const NodeAllocation& part,
                                  std::string* cgroup);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ATTEMPT_SETUP_H_
