// Tenant isolation, route by route: every route that reads or changes a tenant's objects, or
// that only admins may use, against every kind of caller that must not get through (no token,
// a bad token, a revoked token, a node's credential, another tenant, a read-only viewer). Each
// must be refused with the expected status, reveal nothing of the tenant's data, and change
// nothing the scheduler holds.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

// Who calls, and how they must be refused.
struct Caller {
  std::string kind;
  std::string token;  // "" = none
  std::set<int> refusals;
};

// A route, and which of the refused kinds it is tested with: "anyone" (every caller without a
// valid token), "foreign" (another tenant), "viewer" (acme's read-only token).
struct Route {
  std::string method;
  std::string target;
  std::string body;
  std::set<std::string> refused;
};

// What the scheduler holds that a request could change, read as an admin; volatile figures
// (usage, heartbeat ages) left out.
Json Snapshot(Cluster& cluster) {
  // The items of an admin's GET, kept in a local before a loop goes over them.
  auto items = [&](const std::string& target) {
    StatusOr<Reply> reply = cluster.Call(kAdminToken, "GET", target);
    EXPECT_TRUE(reply.ok() && reply->status == 200) << target;
    return reply.ok() ? reply->json["items"] : Json::array();
  };
  Json snapshot;
  const Json jobs = items("/v1/jobs?all=true");
  for (const Json& job : jobs) {
    snapshot["jobs"].push_back({job["id"], job["state"], job["cancel_requested"]});
  }
  const Json tenants = items("/v1/tenants");
  for (const Json& tenant : tenants) {
    snapshot["tenants"].push_back(
        {tenant["name"], tenant["disabled"], tenant["share"], tenant["quota"]});
  }
  const Json tokens = items("/v1/tenants/acme/tokens");
  for (const Json& token : tokens) snapshot["tokens"].push_back({token["id"], token["revoked"]});
  snapshot["grants"] = items("/v1/tenants/acme/grants").size();
  const Json nodes = items("/v1/nodes");
  for (const Json& node : nodes) {
    snapshot["nodes"].push_back({node["name"], node["state"], node["reason"]});
  }
  snapshot["readings"] = items("/v1/facility/readings").size();
  return snapshot;
}

TEST(IsolationMatrixTest, EveryRouteRefusesEveryCallerItMustAndChangesNothing) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:2 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  // acme's objects: a running job carrying a secret, its tokens.
  const std::string secret = "acme-secret-7f3a";
  StatusOr<int64_t> job = cluster.Submit(
      kAcmeToken, {{"command", {"sleep", "300"}}, {"name", secret}, {"env", {{"KEY", secret}}}});
  ASSERT_OK(job);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *job, "RUNNING"));
  auto issue = [&](const std::string& role, Json extra = Json::object()) {
    Json body{{"role", role}, {"name", role}};
    body.update(extra);
    StatusOr<Reply> issued =
        cluster.Call(kAdminToken, "POST", "/v1/tenants/acme/tokens", body.dump());
    EXPECT_TRUE(issued.ok() && issued->status == 201);
    return issued.ok() ? issued->json : Json();
  };
  const std::string viewer = issue("viewer")["token"];
  const Json revoked = issue("submitter");
  ASSERT_EQ(cluster
                .Call(kAdminToken, "POST",
                      "/v1/tokens/" + revoked["id"].get<std::string>() + "/revoke", "{}")
                ->status,
            200);
  // A submitter token that expires 1 s after issue: once it is refused, it joins the callers.
  const std::string expired = issue("submitter", {{"expires_in", "1s"}})["token"];
  ASSERT_TRUE(WaitFor(
      [&] {
        StatusOr<Reply> reply = cluster.Call(expired, "GET", "/v1/whoami");
        return reply.ok() && reply->status == 401 &&
               reply->body.find("expired at") != std::string::npos;
      },
      std::chrono::seconds(20)));
  const std::string node_credential =
      ReadTextFile(cluster.AgentStateDir("n1") + "/node-credential");
  ASSERT_FALSE(node_credential.empty());

  const std::vector<Caller> callers = {
      {"anyone", "", {401}},
      {"anyone", "not-a-token-0123456789", {401}},
      {"anyone", revoked["token"], {401}},
      {"anyone", expired, {401}},
      {"anyone", node_credential.substr(0, node_credential.find('\n')), {401}},
      {"foreign", kGlobexToken, {403, 404}},
      {"viewer", viewer, {403}},
  };
  const std::string id = std::to_string(*job);
  const std::set<std::string> all = {"anyone", "foreign", "viewer"};
  const std::set<std::string> no_viewer = {"anyone", "foreign"};
  const std::vector<Route> routes = {
      {"GET", "/v1/whoami", "", {"anyone"}},
      {"GET", "/v1/jobs", "", {"anyone"}},
      {"POST", "/v1/jobs", R"({"command":["true"]})", {"anyone", "viewer"}},
      {"GET", "/v1/jobs/" + id, "", no_viewer},
      {"GET", "/v1/jobs/" + id + "/output", "", no_viewer},
      {"POST", "/v1/jobs/" + id + "/cancel", "{}", all},
      {"GET", "/v1/usage", "", {"anyone"}},
      {"GET", "/v1/tenants/acme/usage", "", no_viewer},
      {"GET", "/v1/tenants/acme", "", no_viewer},
      {"GET", "/v1/tenants", "", {"anyone"}},
      {"POST", "/v1/tenants", R"({"name":"intruder"})", all},
      {"PATCH", "/v1/tenants/acme", R"({"share":100})", all},
      {"POST", "/v1/tenants/acme/disable", "{}", all},
      {"POST", "/v1/tenants/globex/disable", "{}", {"anyone", "viewer"}},
      {"GET", "/v1/tenants/acme/tokens", "", no_viewer},
      {"POST", "/v1/tenants/acme/tokens", R"({"role":"submitter","name":"x"})", all},
      {"POST", "/v1/tokens/" + revoked["id"].get<std::string>() + "/revoke", "{}", all},
      {"GET", "/v1/tenants/acme/grants", "", no_viewer},
      {"POST", "/v1/tenants/acme/grants",
       R"({"credits":"1000","source":"voucher","program":"p","valid_until":"2099-01-01"})", all},
      {"GET", "/v1/reports/usage?from=2026-01-01&to=2099-01-01&tenant=acme", "", no_viewer},
      {"GET", "/v1/reports/efficiency?from=2026-01-01&to=2099-01-01", "", all},
      {"POST", "/v1/ledger/verify", "{}", all},
      {"GET", "/v1/facility/readings", "", all},
      {"POST", "/v1/facility/readings", R"({"energy_wh":1,"time":"2026-11-30T00:00:00Z"})", all},
      {"GET", "/v1/nodes", "", {"anyone"}},
      {"POST", "/v1/nodes/n1/drain", R"({"reason":"mine now"})", all},
      {"POST", "/v1/nodes/n1/resume", "{}", all},
      {"POST", "/v1/nodes/n1/reset_credential", "{}", all},
  };

  const Json before = Snapshot(cluster);
  int checked = 0;
  for (const Route& route : routes) {
    for (const Caller& caller : callers) {
      if (!route.refused.contains(caller.kind)) continue;
      SCOPED_TRACE(route.method + " " + route.target + " as " + caller.kind);
      StatusOr<Reply> reply = cluster.Call(caller.token, route.method, route.target, route.body);
      ASSERT_OK(reply);
      EXPECT_TRUE(caller.refusals.contains(reply->status))
          << reply->status << " " << reply->body.substr(0, 300);
      EXPECT_EQ(reply->body.find(secret), std::string::npos) << reply->body.substr(0, 300);
      EXPECT_EQ(Snapshot(cluster), before);
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  // Each refusal was counted by its reason.
  StatusOr<Reply> metrics = cluster.Call("", "GET", "/metrics");
  ASSERT_OK(metrics);
  for (const char* reason : {"no_token", "bad_token", "forbidden"}) {
    EXPECT_NE(metrics->body.find(std::string("sharc_auth_failures_total{reason=\"") + reason),
              std::string::npos)
        << reason;
  }
  // The job is untouched.
  StatusOr<Json> after = cluster.GetJob(kAcmeToken, *job);
  ASSERT_OK(after);
  EXPECT_EQ((*after)["state"], "RUNNING");
}

}  // namespace
}  // namespace sharc::testing
