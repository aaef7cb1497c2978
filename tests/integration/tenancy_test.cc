// Enterprises on a live cluster: quotas under concurrent load, guarantee reclaim with real
// jobs, and tokens.
#include <gtest/gtest.h>

#include <atomic>
#include <random>
#include <thread>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

TEST(TenancyTest, ConcurrentSubmitsAndCancelsNeverPushATenantPastItsMax) {
  // The scheduler runs with check_invariants: it aborts (and the test fails) if acme ever
  // holds more than its max after any cycle or commit. A sampler checks from outside too.
  Cluster cluster({.quotas = {{"acme", {{"max", "cpu=3"}}}}});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:8 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));

  std::atomic<bool> stop{false};
  std::atomic<int> samples{0}, violations{0}, max_seen{0};
  std::thread sampler([&] {
    auto http = net::HttpClient::Create(cluster.url(), std::chrono::seconds(10));
    while (!stop) {
      auto r = (*http)->Send("GET", "/v1/usage", "",
                             {{"Authorization", std::string("Bearer ") + kAcmeToken}});
      if (!r.ok() || r->status != 200) continue;
      double used = Json::parse(r->body)["quota"]["cpu"]["used"].get<double>();
      ++samples;
      max_seen = std::max(max_seen.load(), static_cast<int>(used));
      if (used > 3) ++violations;
    }
  });
  std::vector<std::thread> clients;
  std::atomic<int> submitted{0};
  for (int c = 0; c < 16; ++c) {
    clients.emplace_back([&, c] {
      std::mt19937 rng(c);
      auto http = net::HttpClient::Create(cluster.url(), std::chrono::seconds(30));
      std::map<std::string, std::string> auth{{"Authorization", std::string("Bearer ") + kAcmeToken}};
      for (int i = 0; i < 6; ++i) {
        int cpus = 1 + static_cast<int>(rng() % 2);
        std::string sleep = std::to_string(1 + rng() % 3) + "00";  // 0.1 to 0.3 s
        Json body{{"command", {"sh", "-c", "sleep 0." + sleep.substr(0, 1)}}, {"cpus", cpus},
                  {"mem_bytes", 1 << 20}};
        auto r = (*http)->Send("POST", "/v1/jobs", body.dump(), auth);
        if (!r.ok() || r->status != 201) continue;
        ++submitted;
        if (rng() % 3 == 0) {  // cancel some, running or pending
          int64_t id = Json::parse(r->body)["id"];
          (void)(*http)->Send("POST", "/v1/jobs/" + std::to_string(id) + "/cancel", "", auth);
        }
      }
    });
  }
  for (auto& t : clients) t.join();
  EXPECT_EQ(submitted.load(), 96);
  // Every job ends (completed or cancelled); nothing is stuck.
  EXPECT_TRUE(WaitFor(
      [&] {
        StatusOr<Reply> active = cluster.Call(kAcmeToken, "GET", "/v1/jobs");
        return active.ok() && active->json["items"].empty();
      },
      std::chrono::seconds(60)));
  stop = true;
  sampler.join();
  EXPECT_GT(samples.load(), 10);
  EXPECT_EQ(violations.load(), 0);
  EXPECT_EQ(max_seen.load(), 3) << "the quota was never reached: the test proved nothing";
  StatusOr<Reply> health = cluster.Call("", "GET", "/healthz");
  ASSERT_OK(health);  // the scheduler never tripped an invariant
}

TEST(TenancyTest, AGuaranteeIsReclaimedFromABorrowerWithinAFewCycles) {
  Cluster cluster({.quotas = {{"acme", {{"guaranteed", "cpu=2"}}}}});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:4 pu:1",
                                .kill_grace = "1s"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  // globex borrows the whole idle cluster.
  std::vector<int64_t> borrowed;
  for (int i = 0; i < 4; ++i) {
    StatusOr<int64_t> id = cluster.Submit(
        kGlobexToken, {{"command", {"sh", "-c", "echo attempt $SHARC_ATTEMPT; sleep 3"}},
                       {"mem_bytes", 1 << 20}});
    ASSERT_OK(id);
    borrowed.push_back(*id);
  }
  for (int64_t id : borrowed) ASSERT_OK(cluster.WaitForState(kGlobexToken, id, "RUNNING"));

  // acme asks for what it is guaranteed.
  auto asked = std::chrono::steady_clock::now();
  std::vector<int64_t> mine;
  for (int i = 0; i < 2; ++i) {
    StatusOr<int64_t> id = cluster.Submit(
        kAcmeToken, {{"command", {"sh", "-c", "sleep 1"}}, {"mem_bytes", 1 << 20}});
    ASSERT_OK(id);
    mine.push_back(*id);
  }
  for (int64_t id : mine) ASSERT_OK(cluster.WaitForState(kAcmeToken, id, "RUNNING"));
  auto took = std::chrono::steady_clock::now() - asked;
  EXPECT_LT(took, std::chrono::seconds(5)) << "reclaim took too long";

  // Two of globex's jobs were preempted and requeued with the same ids; all finish later.
  int requeued = 0;
  for (int64_t id : borrowed) {
    StatusOr<Json> job = cluster.WaitForEnd(kGlobexToken, id, std::chrono::seconds(30));
    ASSERT_OK(job);
    EXPECT_EQ((*job)["state"], "COMPLETED") << job->dump();
    if ((*job)["attempt"] == 2) {
      ++requeued;
      EXPECT_EQ(*cluster.Output(kGlobexToken, id), "attempt 2\n");
    }
  }
  EXPECT_EQ(requeued, 2);
  for (int64_t id : mine) {
    StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, id);
    ASSERT_OK(job);
    EXPECT_EQ((*job)["state"], "COMPLETED");
  }
}

TEST(TenancyTest, IssuedTokensHaveRolesAndRevocationIsImmediate) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  StatusOr<Reply> issued = cluster.Call(kAdminToken, "POST", "/v1/tenants/acme/tokens",
                                        R"({"role":"viewer","name":"dashboard"})");
  ASSERT_OK(issued);
  ASSERT_EQ(issued->status, 201) << issued->body;
  std::string viewer = issued->json["token"];
  std::string id = issued->json["id"];
  EXPECT_FALSE(issued->json.contains("sha256"));
  EXPECT_EQ(cluster.Call(viewer, "GET", "/v1/jobs")->status, 200);
  StatusOr<Reply> submit = cluster.Call(viewer, "POST", "/v1/jobs", R"({"command":["true"]})");
  EXPECT_EQ(submit->status, 403);
  EXPECT_NE(submit->body.find("viewer"), std::string::npos);
  // Only admins issue tokens.
  EXPECT_EQ(cluster.Call(kAcmeToken, "POST", "/v1/tenants/acme/tokens", "{}")->status, 403);
  ASSERT_EQ(cluster.Call(kAdminToken, "POST", "/v1/tokens/" + id + "/revoke")->status, 200);
  EXPECT_EQ(cluster.Call(viewer, "GET", "/v1/jobs")->status, 401);
  // The listing never shows the token or its hash.
  StatusOr<Reply> list = cluster.Call(kAdminToken, "GET", "/v1/tenants/acme/tokens");
  EXPECT_EQ(list->body.find(viewer), std::string::npos);
  EXPECT_EQ(list->body.find("sha256"), std::string::npos);
  // Revocation survives a restart.
  cluster.StopScheduler(SIGKILL);
  ASSERT_OK(cluster.StartScheduler());
  EXPECT_EQ(cluster.Call(viewer, "GET", "/v1/jobs")->status, 401);
}

}  // namespace
}  // namespace sharc::testing
