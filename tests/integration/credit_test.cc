// Credit under a crash: `kill -9` of the scheduler in the middle of a stream of job starts and
// ends, then a restart. The ledger still verifies, and exactly the cost of the work done was
// charged: no credit was created or lost.
#include <gtest/gtest.h>

#include <thread>

#include "core/clock.h"
#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

TEST(CreditTest, Kill9InTheMiddleOfAStreamLosesAndCreatesNoCredit) {
  // One credit per CPU-second: a 0.2 s one-CPU job costs about 0.2 credits.
  Cluster cluster({.node_timeout = "8s", .prices = {{"cpu_hour", "3600"}}});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:4 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<Reply> grant = cluster.Call(
      kAdminToken, "POST", "/v1/tenants/acme/grants",
      R"({"credits":"1000","source":"voucher","program":"city-ai","valid_until":"2099-01-01"})");
  ASSERT_OK(grant);
  ASSERT_EQ(grant->status, 201) << grant->body;

  constexpr int kJobs = 40;
  Json spec{{"command", {"sleep", "0.2"}}, {"mem_bytes", 1 << 20}, {"time_limit_seconds", 10}};
  std::vector<int64_t> ids;
  for (int i = 0; i < kJobs; ++i) {
    if (i == kJobs / 2) {
      // Mid-stream: jobs are starting and ending right now.
      ASSERT_TRUE(WaitFor([&] {
        StatusOr<Reply> running = cluster.Call(kAcmeToken, "GET", "/v1/jobs?state=RUNNING");
        return running.ok() && !running->json["items"].empty();
      }));
      cluster.StopScheduler(SIGKILL);
      ASSERT_OK(cluster.StartScheduler());
    }
    StatusOr<int64_t> id = cluster.Submit(kAcmeToken, spec);
    ASSERT_OK(id);
    ids.push_back(*id);
  }
  // Exactly the cost of each job's runtime was charged: floor(cpus x ms x price / 1 h).
  int64_t expected_spent = 0;
  for (int64_t id : ids) {
    StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, id, std::chrono::seconds(60));
    ASSERT_OK(job);
    ASSERT_EQ((*job)["state"], "COMPLETED") << job->dump();
    UnixMillis start = *ParseRfc3339((*job)["start_time"].get<std::string>());
    UnixMillis end = *ParseRfc3339((*job)["end_time"].get<std::string>());
    // cpus x 1000 millicpu x 3600 credits x 1e6 micro / 3.6e6 ms-per-hour / 1000 = 1000 per ms.
    expected_spent += (*job)["cpus"].get<int64_t>() * (end - start) * 1000;
  }

  StatusOr<Reply> verify = cluster.Call(kAdminToken, "POST", "/v1/ledger/verify");
  ASSERT_OK(verify);
  EXPECT_EQ(verify->json["ok"], true) << verify->body;
  EXPECT_GT(verify->json["entries"].get<int64_t>(), kJobs * 2);

  StatusOr<Reply> grants = cluster.Call(kAdminToken, "GET", "/v1/tenants/acme/grants");
  ASSERT_OK(grants);
  ASSERT_EQ(grants->json["items"].size(), 1u);
  const Json& g = grants->json["items"][0];
  EXPECT_EQ(g["reserved_micro"], 0) << "credit still held after every job ended";
  EXPECT_EQ(g["spent_micro"].get<int64_t>(), expected_spent);
  EXPECT_EQ(g["available_micro"].get<int64_t>() + g["spent_micro"].get<int64_t>() +
                g["expired_micro"].get<int64_t>(),
            g["amount_micro"].get<int64_t>());
  // The CLI says the same, and exits 0.
  CommandResult cli = cluster.Cli(kAdminToken, {"admin", "ledger", "verify"});
  EXPECT_EQ(cli.exit_code, 0) << cli.out << cli.err;
}

TEST(CreditTest, UsageAndTheReportShowTheSpendBySource) {
  Cluster cluster({.prices = {{"cpu_hour", "3600"}}});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:2 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  ASSERT_EQ(cluster
                .Call(kAdminToken, "POST", "/v1/tenants/acme/grants",
                      R"({"credits":"0.5","source":"voucher","program":"v",)"
                      R"("valid_until":"2099-01-01"})")
                ->status,
            201);
  ASSERT_EQ(cluster
                .Call(kAdminToken, "POST", "/v1/tenants/acme/grants",
                      R"({"credits":"100","source":"purchase","program":"p",)"
                      R"("valid_until":"2099-06-01"})")
                ->status,
            201);
  // Worst case 10 credits: 0.5 from the voucher (it expires first), 9.5 from the purchase.
  StatusOr<int64_t> id = cluster.Submit(
      kAcmeToken,
      {{"command", {"sleep", "1"}}, {"mem_bytes", 1 << 20}, {"time_limit_seconds", 10}});
  ASSERT_OK(id);
  StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  UnixMillis start = *ParseRfc3339((*job)["start_time"].get<std::string>());
  UnixMillis end = *ParseRfc3339((*job)["end_time"].get<std::string>());
  int64_t cost = (end - start) * 1000;
  ASSERT_GT(cost, 500'000) << "the job must outspend the voucher for this test";

  // The job's end shows as soon as the scheduler decides it; the spend is read from the
  // committed ledger, a commit later.
  StatusOr<Reply> usage = InternalError("not asked yet");
  EXPECT_TRUE(WaitFor(
      [&] {
        usage = cluster.Call(kAcmeToken, "GET", "/v1/usage");
        return usage.ok() && usage->json["credit"]["spent_this_month_micro"].get<int64_t>() == cost;
      },
      std::chrono::seconds(5)));
  ASSERT_OK(usage);
  EXPECT_EQ(usage->json["credit"]["spent_this_month_micro"].get<int64_t>(), cost);
  EXPECT_EQ(usage->json["credit"]["available_micro"].get<int64_t>(), 100'500'000 - cost);

  StatusOr<Reply> report =
      cluster.Call(kAdminToken, "GET", "/v1/reports/usage?from=2000-01-01&to=2099-01-01");
  ASSERT_OK(report);
  Json acme;
  for (const Json& row : report->json["items"]) {
    if (row["tenant"] == "acme") acme = row;
  }
  EXPECT_EQ(acme["jobs"], 1);
  EXPECT_EQ(acme["credits_spent_voucher_micro"], 500'000);
  EXPECT_EQ(acme["credits_spent_purchase_micro"].get<int64_t>(), cost - 500'000);
  // 1 CPU for (end - start) ms, in thousandths of an hour, rounded.
  int64_t thousandths = (end - start + 1800) / 3600;
  std::string hours = std::to_string(thousandths / 1000) + "." +
                      std::string(3 - std::to_string(thousandths % 1000).size(), '0') +
                      std::to_string(thousandths % 1000);
  EXPECT_EQ(acme["cpu_hours"], hours);
  // A tenant sees only itself in reports: another tenant is answered as if it did not exist.
  EXPECT_EQ(
      cluster
          .Call(kGlobexToken, "GET", "/v1/reports/usage?from=2000-01-01&to=2099-01-01&tenant=acme")
          ->status,
      404);
}

}  // namespace
}  // namespace sharc::testing
