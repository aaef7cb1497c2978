// Acknowledged submits survive `kill -9` of the scheduler, exactly once; a retried submit
// with the same idempotency key creates nothing new; running jobs are reconciled with their
// agent after the restart.
#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

TEST(DurabilityTest, AcknowledgedSubmitsSurviveKill9ExactlyOnce) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  // No agents: the jobs stay pending, so nothing but the submits touches the store.
  constexpr int kThreads = 8, kPerThread = 40;
  std::mutex mu;
  std::map<std::string, int64_t> acked;  // idempotency key -> id
  std::vector<std::thread> threads;
  std::string url = cluster.url();
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto http = net::HttpClient::Create(url, std::chrono::seconds(30));
      ASSERT_OK(http);
      for (int i = 0; i < kPerThread; ++i) {
        std::string key = "key-" + std::to_string(t) + "-" + std::to_string(i);
        Json body{{"command", {"true"}}, {"idempotency_key", key}};
        auto response = (*http)->Send("POST", "/v1/jobs", body.dump(),
                                      {{"Authorization", std::string("Bearer ") + kAcmeToken}});
        ASSERT_OK(response);
        ASSERT_EQ(response->status, 201) << response->body;
        std::lock_guard lock(mu);
        acked[key] = Json::parse(response->body)["id"].get<int64_t>();
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(acked.size(), size_t{kThreads * kPerThread});

  cluster.StopScheduler(SIGKILL);
  ASSERT_OK(cluster.StartScheduler());

  StatusOr<Reply> all = cluster.Call(kAdminToken, "GET", "/v1/jobs?all=true");
  ASSERT_OK(all);
  std::map<int64_t, int> seen;
  for (const Json& job : all->json["items"]) ++seen[job["id"].get<int64_t>()];
  EXPECT_EQ(seen.size(), acked.size()) << "jobs after restart differ from the acknowledged ones";
  for (const auto& [key, id] : acked) {
    EXPECT_EQ(seen[id], 1) << "acknowledged job " << id << " (" << key << ")";
  }

  // A retry with a known key returns the same job and creates nothing.
  const auto& [key, id] = *acked.begin();
  StatusOr<Reply> retry = cluster.Call(kAcmeToken, "POST", "/v1/jobs",
                                       Json{{"command", {"true"}}, {"idempotency_key", key}}.dump());
  ASSERT_OK(retry);
  EXPECT_EQ(retry->status, 200) << retry->body;
  EXPECT_EQ(retry->json["id"], id);
  EXPECT_EQ(cluster.Call(kAdminToken, "GET", "/v1/jobs?all=true")->json["items"].size(),
            acked.size());
  // The same key from another tenant is another job.
  StatusOr<Reply> other = cluster.Call(kGlobexToken, "POST", "/v1/jobs",
                                       Json{{"command", {"true"}}, {"idempotency_key", key}}.dump());
  EXPECT_EQ(other->status, 201);
  EXPECT_NE(other->json["id"], id);
}

TEST(DurabilityTest, RunningJobsAreAdoptedAfterASchedulerRestart) {
  // A restart well inside the agents' fence (half the node timeout) keeps the jobs running.
  Cluster cluster({.node_timeout = "8s"});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "local"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> id = cluster.Submit(kAcmeToken, {{"command", {"echo", "hello"}}});
  ASSERT_OK(id);
  // Spans the restart: still running when the scheduler dies, ends after it is back.
  StatusOr<int64_t> sleeper = cluster.Submit(
      kAcmeToken, {{"command", {"sh", "-c", "sleep 3; echo done; exit 7"}}});
  ASSERT_OK(sleeper);
  ASSERT_OK(cluster.WaitForState(kAcmeToken, *sleeper, "RUNNING"));

  cluster.StopScheduler(SIGKILL);
  ASSERT_OK(cluster.StartScheduler());
  StatusOr<Json> job = cluster.WaitForEnd(kAcmeToken, *sleeper, std::chrono::seconds(30));
  ASSERT_OK(job);
  EXPECT_EQ((*job)["state"], "FAILED") << job->dump();
  EXPECT_EQ((*job)["exit_code"], 7);
  EXPECT_EQ(*cluster.Output(kAcmeToken, *sleeper), "done\n");
  StatusOr<Json> first = cluster.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(first);
  EXPECT_EQ((*first)["state"], "COMPLETED");
}

}  // namespace
}  // namespace sharc::testing
