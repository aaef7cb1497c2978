// Tenants and their tokens in memory: the declarative file's and the store's, merged. Changes
// come back as store mutations for the caller to commit before it acknowledges them.
// Only used on the scheduler's state thread.
#ifndef SHARC_SCHEDULER_TENANT_BOOK_H_
#define SHARC_SCHEDULER_TENANT_BOOK_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "scheduler/auth.h"
#include "scheduler/tenants_file.h"
#include "store/store.h"

namespace sharc::scheduler {

// What an admin asks for when issuing a tenant token.
struct TokenRequest {
  TokenRole role = TokenRole::kSubmitter;
  std::string name;                       // what it is for, e.g. "ci"; at most 64 characters
  std::chrono::milliseconds lifetime{0};  // it expires this long after issue; 0 = never
};

class TenantBook {
 public:
  void Restore(std::vector<Tenant> tenants, std::vector<ApiToken> tokens);
  // The file wins for what it names: its tenants and tokens replace stored ones of the same
  // name or hash. Its admins (and operators and auditors) are the only platform staff.
  void ApplyFile(const TenantsFile& file, UnixMillis now, std::vector<store::Mutation>* out);

  // Unauthenticated unless the token is a staff member's or a tenant token neither revoked nor
  // expired at `now` (checked at every request, so a keep-alive connection loses access the
  // moment its token does).
  StatusOr<Principal> Authenticate(const std::optional<std::string>& bearer_token,
                                   UnixMillis now) const;

  const Tenant* Find(const std::string& name) const;
  std::vector<const Tenant*> List() const;

  // Create and Update change nothing and return InvalidArgument for a tenant the rules refuse
  // or the store could not read back. AlreadyExists for a taken name; the tenant is validated
  // first.
  StatusOr<Tenant> Create(Tenant tenant, UnixMillis now, std::vector<store::Mutation>* out);
  // Replaces an existing tenant's mutable fields (display name, disabled, quota).
  StatusOr<Tenant> Update(const Tenant& tenant, std::vector<store::Mutation>* out);

  // Returns the token record and the token itself, which is never stored or shown again.
  StatusOr<std::pair<ApiToken, std::string>> IssueToken(const std::string& tenant,
                                                        const TokenRequest& request, UnixMillis now,
                                                        std::vector<store::Mutation>* out);
  // Takes effect at once. NotFound for an unknown id; FailedPrecondition if already revoked.
  StatusOr<ApiToken> RevokeToken(const std::string& id, UnixMillis now,
                                 std::vector<store::Mutation>* out);
  std::vector<const ApiToken*> TokensOf(const std::string& tenant) const;

 private:
  void PutToken(const ApiToken& token);

  std::map<std::string, Tenant> tenants_;
  std::map<std::string, ApiToken> tokens_;      // by id
  std::map<std::string, std::string> by_hash_;  // sha256 -> token id
  struct Staff {
    std::string name;
    Principal::Role role;
  };
  std::map<std::string, Staff> admins_;  // sha256 -> staff member
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_TENANT_BOOK_H_
