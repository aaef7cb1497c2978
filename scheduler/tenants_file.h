// The declarative tenants file (configs/tenants.example.json): admins, and tenants with their
// quotas and tokens. At start-up the file wins for what it names; tenants and tokens created
// through the API live in the store.
//
//   {"admins":  [{"name": "ops", "token_sha256": "<64 hex>"},
//                {"name": "night", "role": "operator", "token_sha256": "<64 hex>"}],
//    "tenants": [{"name": "acme", "display_name": "ACME Corp",
//                 "quota": {"guaranteed": "cpu=8,memory=32G", "max": "cpu=16"},
//                 "tokens": [{"name": "ci", "role": "submitter", "token_sha256": "<64 hex>"}]}]}
#ifndef SHARC_SCHEDULER_TENANTS_FILE_H_
#define SHARC_SCHEDULER_TENANTS_FILE_H_

#include <string>
#include <vector>

#include "core/status.h"
#include "core/tenant.h"

namespace sharc::scheduler {

// A token of platform staff; `role` is "admin" (the default), "operator" or "auditor"
// (scheduler/authorization.h says what each may do).
struct AdminToken {
  std::string name;
  std::string sha256;
  std::string role = "admin";
};

struct TenantsFile {
  std::vector<AdminToken> admins;
  std::vector<Tenant> tenants;
  std::vector<ApiToken> tokens;  // of the tenants above; id = the hash's first 12 digits
};

StatusOr<TenantsFile> LoadTenantsFile(const std::string& path);
StatusOr<TenantsFile> ParseTenantsFile(std::string_view text);

// "The output of: printf %s TOKEN | sha256sum" check: 64 lower-case hex digits.
bool IsSha256Hex(std::string_view text);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_TENANTS_FILE_H_
