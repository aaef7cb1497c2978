// The admin verbs of the CLI against a live cluster: they work end to end, and every bad
// input is refused with a clear message and changes nothing.
#include <gtest/gtest.h>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

class AdminCliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.StartScheduler());
    ASSERT_OK(cluster_.StartAgent({.name = "n1", .synthetic = "pack:1 core:8 pu:1"}));
    ASSERT_OK(cluster_.WaitForNodes(1));
  }
  // The whole enterprise state an admin can see, to check that refusals change nothing.
  std::string Snapshot() {
    std::string out;
    for (const char* target :
         {"/v1/tenants", "/v1/tenants/acme/grants", "/v1/tenants/acme/tokens"}) {
      StatusOr<Reply> reply = cluster_.Call(kAdminToken, "GET", target);
      out += reply.ok() ? reply->body : "unreachable";
    }
    return out;
  }
  void ExpectRefused(const std::vector<std::string>& args, int exit_code,
                     const std::string& fragment) {
    std::string before = Snapshot();
    CommandResult r = cluster_.Cli(kAdminToken, args);
    EXPECT_EQ(r.exit_code, exit_code) << r.out << r.err;
    EXPECT_NE(r.err.find(fragment), std::string::npos) << "stderr: " << r.err;
    EXPECT_EQ(Snapshot(), before) << "a refused command changed something";
  }
  Cluster cluster_;
};

TEST_F(AdminCliTest, BadInputIsRefusedClearlyAndChangesNothing) {
  ExpectRefused({"admin", "grant", "add", "nobody", "--credits", "5", "--source", "voucher",
                 "--program", "p", "--valid-until", "2099-01-01"},
                1, "tenant 'nobody' not found");
  ExpectRefused({"admin", "grant", "add", "acme", "--credits", "-5", "--source", "voucher",
                 "--program", "p", "--valid-until", "2099-01-01"},
                2, "credits");
  ExpectRefused({"admin", "grant", "add", "acme", "--credits", "5", "--source", "gift", "--program",
                 "p", "--valid-until", "2099-01-01"},
                2, "source");
  ExpectRefused({"admin", "grant", "add", "acme", "--credits", "5", "--source", "voucher",
                 "--program", "p", "--valid-from", "2099-02-01", "--valid-until", "2099-01-01"},
                2, "valid");
  ExpectRefused({"admin", "tenant", "update", "acme", "--guaranteed", "cpu=4", "--max", "cpu=2"}, 1,
                "below guaranteed");
  ExpectRefused({"admin", "tenant", "update", "acme", "--guaranteed", "cpu=64"}, 1,
                "guarantees would add up to 64 cpu, but the cluster has 8");
  ExpectRefused({"admin", "tenant", "update", "acme", "--max", "cpus=4"}, 2, "unknown resource");
  ExpectRefused({"admin", "tenant", "update", "nobody", "--max", "cpu=4"}, 1, "not found");
  ExpectRefused({"admin", "tenant", "create", "Bad Name"}, 2, "tenant name");
  ExpectRefused({"admin", "tenant", "create", "acme"}, 1, "already exists");
  ExpectRefused({"admin", "token", "revoke", "0123456789ab"}, 1, "not found");
  // A tenant's token cannot run admin verbs.
  CommandResult tenant = cluster_.Cli(kAcmeToken, {"admin", "tenant", "create", "evil"});
  EXPECT_EQ(tenant.exit_code, 1);
  EXPECT_NE(tenant.err.find("a submitter token may not manage tenants (roles that may: admin)"),
            std::string::npos)
      << tenant.err;
}

TEST_F(AdminCliTest, AnEnterpriseIsSetUpEndToEnd) {
  CommandResult created = cluster_.Cli(
      kAdminToken, {"admin", "tenant", "create", "initech", "--display-name", "Initech",
                    "--guaranteed", "cpu=2", "--max", "cpu=4", "--max-running-jobs", "3"});
  ASSERT_EQ(created.exit_code, 0) << created.err;
  CommandResult token =
      cluster_.Cli(kAdminToken, {"admin", "token", "issue", "initech", "--name", "ci"});
  ASSERT_EQ(token.exit_code, 0) << token.err;
  std::string secret = token.out.substr(0, token.out.find('\n'));
  EXPECT_EQ(secret.size(), 48u);
  EXPECT_NE(token.err.find("only once"), std::string::npos);
  CommandResult grant = cluster_.Cli(
      kAdminToken, {"admin", "grant", "add", "initech", "--credits", "250.5", "--source", "voucher",
                    "--program", "city-ai-2026", "--valid-until", "2099-01-01"});
  ASSERT_EQ(grant.exit_code, 0) << grant.err;
  CommandResult whoami = cluster_.Cli(secret, {"whoami"});
  EXPECT_EQ(whoami.out, "tenant initech (submitter)\n");
  CommandResult submit = cluster_.Cli(secret, {"submit", "--", "true"});
  ASSERT_EQ(submit.exit_code, 0) << submit.err;
  CommandResult wait = cluster_.Cli(secret, {"wait", submit.out.substr(0, submit.out.find('\n'))});
  EXPECT_EQ(wait.exit_code, 0) << wait.out << wait.err;
  CommandResult usage = cluster_.Cli(secret, {"usage", "-o", "json"});
  ASSERT_EQ(usage.exit_code, 0) << usage.err;
  Json u = Json::parse(usage.out);
  EXPECT_EQ(u["quota"]["cpu"]["guaranteed"], 2);
  EXPECT_EQ(u["quota"]["cpu"]["max"], 4);
  EXPECT_EQ(u["credit"]["grants"].size(), 1u);
  EXPECT_EQ(u["credit"]["grants"][0]["amount"], "250.5");
  CommandResult table = cluster_.Cli(secret, {"usage"});
  EXPECT_NE(table.out.find("city-ai-2026"), std::string::npos) << table.out;
  CommandResult report = cluster_.Cli(
      kAdminToken, {"report", "usage", "--from", "2000-01-01", "--to", "2099-01-01", "-o", "csv"});
  ASSERT_EQ(report.exit_code, 0) << report.err;
  EXPECT_NE(report.out.find("initech,1,"), std::string::npos) << report.out;
  CommandResult verify = cluster_.Cli(kAdminToken, {"admin", "ledger", "verify"});
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
  EXPECT_NE(verify.out.find("ledger OK"), std::string::npos);
  // Disable, then the tenant can submit nothing; enable again.
  ASSERT_EQ(cluster_.Cli(kAdminToken, {"admin", "tenant", "disable", "initech"}).exit_code, 0);
  CommandResult refused = cluster_.Cli(secret, {"submit", "--", "true"});
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.err.find("disabled"), std::string::npos) << refused.err;
  ASSERT_EQ(cluster_.Cli(kAdminToken, {"admin", "tenant", "enable", "initech"}).exit_code, 0);
  EXPECT_EQ(cluster_.Cli(secret, {"submit", "--", "true"}).exit_code, 0);
}

}  // namespace
}  // namespace sharc::testing
