// The audit log end to end: staff changes and refused calls are recorded with who, what and
// the answer; admins and auditors read it and verify its hash chain with the CLI; operators
// and tenants may not; secrets never reach it; a change is answered only once its entry is
// durable.
#include <gtest/gtest.h>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

// The entries the log holds, read as an auditor.
Json AuditEntries(Cluster& cluster, const std::string& query = "") {
  StatusOr<Reply> reply = cluster.Call(kAuditorToken, "GET", "/v1/audit" + query);
  EXPECT_TRUE(reply.ok() && reply->status == 200) << (reply.ok() ? reply->body : "");
  return reply.ok() ? reply->json["items"] : Json::array();
}

const Json* FindEntry(const Json& entries, const std::string& actor, const std::string& request) {
  for (const Json& entry : entries) {
    if (entry["actor"] == actor && entry["request"] == request) return &entry;
  }
  return nullptr;
}

TEST(AuditTest, StaffChangesAndRefusalsAreRecordedAndTheChainVerifies) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:2 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));

  // An operator drains and resumes a node; an admin issues a token; a stranger and a tenant
  // are refused.
  ASSERT_EQ(
      cluster.Call(kOperatorToken, "POST", "/v1/nodes/n1/drain", R"({"reason":"fan"})")->status,
      200);
  ASSERT_EQ(cluster.Call(kOperatorToken, "POST", "/v1/nodes/n1/resume", "{}")->status, 200);
  StatusOr<Reply> issued =
      cluster.Call(kAdminToken, "POST", "/v1/tenants/acme/tokens", R"({"name":"ci"})");
  ASSERT_OK(issued);
  ASSERT_EQ(issued->status, 201);
  const std::string secret = issued->json["token"];
  EXPECT_EQ(cluster.Call("wrong-token-0123456789", "GET", "/v1/jobs")->status, 401);
  EXPECT_EQ(cluster.Call(kAcmeToken, "POST", "/v1/nodes/n1/drain", "{}")->status, 403);
  EXPECT_EQ(cluster.Call(kOperatorToken, "POST", "/v1/tenants/acme/disable", "{}")->status, 403);
  // Reads by staff and tenants' own work are not audited.
  ASSERT_EQ(cluster.Call(kAdminToken, "GET", "/v1/nodes")->status, 200);

  Json entries;
  ASSERT_TRUE(WaitFor([&] {
    entries = AuditEntries(cluster);
    return entries.size() >= 6;
  }));
  EXPECT_EQ(entries.size(), 6u) << entries.dump(2);
  const Json* drain = FindEntry(entries, "operator:test-operator", "POST /v1/nodes/n1/drain");
  ASSERT_NE(drain, nullptr) << entries.dump(2);
  EXPECT_EQ((*drain)["status"], 200);
  EXPECT_EQ((*drain)["action"], "manage_nodes");
  EXPECT_NE((*drain)["detail"].get<std::string>().find("fan"), std::string::npos);
  const Json* token = FindEntry(entries, "admin:test-admin", "POST /v1/tenants/acme/tokens");
  ASSERT_NE(token, nullptr);
  EXPECT_EQ((*token)["status"], 201);
  EXPECT_EQ(entries.dump().find(secret), std::string::npos) << "the token itself is never logged";
  const Json* stranger = nullptr;
  for (const Json& entry : entries) {
    if (entry["action"] == "authenticate") stranger = &entry;
  }
  ASSERT_NE(stranger, nullptr);
  EXPECT_EQ((*stranger)["status"], 401);
  EXPECT_EQ((*stranger)["actor"].get<std::string>().rfind("token sha256:", 0), 0u);
  EXPECT_EQ(entries.dump().find("wrong-token-0123456789"), std::string::npos);
  const Json* refused = FindEntry(entries, "tenant:acme/t", "POST /v1/nodes/n1/drain");
  ASSERT_NE(refused, nullptr);
  EXPECT_EQ((*refused)["status"], 403);
  EXPECT_NE((*refused)["detail"].get<std::string>().find("may not manage nodes"),
            std::string::npos);

  // Filters, and who may read.
  EXPECT_EQ(AuditEntries(cluster, "?actor=operator:test-operator").size(), 3u);
  EXPECT_EQ(AuditEntries(cluster, "?since=2099-01-01").size(), 0u);
  EXPECT_EQ(cluster.Call(kOperatorToken, "GET", "/v1/audit")->status, 403);
  EXPECT_EQ(cluster.Call(kAcmeToken, "GET", "/v1/audit")->status, 403);
  EXPECT_EQ(cluster.Call(kAuditorToken, "POST", "/v1/nodes/n1/drain", "{}")->status, 403);

  // The CLI: a table, JSON, and the chain's verification, before and after a restart.
  CommandResult table =
      cluster.Cli(kAuditorToken, {"admin", "audit", "--actor", "operator:test-operator"});
  EXPECT_EQ(table.exit_code, 0) << table.err;
  EXPECT_NE(table.out.find("POST /v1/nodes/n1/resume"), std::string::npos) << table.out;
  CommandResult json = cluster.Cli(kAdminToken, {"admin", "audit", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_GE(Json::parse(json.out)["items"].size(), 8u);
  cluster.StopScheduler();
  ASSERT_OK(cluster.StartScheduler());
  CommandResult verify = cluster.Cli(kAuditorToken, {"admin", "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("audit log OK"), std::string::npos) << verify.out;
  CommandResult bad = cluster.Cli(kAuditorToken, {"admin", "audit", "--limit", "0"});
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_NE(bad.err.find("--limit"), std::string::npos) << bad.err;
}

TEST(AuditTest, AStaffChangeIsAnsweredOnlyOnceItsAuditEntryIsDurable) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  // Each change's answer is followed at once by kill -9; after the restart the change and
  // its audit entry are both there.
  for (int i = 0; i < 4; ++i) {
    const std::string name = "kill" + std::to_string(i);
    StatusOr<Reply> created =
        cluster.Call(kAdminToken, "POST", "/v1/tenants", R"({"name":")" + name + R"("})");
    ASSERT_OK(created);
    ASSERT_EQ(created->status, 201) << created->body;
    cluster.StopScheduler(9);
    ASSERT_OK(cluster.StartScheduler());
    ASSERT_EQ(cluster.Call(kAdminToken, "GET", "/v1/tenants/" + name)->status, 200);
    bool audited = false;
    for (const Json& entry : AuditEntries(cluster, "?actor=admin:test-admin")) {
      audited = audited || (entry["request"] == "POST /v1/tenants" && entry["status"] == 201 &&
                            entry["detail"].get<std::string>().find(name) != std::string::npos);
    }
    EXPECT_TRUE(audited) << "no audit entry for creating " << name;
  }
  CommandResult verify = cluster.Cli(kAuditorToken, {"admin", "audit", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace sharc::testing
