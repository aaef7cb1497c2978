#include "scheduler/tenants_file.h"

#include <algorithm>
#include <cctype>
#include <set>

#include "core/file_util.h"
#include "protocol/json_fields.h"
#include "protocol/tenant_codec.h"

namespace sharc::scheduler {

using protocol::FieldReader;
using protocol::Json;

bool IsSha256Hex(std::string_view s) {
  return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
           return std::isdigit(static_cast<unsigned char>(c)) || (c >= 'a' && c <= 'f');
         });
}

StatusOr<TenantsFile> LoadTenantsFile(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  StatusOr<TenantsFile> file = ParseTenantsFile(text);
  if (!file.ok()) return file.status().WithPrefix(path);
  return file;
}

namespace {

// Reads the file's admins and tenants into `file`, checking what must be unique across the
// whole file (token hashes and ids, tenant names).
class TenantsFileReader {
 public:
  Status ReadAdmin(const Json& json, const std::string& where) {
    FieldReader a(json, where);
    AdminToken admin;
    a.RequiredString("name", &admin.name);
    a.RequiredString("token_sha256", &admin.sha256);
    a.OptionalString("role", &admin.role);
    SHARC_RETURN_IF_ERROR(a.Finish());
    if (admin.role != "admin" && admin.role != "operator" && admin.role != "auditor") {
      return InvalidArgumentError(where + ".role: '" + admin.role +
                                  "' is not a staff role; use admin, operator or auditor");
    }
    SHARC_RETURN_IF_ERROR(CheckHash(admin.sha256, where));
    file_.admins.push_back(std::move(admin));
    return Status::Ok();
  }

  Status ReadTenant(const Json& json, const std::string& where) {
    FieldReader t(json, where);
    Tenant tenant;
    t.RequiredString("name", &tenant.name);
    t.OptionalString("display_name", &tenant.display_name);
    protocol::ReadTenantSettings(t, &tenant);
    t.OptionalBool("disabled", &tenant.disabled);
    const Json* quota = t.OptionalRaw("quota");
    const Json* tokens = t.OptionalRaw("tokens");
    SHARC_RETURN_IF_ERROR(t.Finish());
    SHARC_RETURN_IF_ERROR(ValidateTenantName(tenant.name).WithPrefix(where + ".name"));
    if (!names_.insert(tenant.name).second) {
      return InvalidArgumentError(where + ".name: tenant '" + tenant.name + "' is listed twice");
    }
    if (quota) {
      SHARC_ASSIGN_OR_RETURN(tenant.quota, protocol::DecodeQuota(*quota, where + ".quota"));
    }
    if (tokens && !tokens->is_array()) return InvalidArgumentError(where + ".tokens: a list");
    for (size_t k = 0; tokens && k < tokens->size(); ++k) {
      SHARC_RETURN_IF_ERROR(
          ReadToken((*tokens)[k], tenant.name, where + ".tokens[" + std::to_string(k) + "]"));
    }
    file_.tenants.push_back(std::move(tenant));
    return Status::Ok();
  }

  TenantsFile Take() { return std::move(file_); }

 private:
  Status ReadToken(const Json& json, const std::string& tenant, const std::string& where) {
    FieldReader tok(json, where);
    ApiToken token;
    token.tenant = tenant;
    std::string role = "submitter";
    tok.OptionalString("name", &token.name);
    tok.OptionalString("role", &role);
    tok.RequiredString("token_sha256", &token.sha256);
    SHARC_RETURN_IF_ERROR(tok.Finish());
    std::optional<TokenRole> parsed = ParseTokenRole(role);
    if (!parsed) return InvalidArgumentError(where + ".role: use 'submitter' or 'viewer'");
    token.role = *parsed;
    SHARC_RETURN_IF_ERROR(CheckHash(token.sha256, where));
    token.id = token.sha256.substr(0, 12);
    // Tokens are known by their id (revoke, list): two sharing one would shadow each other.
    if (!ids_.insert(token.id).second) {
      return InvalidArgumentError(where +
                                  ".token_sha256: another token's hash starts "
                                  "with the same 12 hex digits (its id " +
                                  token.id + "); make a new token for one of them");
    }
    file_.tokens.push_back(std::move(token));
    return Status::Ok();
  }

  Status CheckHash(const std::string& hash, const std::string& where) {
    if (!IsSha256Hex(hash)) {
      return InvalidArgumentError(where +
                                  ".token_sha256: must be 64 lower-case hex digits (the output "
                                  "of: printf %s TOKEN | sha256sum)");
    }
    if (!hashes_.insert(hash).second) {
      return InvalidArgumentError(where + ".token_sha256: the same token is listed twice");
    }
    return Status::Ok();
  }

  TenantsFile file_;
  std::set<std::string> hashes_, names_, ids_;
};

}  // namespace

StatusOr<TenantsFile> ParseTenantsFile(std::string_view text) {
  SHARC_ASSIGN_OR_RETURN(Json json, protocol::ParseJsonWithComments(text));
  FieldReader root(json, "");
  const Json* admins = root.OptionalRaw("admins");
  const Json* tenants = root.OptionalRaw("tenants");
  SHARC_RETURN_IF_ERROR(root.Finish());
  if (admins && !admins->is_array()) return InvalidArgumentError("admins: must be a list");
  if (tenants && !tenants->is_array()) return InvalidArgumentError("tenants: must be a list");
  TenantsFileReader reader;
  for (size_t i = 0; admins && i < admins->size(); ++i) {
    SHARC_RETURN_IF_ERROR(reader.ReadAdmin((*admins)[i], "admins[" + std::to_string(i) + "]"));
  }
  for (size_t i = 0; tenants && i < tenants->size(); ++i) {
    SHARC_RETURN_IF_ERROR(reader.ReadTenant((*tenants)[i], "tenants[" + std::to_string(i) + "]"));
  }
  return reader.Take();
}

}  // namespace sharc::scheduler
