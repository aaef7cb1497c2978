// Who is calling. Bearer tokens identify an admin (listed in the tenants file) or a tenant
// (declared in the tenants file or issued through the API); only SHA-256 hashes of tokens are
// kept (tokens are long random strings, so a fast hash is enough).
#ifndef SHARC_SCHEDULER_AUTH_H_
#define SHARC_SCHEDULER_AUTH_H_

#include <string>
#include <string_view>

#include "core/status.h"
#include "core/tenant.h"

namespace sharc::scheduler {

struct Principal {
  enum class Role { kAdmin, kTenant };
  Role role = Role::kTenant;
  std::string tenant;                            // set for kTenant
  TokenRole token_role = TokenRole::kSubmitter;  // for kTenant
  std::string name;                              // the token's name, for logs

  bool is_admin() const { return role == Role::kAdmin; }
  // Whether this principal may see objects of `owner_tenant`: its own, its projects' (an
  // enterprise's tokens reach its projects), or any (an admin).
  bool CanAccess(const std::string& owner_tenant) const {
    return is_admin() || tenant == owner_tenant || EnterpriseOf(owner_tenant) == tenant;
  }
  // Whether it may change anything (submit, cancel); viewers only read.
  bool CanWrite() const { return is_admin() || token_role == TokenRole::kSubmitter; }
};

// OK for an admin; PermissionDenied ("only an admin may do this") for anyone else.
Status AdminsOnly(const Principal& who);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// A new random token: 48 lower-case hex characters (192 bits) from the OS's CSPRNG.
std::string NewToken();

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_AUTH_H_
