#include "scheduler/auth.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

#include "core/file_util.h"
#include "protocol/json_fields.h"

namespace sharc::scheduler {
namespace {

using protocol::FieldReader;
using protocol::Json;

bool IsSha256Hex(const std::string& s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr);
  static const char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += kHex[digest[i] >> 4];
    out += kHex[digest[i] & 15];
  }
  return out;
}

Status ValidateTenantName(std::string_view name) {
  bool ok = !name.empty() && name.size() <= 63 && std::isalnum(static_cast<unsigned char>(name[0]));
  for (unsigned char c : name) {
    if (!(std::islower(c) || std::isdigit(c) || c == '-' || c == '_')) ok = false;
  }
  if (ok) return Status::Ok();
  return InvalidArgumentError("tenant name '" + std::string(name) +
                              "': use 1 to 63 lower-case letters, digits, '-' or '_'");
}

StatusOr<Authenticator> Authenticator::FromTenantsFile(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  StatusOr<Authenticator> auth = FromJsonText(text);
  if (!auth.ok()) return auth.status().WithPrefix(path);
  return auth;
}

StatusOr<Authenticator> Authenticator::FromJsonText(std::string_view text) {
  SHARC_ASSIGN_OR_RETURN(Json json, protocol::ParseJsonWithComments(text));
  Authenticator auth;
  auto add = [&](const std::string& hash, Principal principal, const std::string& where) {
    if (!IsSha256Hex(hash)) {
      return InvalidArgumentError(where +
                                  ".token_sha256: must be 64 lower-case hex digits (the output "
                                  "of: printf %s TOKEN | sha256sum)");
    }
    if (!auth.by_hash_.emplace(hash, std::move(principal)).second) {
      return InvalidArgumentError(where + ".token_sha256: the same token is listed twice");
    }
    return Status::Ok();
  };
  FieldReader root(json, "");
  const Json* admins = root.OptionalRaw("admins");
  const Json* tenants = root.OptionalRaw("tenants");
  SHARC_RETURN_IF_ERROR(root.Finish());
  if (admins && !admins->is_array()) return InvalidArgumentError("admins: must be a list");
  if (tenants && !tenants->is_array()) return InvalidArgumentError("tenants: must be a list");
  for (size_t i = 0; admins && i < admins->size(); ++i) {
    std::string where = "admins[" + std::to_string(i) + "]";
    FieldReader a((*admins)[i], where);
    Principal p{Principal::Role::kAdmin, "", ""};
    std::string hash;
    a.RequiredString("name", &p.name);
    a.RequiredString("token_sha256", &hash);
    SHARC_RETURN_IF_ERROR(a.Finish());
    SHARC_RETURN_IF_ERROR(add(hash, p, where));
  }
  for (size_t i = 0; tenants && i < tenants->size(); ++i) {
    std::string where = "tenants[" + std::to_string(i) + "]";
    FieldReader t((*tenants)[i], where);
    std::string name;
    t.RequiredString("name", &name);
    const Json* tokens = t.OptionalRaw("tokens");
    SHARC_RETURN_IF_ERROR(t.Finish());
    SHARC_RETURN_IF_ERROR(ValidateTenantName(name).WithPrefix(where + ".name"));
    if (auth.HasTenant(name)) {
      return InvalidArgumentError(where + ".name: tenant '" + name + "' is listed twice");
    }
    auth.tenants_.insert(std::lower_bound(auth.tenants_.begin(), auth.tenants_.end(), name),
                         name);
    if (tokens && !tokens->is_array()) return InvalidArgumentError(where + ".tokens: a list");
    for (size_t k = 0; tokens && k < tokens->size(); ++k) {
      std::string token_where = where + ".tokens[" + std::to_string(k) + "]";
      FieldReader tok((*tokens)[k], token_where);
      Principal p{Principal::Role::kTenant, name, ""};
      std::string hash;
      tok.OptionalString("name", &p.name);
      tok.RequiredString("token_sha256", &hash);
      SHARC_RETURN_IF_ERROR(tok.Finish());
      SHARC_RETURN_IF_ERROR(add(hash, p, token_where));
    }
  }
  return auth;
}

StatusOr<Principal> Authenticator::Authenticate(
    const std::optional<std::string>& bearer_token) const {
  if (!bearer_token || bearer_token->empty()) {
    return UnauthenticatedError(
        "no bearer token given: set SHARC_TOKEN or pass --token (header 'Authorization: "
        "Bearer <token>')");
  }
  auto it = by_hash_.find(Sha256Hex(*bearer_token));
  if (it == by_hash_.end()) return UnauthenticatedError("unknown or revoked token");
  return it->second;
}

bool Authenticator::HasTenant(const std::string& name) const {
  return std::binary_search(tenants_.begin(), tenants_.end(), name);
}

}  // namespace sharc::scheduler
