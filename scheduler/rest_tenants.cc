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

bool IsTenantAction(std::string_view word) {
  for (std::string_view action : kTenantActions) {
    if (word == action) return true;
  }
  return false;
}

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
              // thousandths of an hour: millicpu-ms / 3.6e9 hours
              {"cpu_hours", Thousandths(row.cpu_millicpu_ms / 3'600'000)},
              {"gpu_hours", Thousandths(row.gpu_ms / 3'600)},
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

// "acme" -> (acme, ""); "acme/usage" -> (acme, usage); "acme/vision" -> (acme/vision, "");
// "acme/vision/tokens" -> (acme/vision, tokens). Project names never equal an action
// (TenantService refuses them), so the split is unambiguous.
std::pair<std::string, std::string> SplitTenantPath(const std::string& rest) {
  size_t last = rest.rfind('/');
  if (last == std::string::npos) return {rest, ""};
  std::string tail = rest.substr(last + 1);
  if (IsTenantAction(tail)) return {rest.substr(0, last), tail};
  return {rest, ""};
}

}  // namespace

bool RestApi::RouteTenants(const Principal& who, const net::HttpRequest& request,
                           const net::Responder& respond) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto wrong_method = [&](const char* allowed) {
    respond(MethodNotAllowed(request, allowed));
    return true;
  };
  auto tenant_reply = [respond](int status) {
    return [respond, status](StatusOr<Tenant> tenant) {
      if (!tenant.ok()) return respond(ErrorResponse(tenant.status()));
      respond(JsonResponse(status, protocol::EncodeTenant(*tenant)));
    };
  };
  auto usage_of = [&](const std::string& name) {
    scheduler_.tenants().TenantUsageOf(who, name, [respond](StatusOr<TenantUsageView> usage) {
      if (!usage.ok()) return respond(ErrorResponse(usage.status()));
      respond(JsonResponse(200, EncodeUsage(*usage)));
    });
  };

  if (path == "/v1/usage") {
    if (method != "GET") return wrong_method("GET");
    if (who.is_admin()) {
      respond(ErrorResponse(
          InvalidArgumentError("an admin has no usage of its own: use /v1/tenants/{name}/usage")));
      return true;
    }
    usage_of(who.tenant);
    return true;
  }
  if (path == "/v1/reports/usage") {
    if (method != "GET") return wrong_method("GET");
    StatusOr<Period> period = PeriodQuery(request);
    if (!period.ok()) return respond(ErrorResponse(period.status())), true;
    scheduler_.tenants().UsageReport(
        who, period->from, period->to, Query(request, "tenant"),
        [respond, period = *period](StatusOr<std::vector<UsageReportRow>> rows) {
          if (!rows.ok()) return respond(ErrorResponse(rows.status()));
          Json items = Json::array();
          for (const UsageReportRow& row : *rows) items.push_back(EncodeReportRow(row));
          respond(JsonResponse(200, {{"from", FormatRfc3339(period.from)},
                                     {"to", FormatRfc3339(period.to)},
                                     {"items", items}}));
        });
    return true;
  }
  if (path == "/v1/ledger/verify") {
    if (method != "POST" && method != "GET") return wrong_method("POST");
    scheduler_.tenants().VerifyLedger(who, [respond](StatusOr<LedgerVerification> result) {
      if (!result.ok()) return respond(ErrorResponse(result.status()));
      respond(JsonResponse(200, {{"ok", result->mismatches.empty()},
                                 {"entries", result->entries},
                                 {"grants", result->grants},
                                 {"mismatches", result->mismatches}}));
    });
    return true;
  }
  const std::string tokens_prefix = "/v1/tokens/";
  if (path.rfind(tokens_prefix, 0) == 0) {
    std::string rest = path.substr(tokens_prefix.size());
    size_t slash = rest.find('/');
    if (slash == std::string::npos || rest.substr(slash) != "/revoke") return false;
    if (method != "POST") return wrong_method("POST");
    scheduler_.tenants().RevokeToken(
        who, rest.substr(0, slash), [respond](StatusOr<ApiToken> token) {
          if (!token.ok()) return respond(ErrorResponse(token.status()));
          respond(JsonResponse(200, protocol::EncodeToken(*token, false)));
        });
    return true;
  }
  if (path == "/v1/tenants") {
    if (method == "GET") {
      Json items = Json::array();
      for (const Tenant* t : scheduler_.tenants().ListTenants(who))
        items.push_back(protocol::EncodeTenant(*t));
      respond(JsonResponse(200, {{"items", items}}));
      return true;
    }
    if (method != "POST") return wrong_method("GET, POST");
    StatusOr<Json> body = JsonBody(request);
    if (!body.ok()) return respond(ErrorResponse(body.status())), true;
    FieldReader r(*body, "");
    Tenant tenant;
    r.RequiredString("name", &tenant.name);
    r.OptionalString("display_name", &tenant.display_name);
    protocol::ReadTenantSettings(r, &tenant);
    const Json* quota = r.OptionalRaw("quota");
    if (Status s = r.Finish(); !s.ok()) return respond(ErrorResponse(s)), true;
    if (quota) {
      StatusOr<TenantQuota> q = protocol::DecodeQuota(*quota, "quota");
      if (!q.ok()) return respond(ErrorResponse(q.status())), true;
      tenant.quota = *q;
    }
    scheduler_.tenants().CreateTenant(who, std::move(tenant), tenant_reply(201));
    return true;
  }
  const std::string prefix = "/v1/tenants/";
  if (path.rfind(prefix, 0) != 0) return false;
  auto [name, action] = SplitTenantPath(path.substr(prefix.size()));
  if (action.empty()) {
    if (method == "GET") {
      StatusOr<const Tenant*> tenant = scheduler_.tenants().GetTenant(who, name);
      if (!tenant.ok()) return respond(ErrorResponse(tenant.status())), true;
      respond(JsonResponse(200, protocol::EncodeTenant(**tenant)));
      return true;
    }
    if (method != "PATCH") return wrong_method("GET, PATCH");
    StatusOr<Json> body = JsonBody(request);
    if (!body.ok()) return respond(ErrorResponse(body.status())), true;
    Json patch = *body;
    scheduler_.tenants().UpdateTenant(
        who, name,
        [patch](Tenant& tenant) -> Status {
          FieldReader r(patch, "");
          r.OptionalString("display_name", &tenant.display_name);
          protocol::ReadTenantSettings(r, &tenant);
          const Json* quota = r.OptionalRaw("quota");
          SHARC_RETURN_IF_ERROR(r.Finish());
          if (quota) SHARC_RETURN_IF_ERROR(protocol::MergeQuota(*quota, "quota", &tenant.quota));
          return Status::Ok();
        },
        tenant_reply(200));
    return true;
  }
  if (action == "disable" || action == "enable") {
    if (method != "POST") return wrong_method("POST");
    bool disable = action == "disable";
    scheduler_.tenants().UpdateTenant(
        who, name,
        [disable](Tenant& tenant) {
          tenant.disabled = disable;
          return Status::Ok();
        },
        tenant_reply(200));
    return true;
  }
  if (action == "usage") {
    if (method != "GET") return wrong_method("GET");
    usage_of(name);
    return true;
  }
  if (action == "tokens") {
    if (method == "GET") {
      auto tokens = scheduler_.tenants().ListTokens(who, name);
      if (!tokens.ok()) return respond(ErrorResponse(tokens.status())), true;
      Json items = Json::array();
      for (const ApiToken* t : *tokens) items.push_back(protocol::EncodeToken(*t, false));
      respond(JsonResponse(200, {{"items", items}}));
      return true;
    }
    if (method != "POST") return wrong_method("GET, POST");
    StatusOr<Json> body = JsonBody(request);
    if (!body.ok()) return respond(ErrorResponse(body.status())), true;
    FieldReader r(*body, "");
    std::string role = "submitter";
    TokenRequest token_request;
    r.OptionalString("role", &role);
    r.OptionalString("name", &token_request.name);
    std::chrono::milliseconds expires_in{-1};  // -1: not given, never expires
    r.OptionalDuration("expires_in", &expires_in);
    if (r.ok() && expires_in.count() >= 0 && expires_in < std::chrono::seconds(1)) {
      r.Fail("expires_in", "at least 1s; leave it out for a token that never expires");
    }
    token_request.lifetime = std::max(expires_in, std::chrono::milliseconds(0));
    if (Status s = r.Finish(); !s.ok()) return respond(ErrorResponse(s)), true;
    std::optional<TokenRole> parsed = ParseTokenRole(role);
    if (!parsed) {
      respond(ErrorResponse(InvalidArgumentError("role: use 'submitter' or 'viewer'")));
      return true;
    }
    token_request.role = *parsed;
    scheduler_.tenants().IssueToken(who, name, token_request,
                                    [respond](StatusOr<std::pair<ApiToken, std::string>> issued) {
                                      if (!issued.ok())
                                        return respond(ErrorResponse(issued.status()));
                                      Json j = protocol::EncodeToken(issued->first, false);
                                      j["token"] = issued->second;
                                      respond(JsonResponse(201, j));
                                    });
    return true;
  }
  if (action == "grants") {
    if (method == "GET") {
      auto grants = scheduler_.tenants().ListGrants(who, name);
      if (!grants.ok()) return respond(ErrorResponse(grants.status())), true;
      Json items = Json::array();
      for (const Grant* g : *grants) items.push_back(protocol::EncodeGrant(*g, true));
      respond(JsonResponse(200, {{"items", items}}));
      return true;
    }
    if (method != "POST") return wrong_method("GET, POST");
    StatusOr<Json> body = JsonBody(request);
    if (!body.ok()) return respond(ErrorResponse(body.status())), true;
    StatusOr<MicroCredits> credits = ReadCredits(*body);
    if (!credits.ok()) return respond(ErrorResponse(credits.status())), true;
    FieldReader r(*body, "");
    r.OptionalRaw("credits");
    CreditBook::NewGrant grant;
    grant.tenant = name;
    grant.amount = *credits;
    std::string source;
    r.RequiredString("source", &source);
    r.RequiredString("program", &grant.program);
    StatusOr<UnixMillis> from = ReadTime(r, "valid_from", 0, false);  // 0: from now
    if (!from.ok()) return respond(ErrorResponse(from.status())), true;
    StatusOr<UnixMillis> until = ReadTime(r, "valid_until", 0, true);
    if (!until.ok()) return respond(ErrorResponse(until.status())), true;
    if (Status s = r.Finish(); !s.ok()) return respond(ErrorResponse(s)), true;
    std::optional<GrantSource> parsed = ParseGrantSource(source);
    if (!parsed) {
      respond(ErrorResponse(InvalidArgumentError("source: use 'voucher' or 'purchase'")));
      return true;
    }
    grant.source = *parsed;
    grant.valid_from = *from;
    grant.valid_until = *until;
    scheduler_.tenants().AddGrant(who, grant, [respond](StatusOr<Grant> added) {
      if (!added.ok()) return respond(ErrorResponse(added.status()));
      respond(JsonResponse(201, protocol::EncodeGrant(*added, true)));
    });
    return true;
  }
  return false;
}

}  // namespace sharc::scheduler
