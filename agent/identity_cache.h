// Remembers who each tenant's jobs run as (ResolveIdentity), so that a launch does not look
// the user and its groups up again (NSS reads /etc/passwd and /etc/group, and more, on every
// lookup). An answer is reused only while the files it may have come from are unchanged and
// it is younger than max_age:
//   - each watched file (by default /etc/passwd and /etc/group) has the same inode, size,
//     modification and change time as when the answer was looked up (useradd, usermod and
//     vipw replace or rewrite them, so an edit is seen at the next launch);
//   - max_age bounds what the files cannot show: users from other name services (LDAP, sssd,
//     systemd), or an in-place edit that keeps the size within one timestamp tick.
// Errors are never remembered: a tenant without a user is looked up (or created) again at
// its next launch.
//
// Threading: not thread-safe; the agent uses it from its io thread. Resolve blocks like
// ResolveIdentity when it has to look up.
#ifndef SHARC_AGENT_IDENTITY_CACHE_H_
#define SHARC_AGENT_IDENTITY_CACHE_H_

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "agent/identity.h"
#include "core/clock.h"

namespace sharc::agent {

struct IdentityCacheOptions {
  std::vector<std::string> watched_files = {"/etc/passwd", "/etc/group"};
  std::chrono::milliseconds max_age{std::chrono::seconds(60)};
};

class IdentityCache {
 public:
  using Identity = LaunchSpec::Identity;
  // Looks `tenant` up for real; ResolveIdentity(policy, tenant) unless a test says otherwise.
  using Resolver = std::function<StatusOr<std::optional<Identity>>(const std::string& tenant)>;

  // `clock` must outlive the cache.
  IdentityCache(IdentityPolicy policy, const Clock& clock, IdentityCacheOptions options = {});
  IdentityCache(Resolver resolver, const Clock& clock, IdentityCacheOptions options = {});

  // What ResolveIdentity(policy, tenant) answers, from memory when still valid (see above).
  StatusOr<std::optional<Identity>> Resolve(const std::string& tenant);

 private:
  // What identifies one version of a watched file; all zero when it does not exist.
  struct FileStamp {
    dev_t device = 0;
    ino_t inode = 0;
    off_t size = 0;
    int64_t mtime_ns = 0;
    int64_t ctime_ns = 0;
    bool operator==(const FileStamp&) const = default;
  };
  struct Entry {
    std::optional<Identity> identity;
    std::vector<FileStamp> stamps;
    SteadyTime resolved_at;
  };

  std::vector<FileStamp> StampFiles() const;

  Resolver resolver_;
  const Clock& clock_;
  IdentityCacheOptions options_;
  std::map<std::string, Entry> entries_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_IDENTITY_CACHE_H_
