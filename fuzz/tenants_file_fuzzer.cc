// ParseTenantsFile (scheduler/tenants_file.h): admins, tenants, quotas and token hashes, read
// at every scheduler start.
//
// Invariants: every hash is 64 lower-case hex digits and none is listed twice (so one bearer
// token never authenticates as two principals, e.g. an admin and a tenant); every token belongs
// to a tenant of the file, with the role it was given; token ids (the public handle a revoke
// names: the hash's first 12 digits) are unique, so revoking or updating one never touches
// another; tenant names are valid and unique; quotas pass ValidateTenantQuota.
#include <cstdint>
#include <set>
#include <string>

#include "core/tenant.h"
#include "fuzz/fuzz_util.h"
#include "scheduler/tenants_file.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  StatusOr<scheduler::TenantsFile> file = scheduler::ParseTenantsFile(AsText(data, size));
  if (!file.ok()) return 0;

  std::set<std::string> hashes, names, ids;
  for (const scheduler::AdminToken& admin : file->admins) {
    FUZZ_CHECK(scheduler::IsSha256Hex(admin.sha256), admin.sha256);
    FUZZ_CHECK(hashes.insert(admin.sha256).second, "hash listed twice: " + admin.sha256);
  }
  for (const Tenant& tenant : file->tenants) {
    FUZZ_CHECK(ValidateTenantName(tenant.name).ok(), tenant.name);
    FUZZ_CHECK(names.insert(tenant.name).second, "tenant listed twice: " + tenant.name);
    FUZZ_CHECK(ValidateTenantSettings(tenant).ok(), ValidateTenantSettings(tenant).message());
    FUZZ_CHECK(ValidateTenantQuota(tenant.quota).ok(), ValidateTenantQuota(tenant.quota).message());
  }
  for (const ApiToken& token : file->tokens) {
    FUZZ_CHECK(scheduler::IsSha256Hex(token.sha256), token.sha256);
    FUZZ_CHECK(hashes.insert(token.sha256).second, "hash listed twice: " + token.sha256);
    FUZZ_CHECK(names.count(token.tenant) == 1, "a token of no tenant: " + token.tenant);
    FUZZ_CHECK(token.id == token.sha256.substr(0, 12), token.id);
    FUZZ_CHECK(token.revoked == 0, "a revoked token from the file");
    FUZZ_CHECK(ids.insert(token.id).second, "two tokens share the id " + token.id);
  }
  return 0;
}
