#include "agent/identity_cache.h"

#include <sys/stat.h>

#include <utility>

namespace sharc::agent {
namespace {

int64_t Nanos(const struct timespec& t) {
  return static_cast<int64_t>(t.tv_sec) * 1'000'000'000 + t.tv_nsec;
}

}  // namespace

IdentityCache::IdentityCache(IdentityPolicy policy, const Clock& clock,
                             IdentityCacheOptions options)
    : IdentityCache([policy = std::move(policy)](
                        const std::string& tenant) { return ResolveIdentity(policy, tenant); },
                    clock, std::move(options)) {}

IdentityCache::IdentityCache(Resolver resolver, const Clock& clock, IdentityCacheOptions options)
    : resolver_(std::move(resolver)), clock_(clock), options_(std::move(options)) {}

std::vector<IdentityCache::FileStamp> IdentityCache::StampFiles() const {
  std::vector<FileStamp> stamps;
  stamps.reserve(options_.watched_files.size());
  for (const std::string& path : options_.watched_files) {
    struct stat st;
    FileStamp stamp;
    if (::stat(path.c_str(), &st) == 0) {
      stamp = {st.st_dev, st.st_ino, st.st_size, Nanos(st.st_mtim), Nanos(st.st_ctim)};
    }
    stamps.push_back(stamp);
  }
  return stamps;
}

StatusOr<std::optional<IdentityCache::Identity>> IdentityCache::Resolve(const std::string& tenant) {
  // Stamped before the lookup: a change made while it runs shows at the next launch.
  std::vector<FileStamp> stamps = StampFiles();
  const SteadyTime now = clock_.SteadyNow();
  if (auto it = entries_.find(tenant); it != entries_.end()) {
    const Entry& entry = it->second;
    if (entry.stamps == stamps && now - entry.resolved_at < options_.max_age) {
      return entry.identity;
    }
    entries_.erase(it);
  }
  SHARC_ASSIGN_OR_RETURN(std::optional<Identity> identity, resolver_(tenant));
  entries_[tenant] = Entry{identity, std::move(stamps), now};
  return identity;
}

}  // namespace sharc::agent
