// The tenant decoders of protocol/tenant_codec.h: the REST bodies of POST /v1/tenants,
// PATCH /v1/tenants/{name} and POST /v1/tenants/{name}/tokens, read the way
// scheduler/rest_tenants.cc reads them (FieldReader, ReadTenantSettings, DecodeQuota,
// MergeQuota), and the store forms DecodeTenant, DecodeToken, DecodeGrant, DecodeLedgerEntry.
//
// Invariants: a token body that names a tenant, a hash or an id is refused (those come from
// the path and the scheduler, never from the body); every store form re-encodes to the same
// value (a quota written with FormatResourceList reads back exactly); a merged quota still
// passes ValidateTenantQuota.
#include <cstdint>
#include <string>

#include "core/credit.h"
#include "core/tenant.h"
#include "fuzz/fuzz_util.h"
#include "protocol/json_fields.h"
#include "protocol/tenant_codec.h"

namespace sharc::fuzz {
namespace {

using protocol::FieldReader;
using protocol::Json;

// Encode, dump, parse and decode again: the value must come back unchanged.
template <typename T, typename Encode, typename Decode>
void CheckRoundTrip(const T& value, Encode encode, Decode decode, const char* what) {
  std::string text = protocol::DumpJson(encode(value));
  StatusOr<Json> json = protocol::ParseJson(text);
  FUZZ_CHECK(json.ok(), json.status().message());
  StatusOr<T> again = decode(*json, "again");
  FUZZ_CHECK(again.ok(), std::string(what) + ": " + again.status().message() + "\n" + text);
  FUZZ_CHECK(*again == value, std::string(what) + " changed through its encoding: " + text);
}

void CheckQuota(const TenantQuota& quota) {
  FUZZ_CHECK(ValidateTenantQuota(quota).ok(), ValidateTenantQuota(quota).message());
  CheckRoundTrip(quota, protocol::EncodeQuota, protocol::DecodeQuota, "quota");
}

// POST /v1/tenants.
void CreateTenantBody(const Json& body) {
  FieldReader r(body, "");
  Tenant tenant;
  r.RequiredString("name", &tenant.name);
  r.OptionalString("display_name", &tenant.display_name);
  protocol::ReadTenantSettings(r, &tenant);
  const Json* quota = r.OptionalRaw("quota");
  if (!r.Finish().ok()) return;
  FUZZ_CHECK(ValidateTenantSettings(tenant).ok(), ValidateTenantSettings(tenant).message());
  for (const char* server_side : {"created", "disabled", "tokens"}) {
    FUZZ_CHECK(!body.contains(server_side), std::string("accepted ") + server_side);
  }
  if (quota) {
    StatusOr<TenantQuota> q = protocol::DecodeQuota(*quota, "quota");
    if (q.ok()) CheckQuota(*q);
  }
}

// PATCH /v1/tenants/{name}: merged onto a tenant that already has a quota.
void PatchTenantBody(const Json& body) {
  Tenant tenant;
  tenant.name = "acme";
  tenant.quota.guaranteed.Set("cpu", 8000);
  tenant.quota.guaranteed.Set("memory", int64_t{64} << 30);
  tenant.quota.max.Set("cpu", 16000);
  tenant.quota.max_pending_jobs = 100;
  FieldReader r(body, "");
  r.OptionalString("display_name", &tenant.display_name);
  protocol::ReadTenantSettings(r, &tenant);
  const Json* quota = r.OptionalRaw("quota");
  if (!r.Finish().ok()) return;
  FUZZ_CHECK(!body.contains("name"), "a PATCH renamed the tenant");
  if (quota && protocol::MergeQuota(*quota, "quota", &tenant.quota).ok()) {
    CheckQuota(tenant.quota);
  }
}

// POST /v1/tenants/{name}/tokens.
void IssueTokenBody(const Json& body) {
  FieldReader r(body, "");
  std::string role = "submitter", name;
  r.OptionalString("role", &role);
  r.OptionalString("name", &name);
  if (!r.Finish().ok()) return;
  for (const char* bound : {"tenant", "sha256", "token_sha256", "id", "token", "admin"}) {
    FUZZ_CHECK(!body.contains(bound), std::string("a token body set its ") + bound);
  }
}

}  // namespace
}  // namespace sharc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  StatusOr<Json> body = protocol::ParseJson(AsText(data, size), protocol::kMaxRequestBodyBytes);
  if (!body.ok()) return 0;

  CreateTenantBody(*body);
  PatchTenantBody(*body);
  IssueTokenBody(*body);

  if (StatusOr<TenantQuota> quota = protocol::DecodeQuota(*body, "quota"); quota.ok()) {
    CheckQuota(*quota);
  }
  if (StatusOr<Tenant> tenant = protocol::DecodeTenant(*body, "tenant"); tenant.ok()) {
    FUZZ_CHECK(ValidateTenantName(tenant->name).ok(), tenant->name);
    CheckRoundTrip(*tenant, protocol::EncodeTenant, protocol::DecodeTenant, "tenant");
  }
  if (StatusOr<ApiToken> token = protocol::DecodeToken(*body, "token"); token.ok()) {
    FUZZ_CHECK(token->sha256.empty() || token->sha256.compare(0, 12, token->id) == 0,
               "a token's id is not the start of its hash");
    CheckRoundTrip(
        *token, [](const ApiToken& t) { return protocol::EncodeToken(t, /*with_hash=*/true); },
        protocol::DecodeToken, "token");
  }
  if (StatusOr<Grant> grant = protocol::DecodeGrant(*body, "grant"); grant.ok()) {
    CheckRoundTrip(
        *grant, [](const Grant& g) { return protocol::EncodeGrant(g, /*for_people=*/false); },
        protocol::DecodeGrant, "grant");
    // With the decimal amounts people read, as long as ParseCredits can read them back (at
    // most 12 digits before the point).
    constexpr MicroCredits kReadable = MicroCredits{1'000'000'000'000} * kMicrosPerCredit;
    if (grant->amount < kReadable && grant->available < kReadable && grant->reserved < kReadable &&
        grant->spent < kReadable && grant->expired < kReadable) {
      CheckRoundTrip(
          *grant, [](const Grant& g) { return protocol::EncodeGrant(g, /*for_people=*/true); },
          protocol::DecodeGrant, "grant for people");
    }
  }
  if (StatusOr<LedgerEntry> entry = protocol::DecodeLedgerEntry(*body, "entry"); entry.ok()) {
    CheckRoundTrip(*entry, protocol::EncodeLedgerEntry, protocol::DecodeLedgerEntry, "entry");
  }
  return 0;
}
