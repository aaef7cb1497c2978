// JSON shapes of tenants, tokens, grants and ledger entries: what the store keeps and what the
// REST API shows. Quotas travel as resource lists ("cpu=8,memory=64G,gpu=2", see
// core/tenant.h); credits as integer micro-credits ("..._micro") plus, for people, the same
// amount as a decimal string.
//
//   tenant  {"name":"acme","display_name":"ACME Corp","disabled":false,
//            "created":"2026-11-30T06:03:40.123Z",
//            "quota":{"guaranteed":"cpu=8,memory=64G","max":"cpu=16","lendable":"",
//                     "max_running_jobs":null,"max_pending_jobs":100,
//                     "max_time_limit_seconds":86400,"max_per_job":"gpu=4"}}
//   token   {"id":"3f2a9c...","tenant":"acme","role":"submitter","name":"ci",
//            "created":"...","revoked":null}            (+ "sha256" in the store only)
//   grant   {"id":4,"tenant":"acme","source":"voucher","program":"city-ai-2026",
//            "valid_from":"...","valid_until":"...","created":"...","closed":false,
//            "amount_micro":..,"available_micro":..,"reserved_micro":..,"spent_micro":..,
//            "expired_micro":..}                       (+ "amount":"100.5", ... for people)
//   entry   {"seq":17,"tenant":"acme","grant_id":4,"job_id":12,"attempt":1,
//            "kind":"reserve","amount_micro":..,"time":<unix ms>}
#ifndef SHARC_PROTOCOL_TENANT_CODEC_H_
#define SHARC_PROTOCOL_TENANT_CODEC_H_

#include <string_view>
#include <vector>

#include "core/credit.h"
#include "core/tenant.h"
#include "protocol/json_fields.h"

namespace sharc::protocol {

// A quota's resource list: "cpu=8, memory=64G" -> {("cpu", 8000), ("memory", 64 GiB)}; ""
// is empty. Unlike ParseResourceList, an amount of zero is kept (a limit of zero means "none
// at all") and a resource named twice is refused. Shared by the server and the CLI's checks.
StatusOr<std::vector<Resources::Entry>> ParseQuotaList(std::string_view text);

Json EncodeQuota(const TenantQuota& quota);
// Reads a quota object; `where` prefixes errors ("quota.max: unknown resource 'cpus'").
// Every field is optional. Also validates it (ValidateTenantQuota).
StatusOr<TenantQuota> DecodeQuota(const Json& json, const std::string& where);
// Applies the fields present in `json` on top of `quota` (for PATCH-style updates; null
// clears an optional limit, "" clears a resource list). Validates the result.
Status MergeQuota(const Json& json, const std::string& where, TenantQuota* quota);

Json EncodeTenant(const Tenant& tenant);
// Reads the optional "share", "priority_classes" and "default_priority_class" fields onto
// `tenant` (shared by the tenant record, the tenants file and the admin API).
void ReadTenantSettings(FieldReader& reader, Tenant* tenant);
StatusOr<Tenant> DecodeTenant(const Json& json, const std::string& where);

// `with_hash`: the store keeps the hash; the REST API never shows it.
Json EncodeToken(const ApiToken& token, bool with_hash);
StatusOr<ApiToken> DecodeToken(const Json& json, const std::string& where);

// `for_people` adds the decimal-string amounts next to the micro-credit ones.
Json EncodeGrant(const Grant& grant, bool for_people);
StatusOr<Grant> DecodeGrant(const Json& json, const std::string& where);  // strict; store form

Json EncodeLedgerEntry(const LedgerEntry& entry);
StatusOr<LedgerEntry> DecodeLedgerEntry(const Json& json, const std::string& where);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_TENANT_CODEC_H_
