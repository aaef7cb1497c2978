#include "scheduler/tenant_book.h"

#include "store/stored_records.h"

namespace sharc::scheduler {
namespace {

// What a new or changed tenant passes before memory changes: the tenant rules, and that the
// store can write it and read it back. A record the store refused at commit time would stop
// the scheduler (a failed commit is fatal); here it is an InvalidArgument for the request.
Status CheckTenantChange(const Tenant& tenant) {
  SHARC_RETURN_IF_ERROR(ValidateTenantQuota(tenant.quota));
  SHARC_RETURN_IF_ERROR(ValidateTenantSettings(tenant));
  if (tenant.display_name.size() > 128) {
    return InvalidArgumentError("display_name: at most 128 characters");
  }
  return store::EncodeStoredRecord(store::PutTenant{tenant}).status();
}

}  // namespace

void TenantBook::PutToken(const ApiToken& token) {
  if (auto it = tokens_.find(token.id); it != tokens_.end()) by_hash_.erase(it->second.sha256);
  tokens_[token.id] = token;
  by_hash_[token.sha256] = token.id;
}

void TenantBook::Restore(std::vector<Tenant> tenants, std::vector<ApiToken> tokens) {
  for (Tenant& t : tenants) tenants_[t.name] = std::move(t);
  for (const ApiToken& token : tokens) PutToken(token);
}

void TenantBook::ApplyFile(const TenantsFile& file, UnixMillis now,
                           std::vector<store::Mutation>* out) {
  admins_.clear();
  for (const AdminToken& admin : file.admins) {
    admins_[admin.sha256] = {admin.name,
                             ParseStaffRole(admin.role).value_or(Principal::Role::kAdmin)};
  }
  for (Tenant tenant : file.tenants) {
    auto existing = tenants_.find(tenant.name);
    tenant.created = existing != tenants_.end() ? existing->second.created : now;
    if (existing != tenants_.end() && existing->second == tenant) continue;
    tenants_[tenant.name] = tenant;
    out->push_back(store::PutTenant{tenant});
  }
  for (ApiToken token : file.tokens) {
    auto by_hash = by_hash_.find(token.sha256);
    if (by_hash != by_hash_.end()) {
      const ApiToken& stored = tokens_.at(by_hash->second);
      token.id = stored.id;
      token.created = stored.created;
    } else {
      token.created = now;
    }
    if (auto it = tokens_.find(token.id); it != tokens_.end() && it->second == token) continue;
    PutToken(token);
    out->push_back(store::PutToken{token});
  }
}

StatusOr<Principal> TenantBook::Authenticate(const std::optional<std::string>& bearer_token,
                                             UnixMillis now) const {
  if (!bearer_token || bearer_token->empty()) {
    return UnauthenticatedError(
        "no bearer token given: set SHARC_TOKEN or pass --token (header 'Authorization: "
        "Bearer <token>')");
  }
  std::string hash = Sha256Hex(*bearer_token);
  if (auto admin = admins_.find(hash); admin != admins_.end()) {
    return Principal{admin->second.role, "", TokenRole::kSubmitter, admin->second.name};
  }
  auto id = by_hash_.find(hash);
  if (id == by_hash_.end()) return UnauthenticatedError("unknown or revoked token");
  const ApiToken& token = tokens_.at(id->second);
  if (token.revoked != 0) return UnauthenticatedError("unknown or revoked token");
  if (token.expires != 0 && now >= token.expires) {
    return UnauthenticatedError("token " + token.id + " expired at " +
                                FormatRfc3339(token.expires) + "; ask an admin for a new one");
  }
  return Principal{Principal::Role::kTenant, token.tenant, token.role, token.name};
}

const Tenant* TenantBook::Find(const std::string& name) const {
  auto it = tenants_.find(name);
  return it == tenants_.end() ? nullptr : &it->second;
}

std::vector<const Tenant*> TenantBook::List() const {
  std::vector<const Tenant*> out;
  for (const auto& [name, tenant] : tenants_) out.push_back(&tenant);
  return out;
}

StatusOr<Tenant> TenantBook::Create(Tenant tenant, UnixMillis now,
                                    std::vector<store::Mutation>* out) {
  SHARC_RETURN_IF_ERROR(ValidateTenantName(tenant.name).WithPrefix("name"));
  tenant.created = now;
  SHARC_RETURN_IF_ERROR(CheckTenantChange(tenant));
  if (tenants_.count(tenant.name)) {
    return AlreadyExistsError("tenant '" + tenant.name + "' already exists");
  }
  tenants_[tenant.name] = tenant;
  out->push_back(store::PutTenant{tenant});
  return tenant;
}

StatusOr<Tenant> TenantBook::Update(const Tenant& tenant, std::vector<store::Mutation>* out) {
  auto it = tenants_.find(tenant.name);
  if (it == tenants_.end()) return NotFoundError("tenant '" + tenant.name + "' not found");
  Tenant updated = tenant;
  updated.created = it->second.created;
  SHARC_RETURN_IF_ERROR(CheckTenantChange(updated));
  it->second = updated;
  out->push_back(store::PutTenant{updated});
  return updated;
}

StatusOr<std::pair<ApiToken, std::string>> TenantBook::IssueToken(
    const std::string& tenant, const TokenRequest& request, UnixMillis now,
    std::vector<store::Mutation>* out) {
  if (!tenants_.count(tenant)) return NotFoundError("tenant '" + tenant + "' not found");
  if (request.name.size() > 64) return InvalidArgumentError("name: at most 64 characters");
  if (request.lifetime.count() < 0) {
    return InvalidArgumentError(
        "expires_in: must be positive, or absent for a token that never expires");
  }
  std::string secret = NewToken();
  while (tokens_.count(Sha256Hex(secret).substr(0, 12))) secret = NewToken();  // ids are unique
  ApiToken token;
  token.sha256 = Sha256Hex(secret);
  token.id = token.sha256.substr(0, 12);
  token.tenant = tenant;
  token.role = request.role;
  token.name = request.name;
  token.created = now;
  if (request.lifetime.count() > 0) token.expires = now + request.lifetime.count();
  PutToken(token);
  out->push_back(store::PutToken{token});
  return std::make_pair(token, secret);
}

StatusOr<ApiToken> TenantBook::RevokeToken(const std::string& id, UnixMillis now,
                                           std::vector<store::Mutation>* out) {
  auto it = tokens_.find(id);
  if (it == tokens_.end()) return NotFoundError("token '" + id + "' not found");
  if (it->second.revoked != 0) {
    return FailedPreconditionError("token '" + id + "' is already revoked");
  }
  it->second.revoked = now;
  out->push_back(store::PutToken{it->second});
  return it->second;
}

std::vector<const ApiToken*> TenantBook::TokensOf(const std::string& tenant) const {
  std::vector<const ApiToken*> out;
  for (const auto& [id, token] : tokens_) {
    if (token.tenant == tenant) out.push_back(&token);
  }
  return out;
}

}  // namespace sharc::scheduler
