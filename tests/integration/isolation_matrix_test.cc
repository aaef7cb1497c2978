// Tenant isolation, generated from the route table: every route of RestApi::Routes() against
// every kind of caller (no token, a bad, revoked or expired token, a node's credential, another
// tenant, a read-only viewer, an operator, an auditor). Wherever the roles table refuses the
// caller (authorization.h), the live scheduler must answer with the status it says (401 for
// callers without a valid token), reveal nothing of the tenant's data, and change nothing it
// holds. A new route is covered the moment it is added to the table.
#include <gtest/gtest.h>

#include <set>
#include <string>
#include <vector>

#include "scheduler/authorization.h"
#include "scheduler/rest_api.h"
#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

// Who calls: a token, and who it authenticates as (nullopt: nobody, so every route answers 401).
struct Caller {
  std::string kind;
  std::string token;
  std::optional<scheduler::Principal> principal;
};

scheduler::Principal TenantCaller(const std::string& tenant, TokenRole role) {
  return {scheduler::Principal::Role::kTenant, tenant, role, "t"};
}
scheduler::Principal StaffCaller(scheduler::Principal::Role role) {
  return {role, "", TokenRole::kSubmitter, "staff"};
}

// The route's pattern with acme's objects filled in, and a ?tenant=acme for routes whose
// subject is the tenant they filter by.
std::string TargetOf(const scheduler::RestApi::Route& route,
                     const std::map<std::string, std::string>& objects) {
  std::string target(route.pattern);
  for (const auto& [param, value] : objects) {
    if (size_t at = target.find(param); at != std::string::npos) {
      target.replace(at, param.size(), value);
    }
  }
  if (route.subject == scheduler::SubjectFrom::kTenantQuery) {
    target += "?tenant=acme&from=2026-01-01&to=2099-01-01";
  }
  return target;
}

// The status the roles table says `who` gets for `route` about acme's objects; 0 if allowed.
int ExpectedRefusal(const scheduler::Principal& who, const scheduler::RestApi::Route& route) {
  std::optional<scheduler::Subject> subject;
  if (route.subject != scheduler::SubjectFrom::kNone) subject = {"acme", "acme's object"};
  Status status = scheduler::Authorize(who, *route.action, subject);
  if (status.ok()) return 0;
  return status.code() == StatusCode::kNotFound ? 404 : 403;
}

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
  const Json viewer_token = issue("viewer");
  const std::string viewer = viewer_token["token"];
  const std::string viewer_id = viewer_token["id"];
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

  using Role = scheduler::Principal::Role;
  const std::vector<Caller> callers = {
      {"no token", "", std::nullopt},
      {"a bad token", "not-a-token-0123456789", std::nullopt},
      {"a revoked token", revoked["token"], std::nullopt},
      {"an expired token", expired, std::nullopt},
      {"a node's credential", node_credential.substr(0, node_credential.find('\n')), std::nullopt},
      {"another tenant", kGlobexToken, TenantCaller("globex", TokenRole::kSubmitter)},
      {"acme's viewer", viewer, TenantCaller("acme", TokenRole::kViewer)},
      {"an operator", kOperatorToken, StaffCaller(Role::kOperator)},
      {"an auditor", kAuditorToken, StaffCaller(Role::kAuditor)},
  };
  // acme's objects, which a refused request would change if it got through: its running job,
  // its live viewer token, its node.
  const std::map<std::string, std::string> objects = {
      {"{tenant}", "acme"},
      {"{job}", std::to_string(*job)},
      {"{token}", viewer_id},
      {"{node}", "n1"},
  };

  const Json before = Snapshot(cluster);
  int checked = 0;
  for (const scheduler::RestApi::Route& route : scheduler::RestApi::Routes()) {
    // Open routes answer anyone: the health check, and scrapes without a metrics token.
    if (!route.action || *route.action == scheduler::Action::kScrape) continue;
    const std::string target = TargetOf(route, objects);
    for (const Caller& caller : callers) {
      const int expected = caller.principal ? ExpectedRefusal(*caller.principal, route) : 401;
      if (expected == 0) continue;  // allowed: the positive cases are other tests' business
      SCOPED_TRACE(std::string(route.method) + " " + target + " as " + caller.kind);
      StatusOr<Reply> reply = cluster.Call(caller.token, std::string(route.method), target, "{}");
      ASSERT_OK(reply);
      EXPECT_EQ(reply->status, expected) << reply->body.substr(0, 300);
      EXPECT_EQ(reply->body.find(secret), std::string::npos) << reply->body.substr(0, 300);
      EXPECT_EQ(Snapshot(cluster), before);
      ++checked;
    }
  }
  EXPECT_GT(checked, 200);
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
