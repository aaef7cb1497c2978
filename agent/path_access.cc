#include "agent/path_access.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>

namespace sharc::agent {
namespace {

bool MaySearch(const struct stat& dir, const LaunchSpec::Identity& who) {
  if (dir.st_uid == who.uid) return (dir.st_mode & S_IXUSR) != 0;
  bool in_group = dir.st_gid == who.gid ||
                  std::find(who.groups.begin(), who.groups.end(), dir.st_gid) != who.groups.end();
  if (in_group) return (dir.st_mode & S_IXGRP) != 0;
  return (dir.st_mode & S_IXOTH) != 0;
}

std::string Describe(const std::string& dir, const struct stat& st) {
  char mode[8];
  std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
  return dir + " (mode " + mode + ", owned by uid " + std::to_string(st.st_uid) + " gid " +
         std::to_string(st.st_gid) + ")";
}

}  // namespace

std::optional<std::string> BlockingDirectory(const std::string& path,
                                             const LaunchSpec::Identity& who) {
  if (who.uid == 0 || path.empty() || path[0] != '/') return std::nullopt;
  struct stat root;
  if (::stat("/", &root) == 0 && !MaySearch(root, who)) return Describe("/", root);
  for (size_t end = 1; end != std::string::npos && end <= path.size();) {
    size_t slash = path.find('/', end);
    std::string dir = path.substr(0, slash == std::string::npos ? path.size() : slash);
    if (dir.empty()) dir = "/";
    struct stat st;
    if (::stat(dir.c_str(), &st) == 0 && S_ISDIR(st.st_mode) && !MaySearch(st, who)) {
      return Describe(dir, st);
    }
    end = slash == std::string::npos ? std::string::npos : slash + 1;
  }
  return std::nullopt;
}

std::string UnreachableMessage(const std::string& what, const std::string& path,
                               const LaunchSpec::Identity& who, const std::string& blocked) {
  std::string dir = blocked.substr(0, blocked.find(" (mode "));
  return what + " " + path + " is out of reach of the job's user (uid " + std::to_string(who.uid) +
         "): " + blocked + " does not let it through; allow it (e.g. chmod o+x " + dir +
         ") or choose a path it can reach";
}

Status CheckStateDirReachable(const std::string& state_dir, const IdentityPolicy& policy) {
  std::error_code ignored;
  const std::string jobs = std::filesystem::absolute(state_dir, ignored).string() + "/jobs";
  auto check = [&](const std::string& whose, const LaunchSpec::Identity& who) -> Status {
    std::optional<std::string> blocked = BlockingDirectory(jobs, who);
    if (!blocked) return Status::Ok();
    return FailedPreconditionError("state_dir: for " + whose + ", " +
                                   UnreachableMessage("the jobs directory", jobs, who, *blocked));
  };
  for (const auto& [tenant, user] : policy.users) {
    StatusOr<std::optional<LaunchSpec::Identity>> who = ResolveIdentity(policy, tenant);
    if (!who.ok() || !who->has_value()) continue;
    SHARC_RETURN_IF_ERROR(check("tenant " + tenant + "'s user", **who));
  }
  if (policy.create_users) {
    constexpr uid_t kNobody = 65534;
    SHARC_RETURN_IF_ERROR(check("a user created for a tenant", {kNobody, kNobody, {}}));
  }
  return Status::Ok();
}

}  // namespace sharc::agent
