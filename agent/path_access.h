// Whether a job's user can reach a path: the check behind the messages that name the
// directory a job cannot get through, at the agent's start and at each launch.
#ifndef SHARC_AGENT_PATH_ACCESS_H_
#define SHARC_AGENT_PATH_ACCESS_H_

#include <optional>
#include <string>

#include "agent/identity.h"
#include "agent/process_launcher.h"
#include "core/status.h"

namespace sharc::agent {

// The first directory on the way to `path` (from "/" down to `path` itself, when it is a
// directory) that `who` may not search, described for people: "/tmp/x (mode 0700, owned by
// uid 0)". nullopt when every one lets `who` through, or when `who` is root. Judged from the
// mode bits, owner and group of each directory (no ACLs); a directory that cannot be
// examined is skipped.
std::optional<std::string> BlockingDirectory(const std::string& path,
                                             const LaunchSpec::Identity& who);

// The advice for a BlockingDirectory result `blocked`, e.g. "...: /tmp/x (mode 0700, owned by
// uid 0) does not let uid 1001 through; run chmod o+x /tmp/x".
std::string UnreachableMessage(const std::string& what, const std::string& path,
                               const LaunchSpec::Identity& who, const std::string& blocked);

// At the agent's start, when it runs jobs as their tenants' users: each user `policy` maps a
// tenant to, and (when it creates users on demand) a user that owns none of the directories
// and is in none of their groups, can get through to `state_dir`'s jobs directory.
// FailedPrecondition naming the tenant, the directory in the way and the change to make.
// Users that do not exist are left for the launch to report.
Status CheckStateDirReachable(const std::string& state_dir, const IdentityPolicy& policy);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_PATH_ACCESS_H_
