// Who a tenant's jobs run as on this node: the unprivileged user the agent switches the job
// to (LaunchSpec::identity), so that one tenant's jobs cannot read or kill another's, nor
// touch the agent.
//
// Threading: ResolveIdentity may be called from any thread; it blocks while it looks users up
// (NSS) and, when it creates one, while useradd runs.
#ifndef SHARC_AGENT_IDENTITY_H_
#define SHARC_AGENT_IDENTITY_H_

#include <map>
#include <optional>
#include <set>
#include <string>

#include "agent/process_launcher.h"
#include "core/status.h"

namespace sharc::agent {

// From the agent's config ("identities").
struct IdentityPolicy {
  // tenant -> a user name, or "<uid>:<gid>" for numeric ids (then the only group is <gid>).
  std::map<std::string, std::string> users;
  // Create "sharc-<tenant>" (a system user with its own group, no home, no login shell) when
  // a tenant has no mapping and no such user exists. A project's user is
  // "sharc-<enterprise>.<project>": projects of one enterprise are kept apart like tenants.
  bool create_users = false;
  // Tenants that may run as root (uid 0); an explicit opt-in.
  std::set<std::string> allow_root;
};

// How ResolveIdentity acts on this machine. The defaults are the real ones; tests change them.
struct IdentityHost {
  std::optional<bool> is_root;  // nullopt: geteuid() == 0
  std::string useradd_path = "/usr/sbin/useradd";
};

// The identity `tenant`'s jobs run as: its mapped user (uid, primary gid, and every group the
// user is a member of), else the user "sharc-<tenant>" ('/' written '.') if it exists or
// create_users makes it.
// Errors:
//   InvalidArgument     not a tenant name (core/tenant.h), or a malformed "<uid>:<gid>"
//                       mapping;
//   FailedPrecondition  no user for the tenant ("no user for tenant acme on this node: map it
//                       in identities.users or set identities.create_users"), a mapped user
//                       that does not exist, useradd missing or failing;
//   PermissionDenied    the identity is root (uid 0) and the tenant is not in allow_root.
// When the agent is not root it cannot switch users: nullopt (the job runs as the agent; the
// caller says so), whatever the policy.
StatusOr<std::optional<LaunchSpec::Identity>> ResolveIdentity(const IdentityPolicy& policy,
                                                              const std::string& tenant,
                                                              const IdentityHost& host = {});

}  // namespace sharc::agent

#endif  // SHARC_AGENT_IDENTITY_H_
