// Who is calling. Bearer tokens identify platform staff (an admin, operator or auditor, listed
// in the tenants file) or a tenant (declared in the tenants file or issued through the API);
// only SHA-256 hashes of tokens are kept (tokens are long random strings, so a fast hash is
// enough). What each may do is scheduler/authorization.h's roles table.
#ifndef SHARC_SCHEDULER_AUTH_H_
#define SHARC_SCHEDULER_AUTH_H_

#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/tenant.h"

namespace sharc::scheduler {

struct Principal {
  // kAdmin, kOperator and kAuditor are platform staff, of no tenant.
  enum class Role { kAdmin, kOperator, kAuditor, kTenant };
  Role role = Role::kTenant;
  std::string tenant;                            // set for kTenant
  TokenRole token_role = TokenRole::kSubmitter;  // for kTenant
  std::string name;                              // the token's name, for logs and the audit log

  bool is_admin() const { return role == Role::kAdmin; }
  bool is_staff() const { return role != Role::kTenant; }
  // Whether `owner_tenant` is this principal's own: its tenant or one of its projects (an
  // enterprise's tokens reach its projects). Staff own nothing; the roles table says what
  // they may see.
  bool Owns(const std::string& owner_tenant) const {
    return !is_staff() && (tenant == owner_tenant || EnterpriseOf(owner_tenant) == tenant);
  }
  // Whether this principal may see objects of `owner_tenant`: its own, or any (staff).
  bool CanAccess(const std::string& owner_tenant) const { return is_staff() || Owns(owner_tenant); }
};

// "admin", "operator", "auditor"; "submitter" or "viewer" for a tenant's token.
std::string_view RoleName(const Principal& who);
// The staff role of a tenants-file entry: "admin", "operator" or "auditor".
std::optional<Principal::Role> ParseStaffRole(std::string_view name);

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// A new random token: 48 lower-case hex characters (192 bits) from the OS's CSPRNG.
std::string NewToken();

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_AUTH_H_
