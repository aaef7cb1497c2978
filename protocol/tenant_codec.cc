#include "protocol/tenant_codec.h"

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace sharc::protocol {
namespace {

Json TimeOrNull(UnixMillis t) { return t == 0 ? Json(nullptr) : Json(FormatRfc3339(t)); }

// An RFC 3339 time; absent, null or "" leaves `*out` at 0.
void ReadTime(FieldReader& reader, std::string_view key, UnixMillis* out) {
  std::string text;
  reader.OptionalString(key, &text);
  if (text.empty() || !reader.ok()) return;
  StatusOr<UnixMillis> t = ParseRfc3339(text);
  if (!t.ok()) return reader.Fail(key, t.status().message());
  *out = *t;
}

void ReadTenantName(FieldReader& reader, std::string_view key, std::string* out) {
  reader.RequiredString(key, out);
  if (!reader.ok()) return;
  Status valid = ValidateTenantName(*out);
  if (!valid.ok()) reader.Fail(key, valid.message());
}

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

std::string_view Trim(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return {};
  return text.substr(begin, text.find_last_not_of(" \t") - begin + 1);
}

std::string TypeOf(const Json& value) {
  if (value.is_number()) return "a number";
  if (value.is_boolean()) return "a boolean";
  if (value.is_array()) return "a list";
  if (value.is_object()) return "an object";
  return "null";
}

// Reads a resource list field for MergeQuota: absent leaves `*out`, null or "" clears it.
template <typename List>
void MergeResourceList(FieldReader& reader, const Json& json, std::string_view key, List* out) {
  reader.OptionalRaw(key);  // marks the field as known
  if (!reader.ok()) return;
  auto it = json.find(key);
  if (it == json.end()) return;
  if (it->is_null()) {
    *out = List();
    return;
  }
  if (!it->is_string()) {
    return reader.Fail(
        key, "must be a resource list such as \"cpu=8,memory=64G,gpu=2\", not " + TypeOf(*it));
  }
  StatusOr<std::vector<Resources::Entry>> entries = ParseQuotaList(it->get<std::string>());
  if (!entries.ok()) return reader.Fail(key, entries.status().message());
  List list;
  for (const auto& [name, value] : *entries) list.Set(name, value);
  *out = std::move(list);
}

// Reads an optional limit for MergeQuota: absent leaves `*out`, null clears it.
void MergeLimit(FieldReader& reader, const Json& json, std::string_view key,
                std::optional<int64_t>* out) {
  const Json* value = reader.OptionalRaw(key);
  if (!reader.ok()) return;
  if (value == nullptr) {
    if (json.contains(key)) out->reset();  // present and null
    return;
  }
  int64_t limit = 0;
  reader.OptionalInt(key, &limit, 0, INT64_MAX);
  if (reader.ok()) *out = limit;
}

Json LimitOrNull(const std::optional<int64_t>& limit) {
  return limit ? Json(*limit) : Json(nullptr);
}

// The grant balances, by their JSON names.
struct Balance {
  const char* name;  // "amount" -> "amount_micro" and, for people, "amount"
  MicroCredits Grant::*field;
};
constexpr Balance kBalances[] = {
    {"amount", &Grant::amount}, {"available", &Grant::available}, {"reserved", &Grant::reserved},
    {"spent", &Grant::spent},   {"expired", &Grant::expired},
};

}  // namespace

StatusOr<std::vector<Resources::Entry>> ParseQuotaList(std::string_view text) {
  std::vector<Resources::Entry> entries;
  if (Trim(text).empty()) return entries;
  size_t start = 0;
  for (;;) {
    size_t comma = text.find(',', start);
    std::string_view item = Trim(text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start));
    // An empty item ("cpu=8,"): the whole list's parse refuses it, saying so.
    if (item.empty()) return ParseResourceList(text).status();
    SHARC_ASSIGN_OR_RETURN(Resources parsed, ParseResourceList(item));
    // ParseResourceList accepted the item, so it is "name=amount".
    std::string name(Trim(item.substr(0, item.find('='))));
    for (const Resources::Entry& seen : entries) {
      if (seen.first == name) return InvalidArgumentError(name + " is given twice");
    }
    entries.emplace_back(name, parsed.Get(name));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return entries;
}

Json EncodeQuota(const TenantQuota& quota) {
  return Json{
      {"guaranteed", FormatResourceList(quota.guaranteed)},
      {"max", FormatResourceList(quota.max)},
      {"lendable", FormatResourceList(quota.lendable)},
      {"max_running_jobs", LimitOrNull(quota.max_running_jobs)},
      {"max_pending_jobs", LimitOrNull(quota.max_pending_jobs)},
      {"max_time_limit_seconds", LimitOrNull(quota.max_time_limit_seconds)},
      {"max_per_job", FormatResourceList(quota.max_per_job)},
  };
}

StatusOr<TenantQuota> DecodeQuota(const Json& json, const std::string& where) {
  // Every field is optional, and an absent one is the default: a merge onto the default quota.
  TenantQuota quota;
  SHARC_RETURN_IF_ERROR(MergeQuota(json, where, &quota));
  return quota;
}

Status MergeQuota(const Json& json, const std::string& where, TenantQuota* quota) {
  FieldReader reader(json, where);
  TenantQuota merged = *quota;
  MergeResourceList(reader, json, "guaranteed", &merged.guaranteed);
  MergeResourceList(reader, json, "max", &merged.max);
  MergeResourceList(reader, json, "lendable", &merged.lendable);
  MergeLimit(reader, json, "max_running_jobs", &merged.max_running_jobs);
  MergeLimit(reader, json, "max_pending_jobs", &merged.max_pending_jobs);
  MergeLimit(reader, json, "max_time_limit_seconds", &merged.max_time_limit_seconds);
  MergeResourceList(reader, json, "max_per_job", &merged.max_per_job);
  SHARC_RETURN_IF_ERROR(reader.Finish());
  Status valid = ValidateTenantQuota(merged);
  if (!valid.ok()) {
    // "quota: max cpu (4) is below ..." -> "<where>: max cpu (4) is below ...".
    std::string_view message = valid.message();
    constexpr std::string_view kPrefix = "quota: ";
    if (message.substr(0, kPrefix.size()) == kPrefix) message.remove_prefix(kPrefix.size());
    return Status(valid.code(), (where.empty() ? "quota" : where) + ": " + std::string(message));
  }
  *quota = std::move(merged);
  return Status::Ok();
}

void ReadTenantSettings(FieldReader& reader, Tenant* tenant) {
  reader.OptionalInt("share", &tenant->share, 1, kMaxTenantShare);
  reader.OptionalStringList("priority_classes", &tenant->priority_classes);
  reader.OptionalString("default_priority_class", &tenant->default_priority_class);
  if (reader.ok()) reader.Check(ValidateTenantSettings(*tenant));
}

Json EncodeTenant(const Tenant& tenant) {
  return Json{
      {"name", tenant.name},
      {"display_name", tenant.display_name},
      {"disabled", tenant.disabled},
      {"created", TimeOrNull(tenant.created)},
      {"quota", EncodeQuota(tenant.quota)},
      {"share", tenant.share},
      {"priority_classes", tenant.priority_classes},
      {"default_priority_class", tenant.default_priority_class},
  };
}

StatusOr<Tenant> DecodeTenant(const Json& json, const std::string& where) {
  FieldReader reader(json, where);
  Tenant tenant;
  ReadTenantName(reader, "name", &tenant.name);
  reader.OptionalString("display_name", &tenant.display_name);
  reader.OptionalBool("disabled", &tenant.disabled);
  ReadTime(reader, "created", &tenant.created);
  const Json* quota = reader.OptionalRaw("quota");
  ReadTenantSettings(reader, &tenant);
  SHARC_RETURN_IF_ERROR(reader.Finish());
  if (quota != nullptr)
    SHARC_RETURN_IF_ERROR(MergeQuota(*quota, reader.Path("quota"), &tenant.quota));
  return tenant;
}

Json EncodeToken(const ApiToken& token, bool with_hash) {
  Json json{
      {"id", token.id},
      {"tenant", token.tenant},
      {"role", TokenRoleName(token.role)},
      {"name", token.name},
      {"created", TimeOrNull(token.created)},
      {"revoked", TimeOrNull(token.revoked)},
      {"expires", TimeOrNull(token.expires)},
  };
  if (with_hash) json["sha256"] = token.sha256;
  return json;
}

StatusOr<ApiToken> DecodeToken(const Json& json, const std::string& where) {
  FieldReader reader(json, where);
  ApiToken token;
  reader.RequiredString("id", &token.id);
  if (reader.ok() && (token.id.size() != 12 || !IsLowerHex(token.id))) {
    reader.Fail("id", "must be 12 lower-case hex digits (the start of the token's SHA-256)");
  }
  reader.OptionalString("sha256", &token.sha256);
  if (reader.ok() && !token.sha256.empty()) {
    if (token.sha256.size() != 64 || !IsLowerHex(token.sha256)) {
      reader.Fail("sha256", "must be 64 lower-case hex digits");
    } else if (token.sha256.compare(0, token.id.size(), token.id) != 0) {
      reader.Fail("sha256", "does not start with the token's id '" + token.id + "'");
    }
  }
  ReadTenantName(reader, "tenant", &token.tenant);
  std::string role;
  reader.RequiredString("role", &role);
  if (reader.ok()) {
    std::optional<TokenRole> parsed = ParseTokenRole(role);
    if (!parsed) reader.Fail("role", "unknown role '" + role + "'; use submitter or viewer");
    if (parsed) token.role = *parsed;
  }
  reader.OptionalString("name", &token.name);
  ReadTime(reader, "created", &token.created);
  ReadTime(reader, "revoked", &token.revoked);
  ReadTime(reader, "expires", &token.expires);
  SHARC_RETURN_IF_ERROR(reader.Finish());
  return token;
}

Json EncodeGrant(const Grant& grant, bool for_people) {
  Json json{
      {"id", grant.id},
      {"tenant", grant.tenant},
      {"source", GrantSourceName(grant.source)},
      {"program", grant.program},
      {"valid_from", TimeOrNull(grant.valid_from)},
      {"valid_until", TimeOrNull(grant.valid_until)},
      {"created", TimeOrNull(grant.created)},
      {"closed", grant.closed},
  };
  for (const Balance& balance : kBalances) {
    json[std::string(balance.name) + "_micro"] = grant.*balance.field;
    if (for_people) json[balance.name] = FormatCredits(grant.*balance.field);
  }
  return json;
}

StatusOr<Grant> DecodeGrant(const Json& json, const std::string& where) {
  FieldReader reader(json, where);
  Grant grant;
  reader.RequiredInt("id", &grant.id, 1, INT64_MAX);
  ReadTenantName(reader, "tenant", &grant.tenant);
  std::string source;
  reader.RequiredString("source", &source);
  if (reader.ok()) {
    std::optional<GrantSource> parsed = ParseGrantSource(source);
    if (!parsed) reader.Fail("source", "unknown source '" + source + "'; use voucher or purchase");
    if (parsed) grant.source = *parsed;
  }
  reader.OptionalString("program", &grant.program);
  ReadTime(reader, "valid_from", &grant.valid_from);
  ReadTime(reader, "valid_until", &grant.valid_until);
  if (reader.ok() && grant.valid_from != 0 && grant.valid_until != 0 &&
      grant.valid_until <= grant.valid_from) {
    reader.Fail("valid_until", "must be after valid_from");
  }
  ReadTime(reader, "created", &grant.created);
  reader.OptionalBool("closed", &grant.closed);
  for (const Balance& balance : kBalances) {
    const std::string micro_key = std::string(balance.name) + "_micro";
    reader.RequiredInt(micro_key, &(grant.*balance.field), 0, INT64_MAX);
    // The decimal amount for people is optional, but must agree when present.
    std::string decimal;
    reader.OptionalString(balance.name, &decimal);
    if (!reader.ok() || decimal.empty()) continue;
    StatusOr<MicroCredits> parsed = ParseCredits(decimal);
    if (!parsed.ok()) {
      reader.Fail(balance.name, parsed.status().message());
    } else if (*parsed != grant.*balance.field) {
      reader.Fail(balance.name, "'" + decimal + "' disagrees with " + micro_key + " (" +
                                    std::to_string(grant.*balance.field) + ")");
    }
  }
  SHARC_RETURN_IF_ERROR(reader.Finish());
  return grant;
}

Json EncodeLedgerEntry(const LedgerEntry& entry) {
  return Json{
      {"seq", entry.seq},
      {"tenant", entry.tenant},
      {"grant_id", entry.grant_id},
      {"job_id", entry.attempt.job.value},
      {"attempt", entry.attempt.attempt},
      {"kind", LedgerKindName(entry.kind)},
      {"amount_micro", entry.amount},
      {"time", entry.time},
  };
}

StatusOr<LedgerEntry> DecodeLedgerEntry(const Json& json, const std::string& where) {
  FieldReader reader(json, where);
  LedgerEntry entry;
  reader.RequiredInt("seq", &entry.seq, 0, INT64_MAX);
  ReadTenantName(reader, "tenant", &entry.tenant);
  reader.RequiredInt("grant_id", &entry.grant_id, 1, INT64_MAX);
  reader.RequiredInt("job_id", &entry.attempt.job.value, 0, INT64_MAX);
  int64_t attempt = 0;
  reader.RequiredInt("attempt", &attempt, 0, INT32_MAX);
  entry.attempt.attempt = static_cast<int32_t>(attempt);
  std::string kind;
  reader.RequiredString("kind", &kind);
  if (reader.ok()) {
    std::optional<LedgerKind> parsed = ParseLedgerKind(kind);
    if (!parsed) {
      reader.Fail("kind",
                  "unknown kind '" + kind + "'; use grant, reserve, charge, release or expire");
    }
    if (parsed) entry.kind = *parsed;
  }
  reader.RequiredInt("amount_micro", &entry.amount, 1, INT64_MAX);
  reader.RequiredInt("time", &entry.time, 0, INT64_MAX);
  SHARC_RETURN_IF_ERROR(reader.Finish());
  return entry;
}

}  // namespace sharc::protocol
