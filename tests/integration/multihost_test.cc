// Several hosts on one machine: the scheduler in one network namespace, two agents in two
// others, joined by veth pairs. Cutting one agent off makes its node DOWN in time; its job is
// requeued and completes on the other node; the cut-off agent stops the stale attempt itself
// (self-fencing) before the requeued one starts, and when it is reconnected its node comes
// back UP. That no job ran two attempts at once is checked from the jobs' own output.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/testing/cluster.h"
#include "tests/testing/netns_lab.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

// The lines of `path` as numbers (nanoseconds since the epoch).
std::vector<int64_t> Stamps(const std::string& path) {
  std::vector<int64_t> stamps;
  std::ifstream in(path);
  int64_t stamp;
  while (in >> stamp) stamps.push_back(stamp);
  return stamps;
}

TEST(MultiHostTest, ACutOffNodesJobIsRequeuedElsewhereAndNeverRunsTwice) {
  if (std::string why = NetnsLab::Unavailable(); !why.empty()) GTEST_SKIP() << why;
  NetnsLab lab({"a", "b"});
  if (!lab.Up()) GTEST_SKIP() << "network namespaces are not available here: " << lab.error();

  Cluster cluster({.node_timeout = "3s",  // agents fence after 1.5 s of silence
                   .netns = lab.Ns("s"),
                   .listen_host = "0.0.0.0",
                   .reach_host = lab.SchedulerReachAddress()});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "a",
                                .synthetic = "pack:1 core:2 pu:1",
                                .netns = lab.Ns("a"),
                                .scheduler_host = lab.SchedulerAddressFor("a")}));
  ASSERT_OK(cluster.StartAgent({.name = "b",
                                .synthetic = "pack:1 core:2 pu:1",
                                .netns = lab.Ns("b"),
                                .scheduler_host = lab.SchedulerAddressFor("b")}));
  ASSERT_OK(cluster.WaitForNodes(2));

  // Each attempt stamps the time every 50 ms into its own file while it runs, 3 s in all.
  std::string log = cluster.dir() + "/stamps";
  std::filesystem::create_directory(log);
  std::filesystem::permissions(log, std::filesystem::perms::all);
  std::string script = "f=" + log +
                       "/$SHARC_JOB_ID.$SHARC_ATTEMPT.$SHARC_NODE; i=0; "
                       "while [ $i -lt 60 ]; do date +%s%N >> $f; sleep 0.05; i=$((i+1)); done";
  StatusOr<int64_t> id = cluster.Submit(
      kAcmeToken,
      {{"command", {"sh", "-c", script}}, {"mem_bytes", 16 << 20}, {"time_limit_seconds", 60}});
  ASSERT_OK(id);
  StatusOr<Json> running = cluster.WaitForState(kAcmeToken, *id, "RUNNING");
  ASSERT_OK(running);
  ASSERT_EQ((*running)["nodes"].size(), 1u);
  // Both nodes are empty and alike, so either may take it: cut the one it runs on.
  const std::string cut_node = (*running)["nodes"][0];
  const std::string other = cut_node == "a" ? "b" : "a";
  std::string first = log + "/" + std::to_string(*id) + ".1." + cut_node;
  ASSERT_TRUE(WaitFor([&] { return Stamps(first).size() >= 3; }));

  auto cut = std::chrono::steady_clock::now();
  ASSERT_TRUE(lab.SetLink(cut_node, false));
  StatusOr<Json> requeued = InternalError("never requeued");
  ASSERT_TRUE(WaitFor(
      [&] {
        requeued = cluster.GetJob(kAcmeToken, *id);
        return requeued.ok() && (*requeued)["attempt"] == 2 && (*requeued)["state"] == "RUNNING";
      },
      std::chrono::seconds(15)))
      << (requeued.ok() ? requeued->dump() : requeued.status().ToString());
  EXPECT_LT(std::chrono::steady_clock::now() - cut, std::chrono::seconds(6));
  EXPECT_EQ((*requeued)["nodes"], Json::array({other}));
  EXPECT_EQ((*requeued)["attempt"], 2);
  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  for (const Json& node : nodes->json["items"]) {
    if (node["name"] == cut_node) {
      EXPECT_EQ(node["state"], "DOWN");
    }
  }

  StatusOr<Json> done = cluster.WaitForEnd(kAcmeToken, *id, std::chrono::seconds(30));
  ASSERT_OK(done);
  EXPECT_EQ((*done)["state"], "COMPLETED");
  EXPECT_EQ((*done)["nodes"], Json::array({other}));

  // Reconnect the cut node: it comes back UP, and reports its attempt as ended (it fenced itself).
  ASSERT_TRUE(lab.SetLink(cut_node, true));
  ASSERT_OK(cluster.WaitForNodes(2));

  // From the jobs' own output: attempt 1 stopped before attempt 2 (on the other node) started.
  std::vector<int64_t> one = Stamps(first),
                       two = Stamps(log + "/" + std::to_string(*id) + ".2." + other);
  ASSERT_FALSE(one.empty());
  ASSERT_EQ(two.size(), 60u) << "attempt 2 ran to the end";
  EXPECT_LT(one.size(), 60u) << "attempt 1 was stopped";
  EXPECT_LT(one.back(), two.front())
      << "attempts 1 and 2 overlapped by " << (one.back() - two.front()) / 1'000'000 << " ms";
  size_t before = one.size();
  EXPECT_EQ(Stamps(first).size(), before) << "the stale attempt still runs";
}

}  // namespace
}  // namespace sharc::testing
