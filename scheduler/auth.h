// Who is calling: bearer tokens identify a tenant or an admin. Only SHA-256 hashes of tokens
// are kept (tokens are long random strings, so a fast hash is enough), loaded from the tenants
// file (configs/tenants.example.json):
//   {"admins":  [{"name": "ops", "token_sha256": "<64 hex>"}],
//    "tenants": [{"name": "acme", "tokens": [{"name": "ci", "token_sha256": "<64 hex>"}]}]}
#ifndef SHARC_SCHEDULER_AUTH_H_
#define SHARC_SCHEDULER_AUTH_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace sharc::scheduler {

struct Principal {
  enum class Role { kAdmin, kTenant };
  Role role = Role::kTenant;
  std::string tenant;  // set for kTenant
  std::string name;    // the token's name, for logs

  bool is_admin() const { return role == Role::kAdmin; }
  // Whether this principal may see or touch objects of `owner_tenant`.
  bool CanAccess(const std::string& owner_tenant) const {
    return is_admin() || tenant == owner_tenant;
  }
};

// Lower-case hex SHA-256 of `data`.
std::string Sha256Hex(std::string_view data);

// Tenant names: 1..63 of [a-z0-9_-], starting with a letter or digit.
Status ValidateTenantName(std::string_view name);

class Authenticator {
 public:
  Authenticator() = default;  // knows nobody

  static StatusOr<Authenticator> FromTenantsFile(const std::string& path);
  static StatusOr<Authenticator> FromJsonText(std::string_view text);

  // Unauthenticated ("no bearer token given" / "unknown token") unless the token's hash is
  // known.
  StatusOr<Principal> Authenticate(const std::optional<std::string>& bearer_token) const;

  const std::vector<std::string>& tenants() const { return tenants_; }
  bool HasTenant(const std::string& name) const;

 private:
  std::map<std::string, Principal> by_hash_;
  std::vector<std::string> tenants_;  // sorted
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_AUTH_H_
