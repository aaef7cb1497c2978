#include "agent/cli/admin_commands.h"

#include <iostream>

#include "agent/cli/command_support.h"
#include "agent/cli/efficiency_views.h"
#include "agent/cli/tenant_views.h"
#include "agent/cli/views.h"

namespace sharc::cli {
namespace {

using protocol::Json;

std::string TenantPath(const std::string& name) { return "/v1/tenants/" + name; }

// The "items" of a list answer (an empty array if the answer has none).
Json ItemsOf(const Json& answer) {
  if (!answer.is_object()) return Json::array();
  auto it = answer.find("items");
  return it == answer.end() ? Json::array() : *it;
}

std::string StringField(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// Prints an issued secret ("token") alone on stdout (-o json: the whole answer) and `note` on
// stderr.
int PrintIssuedToken(const GlobalOptions& global, const Json& issued, const std::string& note) {
  std::string token = StringField(issued, "token");
  if (token.empty()) return Fail(InternalError("the server's answer holds no token"));
  if (global.output == "json") {
    PrintJson(issued);
  } else {
    std::cout << token << "\n";
  }
  std::cerr << "sharc: " << note << "\n";
  return kExitOk;
}

}  // namespace

int RunTenantCreate(const GlobalOptions& global, const TenantOptions& options) {
  StatusOr<Json> body = TenantCreateBody(options);
  if (!body.ok()) return Usage(body.status().message());
  return RunRequest(
      global, [&](ApiClient& api) { return api.Post("/v1/tenants", *body); }, RenderTenantDetails);
}

int RunTenantUpdate(const GlobalOptions& global, const TenantOptions& options) {
  StatusOr<Json> body = TenantUpdateBody(options);
  if (!body.ok()) return Usage(body.status().message());
  return RunRequest(
      global, [&](ApiClient& api) { return api.Patch(TenantPath(options.name), *body); },
      RenderTenantDetails);
}

int RunTenantList(const GlobalOptions& global) {
  return RunRequest(
      global, [](ApiClient& api) { return api.Get("/v1/tenants"); },
      [](const Json& answer) { return RenderTenantTable(ItemsOf(answer)); });
}

int RunTenantShow(const GlobalOptions& global, const std::string& name) {
  if (Status s = CheckTenantArg(name); !s.ok()) return Usage(s.message());
  return RunRequest(
      global, [&](ApiClient& api) { return api.Get(TenantPath(name)); }, RenderTenantDetails);
}

int RunTenantSetEnabled(const GlobalOptions& global, const std::string& name, bool enabled) {
  if (Status s = CheckTenantArg(name); !s.ok()) return Usage(s.message());
  const std::string action = enabled ? "enable" : "disable";
  return RunRequest(
      global,
      [&](ApiClient& api) { return api.Post(TenantPath(name) + "/" + action, Json::object()); },
      [&](const Json&) { return "tenant " + name + " " + action + "d\n"; });
}

int RunTokenIssue(const GlobalOptions& global, const TokenIssueOptions& options) {
  StatusOr<Json> body = TokenIssueBody(options);
  if (!body.ok()) return Usage(body.status().message());
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> issued = client->Post(TenantPath(options.tenant) + "/tokens", *body);
  if (!issued.ok()) return Fail(issued.status());
  return PrintIssuedToken(
      global, *issued,
      "the token is shown only once; store it now (its id is " + StringField(*issued, "id") + ")");
}

int RunTokenList(const GlobalOptions& global, const std::string& tenant) {
  if (Status s = CheckTenantArg(tenant); !s.ok()) return Usage(s.message());
  return RunRequest(
      global, [&](ApiClient& api) { return api.Get(TenantPath(tenant) + "/tokens"); },
      [](const Json& answer) { return RenderTokenTable(ItemsOf(answer)); });
}

int RunTokenRevoke(const GlobalOptions& global, const std::string& id) {
  if (Status s = CheckTokenId(id); !s.ok()) return Usage(s.message());
  return RunRequest(
      global,
      [&](ApiClient& api) { return api.Post("/v1/tokens/" + id + "/revoke", Json::object()); },
      [&](const Json&) { return "token " + id + " revoked\n"; });
}

int RunGrantAdd(const GlobalOptions& global, const GrantAddOptions& options) {
  StatusOr<Json> body = GrantAddBody(options);
  if (!body.ok()) return Usage(body.status().message());
  return RunRequest(
      global,
      [&](ApiClient& api) { return api.Post(TenantPath(options.tenant) + "/grants", *body); },
      [](const Json& grant) { return RenderGrantTable(Json::array({grant}), false); });
}

int RunGrantList(const GlobalOptions& global, const std::string& tenant) {
  if (Status s = CheckTenantArg(tenant); !s.ok()) return Usage(s.message());
  return RunRequest(
      global, [&](ApiClient& api) { return api.Get(TenantPath(tenant) + "/grants"); },
      [](const Json& answer) { return RenderGrantTable(ItemsOf(answer), true); });
}

int RunLedgerVerify(const GlobalOptions& global) {
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> result = client->Post("/v1/ledger/verify", Json::object());
  if (!result.ok()) return Fail(result.status());
  if (global.output == "json") {
    PrintJson(*result);
  } else {
    std::cout << RenderLedgerVerification(*result);
  }
  if (LedgerOk(*result)) return kExitOk;
  std::cerr << "sharc: the ledger disagrees with the grants' balances\n";
  return kExitFailed;
}

namespace {

int NodeAction(const GlobalOptions& global, const std::string& node, const std::string& action,
               const Json& body) {
  if (node.empty() || node.find('/') != std::string::npos) {
    return Usage("'" + node + "' is not a node name");
  }
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> result = client->Post("/v1/nodes/" + node + "/" + action, body);
  if (!result.ok()) return Fail(result.status());
  if (global.output == "json") {
    PrintJson(*result);
  } else {
    std::cout << RenderNodeTable(Json::array({*result}));
  }
  return kExitOk;
}

}  // namespace

int RunNodeDrain(const GlobalOptions& global, const std::string& node, const std::string& reason) {
  if (reason.empty()) return Usage("node drain: say why with --reason");
  return NodeAction(global, node, "drain", Json{{"reason", reason}});
}

int RunNodeResume(const GlobalOptions& global, const std::string& node) {
  return NodeAction(global, node, "resume", Json::object());
}

int RunNodeRevoke(const GlobalOptions& global, const std::string& node) {
  return NodeAction(global, node, "revoke", Json::object());
}

int RunNodeJoinTokenIssue(const GlobalOptions& global, const std::string& node,
                          const std::string& expires) {
  if (node.empty() || node.find('/') != std::string::npos) {
    return Usage("'" + node + "' is not a node name");
  }
  Json body = Json::object();
  if (!expires.empty()) body["expires_in"] = expires;
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> issued = client->Post("/v1/nodes/" + node + "/join_token", body);
  if (!issued.ok()) return Fail(issued.status());
  return PrintIssuedToken(global, *issued,
                          "the join token is shown only once; it lets one agent join as " + node +
                              " until " + StringField(*issued, "expires") +
                              " (put it in the agent's join_token_file)");
}

int RunFacilityReadingAdd(const GlobalOptions& global, const FacilityReadingOptions& options) {
  StatusOr<Json> body = FacilityReadingBody(options);
  if (!body.ok()) return Usage(body.status().message());
  return RunRequest(
      global, [&](ApiClient& api) { return api.Post("/v1/facility/readings", *body); },
      [](const Json& reading) { return RenderFacilityReadings(Json::array({reading})); });
}

int RunFacilityReadingList(const GlobalOptions& global) {
  return RunRequest(
      global, [](ApiClient& api) { return api.Get("/v1/facility/readings"); },
      [](const Json& answer) { return RenderFacilityReadings(ItemsOf(answer)); });
}

}  // namespace sharc::cli
