// REST routes for enterprises: tenants, tokens, grants, usage, reports and the ledger check.
#include <algorithm>
#include <chrono>
#include <set>

#include "core/tenant.h"
#include "protocol/tenant_codec.h"
#include "scheduler/rest_api.h"
#include "scheduler/rest_responses.h"

namespace sharc::scheduler {
namespace {

using protocol::FieldReader;
using protocol::Json;

// "12.345" for thousandths.
std::string Thousandths(int64_t value) {
  std::string frac = std::to_string(value % 1000);
  return std::to_string(value / 1000) + "." + std::string(3 - frac.size(), '0') + frac;
}

Json Credits(MicroCredits micros) { return FormatCredits(micros); }

Json EncodeUsage(const TenantUsageView& v) {
  Json quota = Json::object();
  std::set<std::string> resources{"cpu", "memory", "gpu"};
  for (const auto& [r, amount] : v.tenant.quota.guaranteed.entries()) resources.insert(r);
  for (const auto& [r, amount] : v.tenant.quota.max.entries()) resources.insert(r);
  for (const auto& [r, amount] : v.usage.held.entries()) resources.insert(r);
  auto number = [](const std::string& r, int64_t value) {
    return r == kCpuResource ? Json(static_cast<double>(value) / kMilliCpusPerCpu) : Json(value);
  };
  for (const std::string& r : resources) {
    std::optional<int64_t> max = v.tenant.quota.max.Get(r);
    quota[r] = {{"used", number(r, v.usage.held.Get(r))},
                {"guaranteed", number(r, v.tenant.quota.guaranteed.Get(r))},
                {"max", max ? number(r, *max) : Json(nullptr)}};
  }
  Json grants = Json::array();
  for (const Grant& g : v.grants) grants.push_back(protocol::EncodeGrant(g, true));
  return Json{{"tenant", protocol::EncodeTenant(v.tenant)},
              {"running_jobs", v.usage.running},
              {"pending_jobs", v.usage.pending},
              {"pending_by_reason", v.pending_by_reason},
              {"quota", quota},
              {"fair_share",
               {{"share", v.tenant.share},
                {"usage_seconds", v.decayed_usage},
                {"siblings_usage_seconds", v.siblings_usage},
                {"siblings_shares", v.siblings_shares},
                {"factor", v.fair_share_factor}}},
              {"credit",
               {{"enforced", v.credit_enforced},
                {"available", Credits(v.available)},
                {"available_micro", v.available},
                {"reserved", Credits(v.reserved)},
                {"reserved_micro", v.reserved},
                {"spent_this_month", Credits(v.spent_this_month)},
                {"spent_this_month_micro", v.spent_this_month},
                {"payer", v.payer},
                {"grants", grants}}}};
}

Json EncodeReportRow(const UsageReportRow& row) {
  MicroCredits spent = row.spent_voucher + row.spent_purchase;
  return Json{{"tenant", row.tenant},
              {"jobs", row.jobs},
              // thousandths of an hour, rounded: millicpu-ms / 3.6e9 hours
              {"cpu_hours", Thousandths((row.cpu_millicpu_ms + 1'800'000) / 3'600'000)},
              {"gpu_hours", Thousandths((row.gpu_ms + 1'800) / 3'600)},
              {"credits_spent", Credits(spent)},
              {"credits_spent_voucher", Credits(row.spent_voucher)},
              {"credits_spent_purchase", Credits(row.spent_purchase)},
              {"credits_spent_micro", spent},
              {"credits_spent_voucher_micro", row.spent_voucher},
              {"credits_spent_purchase_micro", row.spent_purchase}};
}

// Reads "credits" as a decimal string (or a whole number).
StatusOr<MicroCredits> ReadCredits(const Json& body) {
  auto it = body.find("credits");
  if (it == body.end() || it->is_null()) return InvalidArgumentError("credits: is required");
  if (it->is_number_integer()) {
    int64_t whole = it->get<int64_t>();
    if (whole <= 0) return InvalidArgumentError("credits: must be more than zero");
    StatusOr<MicroCredits> parsed = ParseCredits(std::to_string(whole));
    if (!parsed.ok()) return parsed.status().WithPrefix("credits");
    return parsed;
  }
  if (!it->is_string()) {
    return InvalidArgumentError("credits: give a decimal string such as \"100\" or \"2.5\"");
  }
  StatusOr<MicroCredits> parsed = ParseCredits(it->get<std::string>());
  if (!parsed.ok()) return parsed.status().WithPrefix("credits");
  if (*parsed <= 0) return InvalidArgumentError("credits: must be more than zero");
  return parsed;
}

StatusOr<UnixMillis> ReadTime(FieldReader& r, std::string_view key, UnixMillis fallback,
                              bool required) {
  std::string text;
  if (required) {
    r.RequiredString(key, &text);
  } else {
    r.OptionalString(key, &text);
  }
  if (!r.ok()) return r.Finish();
  if (text.empty()) return fallback;
  StatusOr<UnixMillis> t = ParseRfc3339(text);
  if (!t.ok()) return t.status().WithPrefix(std::string(key));
  return t;
}

Reply<Tenant> TenantReply(const net::Responder& respond, int status) {
  return [respond, status](StatusOr<Tenant> tenant) {
    if (!tenant.ok()) return respond(ErrorResponse(tenant.status()));
    respond(JsonResponse(status, protocol::EncodeTenant(*tenant)));
  };
}

Reply<TenantUsageView> UsageReply(const net::Responder& respond) {
  return [respond](StatusOr<TenantUsageView> usage) {
    if (!usage.ok()) return respond(ErrorResponse(usage.status()));
    respond(JsonResponse(200, EncodeUsage(*usage)));
  };
}

// The body of POST /v1/tenants/{tenant}/tokens.
StatusOr<TokenRequest> DecodeTokenRequest(const Json& body) {
  FieldReader r(body, "");
  std::string role = "submitter";
  TokenRequest request;
  r.OptionalString("role", &role);
  r.OptionalString("name", &request.name);
  std::chrono::milliseconds expires_in{-1};  // -1: not given, never expires
  r.OptionalDuration("expires_in", &expires_in);
  if (r.ok() && expires_in.count() >= 0 && expires_in < std::chrono::seconds(1)) {
    r.Fail("expires_in", "at least 1s; leave it out for a token that never expires");
  }
  request.lifetime = std::max(expires_in, std::chrono::milliseconds(0));
  SHARC_RETURN_IF_ERROR(r.Finish());
  std::optional<TokenRole> parsed = ParseTokenRole(role);
  if (!parsed) return InvalidArgumentError("role: use 'submitter' or 'viewer'");
  request.role = *parsed;
  return request;
}

// The body of POST /v1/tenants/{tenant}/grants.
StatusOr<CreditBook::NewGrant> DecodeNewGrant(const std::string& tenant, const Json& body) {
  SHARC_ASSIGN_OR_RETURN(MicroCredits credits, ReadCredits(body));
  FieldReader r(body, "");
  r.OptionalRaw("credits");
  CreditBook::NewGrant grant;
  grant.tenant = tenant;
  grant.amount = credits;
  std::string source;
  r.RequiredString("source", &source);
  r.RequiredString("program", &grant.program);
  SHARC_ASSIGN_OR_RETURN(grant.valid_from, ReadTime(r, "valid_from", 0, false));  // 0: from now
  SHARC_ASSIGN_OR_RETURN(grant.valid_until, ReadTime(r, "valid_until", 0, true));
  SHARC_RETURN_IF_ERROR(r.Finish());
  std::optional<GrantSource> parsed = ParseGrantSource(source);
  if (!parsed) return InvalidArgumentError("source: use 'voucher' or 'purchase'");
  grant.source = *parsed;
  return grant;
}

}  // namespace

void RestApi::OwnUsage(const AuthorizedRequest& request, const net::Responder& respond) {
  if (request.who.is_staff()) {
    return respond(ErrorResponse(InvalidArgumentError(
        "platform staff have no usage of their own: use /v1/tenants/{name}/usage")));
  }
  scheduler_.tenants().TenantUsageOf(request.who.tenant, UsageReply(respond));
}

void RestApi::TenantUsage(const AuthorizedRequest& request, const net::Responder& respond) {
  scheduler_.tenants().TenantUsageOf(request.Param("tenant"), UsageReply(respond));
}

void RestApi::UsageReport(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Period> period = PeriodQuery(request.http);
  if (!period.ok()) return respond(ErrorResponse(period.status()));
  scheduler_.tenants().UsageReport(
      request.who, period->from, period->to, Query(request.http, "tenant"),
      [respond, period = *period](StatusOr<std::vector<UsageReportRow>> rows) {
        if (!rows.ok()) return respond(ErrorResponse(rows.status()));
        Json items = Json::array();
        for (const UsageReportRow& row : *rows) items.push_back(EncodeReportRow(row));
        respond(JsonResponse(200, {{"from", FormatRfc3339(period.from)},
                                   {"to", FormatRfc3339(period.to)},
                                   {"items", items}}));
      });
}

void RestApi::VerifyLedger(const AuthorizedRequest&, const net::Responder& respond) {
  scheduler_.tenants().VerifyLedger([respond](StatusOr<LedgerVerification> result) {
    if (!result.ok()) return respond(ErrorResponse(result.status()));
    respond(JsonResponse(200, {{"ok", result->mismatches.empty()},
                               {"entries", result->entries},
                               {"grants", result->grants},
                               {"mismatches", result->mismatches}}));
  });
}

void RestApi::RevokeToken(const AuthorizedRequest& request, const net::Responder& respond) {
  scheduler_.tenants().RevokeToken(
      request.who, request.Param("token"), [respond](StatusOr<ApiToken> token) {
        if (!token.ok()) return respond(ErrorResponse(token.status()));
        respond(JsonResponse(200, protocol::EncodeToken(*token, false)));
      });
}

void RestApi::ListTenants(const AuthorizedRequest& request, const net::Responder& respond) {
  Json items = Json::array();
  for (const Tenant* t : scheduler_.tenants().ListTenants(request.who)) {
    items.push_back(protocol::EncodeTenant(*t));
  }
  respond(JsonResponse(200, {{"items", items}}));
}

void RestApi::CreateTenant(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Json> body = JsonBody(request.http);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  FieldReader r(*body, "");
  Tenant tenant;
  r.RequiredString("name", &tenant.name);
  r.OptionalString("display_name", &tenant.display_name);
  protocol::ReadTenantSettings(r, &tenant);
  const Json* quota = r.OptionalRaw("quota");
  if (Status s = r.Finish(); !s.ok()) return respond(ErrorResponse(s));
  if (quota) {
    StatusOr<TenantQuota> q = protocol::DecodeQuota(*quota, "quota");
    if (!q.ok()) return respond(ErrorResponse(q.status()));
    tenant.quota = *q;
  }
  scheduler_.tenants().CreateTenant(request.who, std::move(tenant), TenantReply(respond, 201));
}

void RestApi::GetTenant(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<const Tenant*> tenant = scheduler_.tenants().GetTenant(request.Param("tenant"));
  if (!tenant.ok()) return respond(ErrorResponse(tenant.status()));
  respond(JsonResponse(200, protocol::EncodeTenant(**tenant)));
}

void RestApi::PatchTenant(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Json> body = JsonBody(request.http);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  Json patch = *body;
  scheduler_.tenants().UpdateTenant(
      request.who, request.Param("tenant"),
      [patch](Tenant& tenant) -> Status {
        FieldReader r(patch, "");
        r.OptionalString("display_name", &tenant.display_name);
        protocol::ReadTenantSettings(r, &tenant);
        const Json* quota = r.OptionalRaw("quota");
        SHARC_RETURN_IF_ERROR(r.Finish());
        if (quota) SHARC_RETURN_IF_ERROR(protocol::MergeQuota(*quota, "quota", &tenant.quota));
        return Status::Ok();
      },
      TenantReply(respond, 200));
}

void RestApi::SetTenantDisabled(const AuthorizedRequest& request, bool disabled,
                                const net::Responder& respond) {
  scheduler_.tenants().UpdateTenant(
      request.who, request.Param("tenant"),
      [disabled](Tenant& tenant) {
        tenant.disabled = disabled;
        return Status::Ok();
      },
      TenantReply(respond, 200));
}

void RestApi::DisableTenant(const AuthorizedRequest& request, const net::Responder& respond) {
  SetTenantDisabled(request, true, respond);
}

void RestApi::EnableTenant(const AuthorizedRequest& request, const net::Responder& respond) {
  SetTenantDisabled(request, false, respond);
}

void RestApi::ListTokens(const AuthorizedRequest& request, const net::Responder& respond) {
  auto tokens = scheduler_.tenants().ListTokens(request.Param("tenant"));
  if (!tokens.ok()) return respond(ErrorResponse(tokens.status()));
  Json items = Json::array();
  for (const ApiToken* t : *tokens) items.push_back(protocol::EncodeToken(*t, false));
  respond(JsonResponse(200, {{"items", items}}));
}

void RestApi::IssueToken(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Json> body = JsonBody(request.http);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  StatusOr<TokenRequest> token_request = DecodeTokenRequest(*body);
  if (!token_request.ok()) return respond(ErrorResponse(token_request.status()));
  scheduler_.tenants().IssueToken(request.who, request.Param("tenant"), *token_request,
                                  [respond](StatusOr<std::pair<ApiToken, std::string>> issued) {
                                    if (!issued.ok())
                                      return respond(ErrorResponse(issued.status()));
                                    Json j = protocol::EncodeToken(issued->first, false);
                                    j["token"] = issued->second;
                                    respond(JsonResponse(201, j));
                                  });
}

void RestApi::ListGrants(const AuthorizedRequest& request, const net::Responder& respond) {
  auto grants = scheduler_.tenants().ListGrants(request.Param("tenant"));
  if (!grants.ok()) return respond(ErrorResponse(grants.status()));
  Json items = Json::array();
  for (const Grant* g : *grants) items.push_back(protocol::EncodeGrant(*g, true));
  respond(JsonResponse(200, {{"items", items}}));
}

void RestApi::AddGrant(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Json> body = JsonBody(request.http);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  StatusOr<CreditBook::NewGrant> grant = DecodeNewGrant(request.Param("tenant"), *body);
  if (!grant.ok()) return respond(ErrorResponse(grant.status()));
  scheduler_.tenants().AddGrant(request.who, *grant, [respond](StatusOr<Grant> added) {
    if (!added.ok()) return respond(ErrorResponse(added.status()));
    respond(JsonResponse(201, protocol::EncodeGrant(*added, true)));
  });
}

}  // namespace sharc::scheduler
