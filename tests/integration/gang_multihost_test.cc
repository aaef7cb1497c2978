// Gang jobs across hosts: the scheduler in one network namespace, agents a, b and c in three
// others (NetnsLab), each agent reaching the others through the scheduler's namespace. A gang's
// ranks rendezvous over TCP at MASTER_ADDR:MASTER_PORT; a gang that cannot start holds no node
// while it waits; a node cut off under one rank requeues the whole gang elsewhere, and no rank
// of the old attempt runs beside the new one.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "tests/testing/cluster.h"
#include "tests/testing/netns_lab.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

const std::vector<std::string> kAgents = {"a", "b", "c"};

// Rank 0 listens on MASTER_PORT and collects every other rank's number; the other ranks retry
// connecting (up to 30 s) until it does. Each rank prints "rank R of W ok" (the others before
// they send, so that rank 0 ending first cannot cut their line off); rank 0 prints
// "master ADDR PORT" and "joined: 1,2".
constexpr const char* kRendezvous = R"PY(
import os, socket, sys, time
rank, world = int(os.environ["RANK"]), int(os.environ["WORLD_SIZE"])
addr, port = os.environ["MASTER_ADDR"], int(os.environ["MASTER_PORT"])
if rank == 0:
    print("master %s %d" % (addr, port), flush=True)
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(world)
    s.settimeout(30)
    got = []
    for _ in range(world - 1):
        c, _ = s.accept()
        c.settimeout(30)
        got.append(int(b"".join(iter(lambda: c.recv(16), b"")).decode()))
        c.close()
    print("joined: " + ",".join(str(r) for r in sorted(got)), flush=True)
else:
    for _ in range(300):
        try:
            c = socket.create_connection((addr, port), timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        sys.exit("rank %d: nobody listens at %s:%d" % (rank, addr, port))
    print("rank %d of %d ok" % (rank, world), flush=True)
    c.sendall(str(rank).encode())
    c.close()
if rank == 0:
    print("rank 0 of %d ok" % world, flush=True)
)PY";

// The lines of `path` as numbers (nanoseconds since the epoch).
std::vector<int64_t> Stamps(const std::string& path) {
  std::vector<int64_t> stamps;
  std::ifstream in(path);
  int64_t stamp;
  while (in >> stamp) stamps.push_back(stamp);
  return stamps;
}

int64_t NowNanos() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

class GangMultiHostTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string why = NetnsLab::Unavailable(); !why.empty()) GTEST_SKIP() << why;
    lab_ = std::make_unique<NetnsLab>(kAgents);
    if (!lab_->Up()) GTEST_SKIP() << "network namespaces are not available: " << lab_->error();
    cluster_ =
        std::make_unique<Cluster>(ClusterOptions{.node_timeout = "3s",  // fence: 1.5 s
                                                 .netns = lab_->Ns("s"),
                                                 .listen_host = "0.0.0.0",
                                                 .reach_host = lab_->SchedulerReachAddress()});
    ASSERT_OK(cluster_->StartScheduler());
    for (const std::string& agent : kAgents) {
      ASSERT_OK(cluster_->StartAgent({.name = agent,
                                      .synthetic = "pack:1 core:2 pu:1",
                                      .netns = lab_->Ns(agent),
                                      .scheduler_host = lab_->SchedulerAddressFor(agent)}));
    }
    ASSERT_OK(cluster_->WaitForNodes(kAgents.size()));
  }
  // The cluster (its processes) goes before the namespaces they run in.
  void TearDown() override {
    cluster_.reset();
    lab_.reset();
  }

  // One rank's captured stdout.
  std::string RankOutput(int64_t id, int rank) {
    StatusOr<Reply> reply = cluster_->Call(
        kAcmeToken, "GET",
        "/v1/jobs/" + std::to_string(id) + "/output?stream=stdout&rank=" + std::to_string(rank));
    if (!reply.ok()) return "(" + reply.status().ToString() + ")";
    if (reply->status != 200) return "(HTTP " + std::to_string(reply->status) + ") " + reply->body;
    return reply->body;
  }

  // CPUs allocated per node name, from GET /v1/nodes.
  std::map<std::string, int64_t> CpusAllocated() {
    std::map<std::string, int64_t> allocated;
    StatusOr<Reply> nodes = cluster_->Call(kAdminToken, "GET", "/v1/nodes");
    if (!nodes.ok()) return allocated;
    for (const Json& node : nodes->json["items"]) {
      allocated[node["name"]] = node["cpus_allocated"].get<int64_t>();
    }
    return allocated;
  }

  std::unique_ptr<NetnsLab> lab_;
  std::unique_ptr<Cluster> cluster_;
};

TEST_F(GangMultiHostTest, RanksRendezvousAtMasterAddrAcrossHosts) {
  StatusOr<int64_t> id = cluster_->Submit(kAcmeToken, {{"command", {"python3", "-c", kRendezvous}},
                                                       {"num_nodes", 3},
                                                       {"cpus", 1},
                                                       {"mem_bytes", 64 << 20},
                                                       {"time_limit_seconds", 120}});
  ASSERT_OK(id);
  StatusOr<Json> done = cluster_->WaitForEnd(kAcmeToken, *id, std::chrono::seconds(60));
  ASSERT_OK(done);
  StatusOr<std::string> output = cluster_->Output(kAcmeToken, *id);  // rank 0's by default
  std::string rank0 = output.ok() ? *output : output.status().ToString();
  EXPECT_EQ((*done)["state"], "COMPLETED")
      << done->dump() << "\nrank 0: " << rank0 << "\nrank 1: " << RankOutput(*id, 1)
      << "\nrank 2: " << RankOutput(*id, 2);
  ASSERT_EQ((*done)["ranks"].size(), 3u) << done->dump();
  std::set<std::string> nodes;
  for (const Json& rank : (*done)["ranks"]) {
    nodes.insert(rank["node"].get<std::string>());
    EXPECT_TRUE(rank["state"] == "ENDED" || rank["state"] == "STOPPED") << rank.dump();
  }
  EXPECT_EQ(nodes.size(), 3u) << "one rank per node: " << done->dump();

  // MASTER_ADDR is rank 0's node as the scheduler saw it connect: its agent's address.
  const std::string master = lab_->AgentAddress((*done)["ranks"][0]["node"]);
  EXPECT_NE(rank0.find("master " + master + " "), std::string::npos) << rank0;
  EXPECT_NE(rank0.find("joined: 1,2\n"), std::string::npos) << rank0;
  EXPECT_NE(rank0.find("rank 0 of 3 ok\n"), std::string::npos) << rank0;
  // Ranks 1 and 2 ran in other namespaces and reached it over the scheduler's.
  for (int rank : {1, 2}) {
    std::string out = RankOutput(*id, rank);
    EXPECT_NE(out.find("rank " + std::to_string(rank) + " of 3 ok\n"), std::string::npos)
        << "rank " << rank << ": " << out;
  }
}

TEST_F(GangMultiHostTest, AWaitingGangHoldsNoNodeAndShortJobsRunMeanwhile) {
  // The blocker takes a whole node (2 CPUs) for long.
  StatusOr<int64_t> blocker = cluster_->Submit(kAcmeToken, {{"command", {"sleep", "300"}},
                                                            {"cpus", 2},
                                                            {"mem_bytes", 16 << 20},
                                                            {"time_limit_seconds", 600}});
  ASSERT_OK(blocker);
  StatusOr<Json> running = cluster_->WaitForState(kAcmeToken, *blocker, "RUNNING");
  ASSERT_OK(running);
  const std::string busy = (*running)["nodes"][0];

  // A gang of whole nodes cannot start until the blocker ends.
  StatusOr<int64_t> gang = cluster_->Submit(kAcmeToken, {{"command", {"sh", "-c", "echo $RANK"}},
                                                         {"num_nodes", 3},
                                                         {"cpus", 2},
                                                         {"mem_bytes", 16 << 20},
                                                         {"time_limit_seconds", 60}});
  ASSERT_OK(gang);
  // Short whole-node jobs submitted after it still run on the free nodes: they end long before
  // the gang could start, and the gang holds nothing meanwhile.
  std::set<std::string> used;
  for (int i = 0; i < 2; ++i) {
    StatusOr<int64_t> small = cluster_->Submit(
        kAcmeToken,
        {{"command", {"true"}}, {"cpus", 2}, {"mem_bytes", 16 << 20}, {"time_limit_seconds", 30}});
    ASSERT_OK(small);
    StatusOr<Json> ended = cluster_->WaitForEnd(kAcmeToken, *small);
    ASSERT_OK(ended);
    EXPECT_EQ((*ended)["state"], "COMPLETED") << ended->dump();
    ASSERT_EQ((*ended)["nodes"].size(), 1u) << ended->dump();
    used.insert((*ended)["nodes"][0].get<std::string>());
  }
  EXPECT_EQ(used.count(busy), 0u) << "the busy node ran a short job";

  StatusOr<Json> waiting = cluster_->GetJob(kAcmeToken, *gang);
  ASSERT_OK(waiting);
  EXPECT_EQ((*waiting)["state"], "PENDING") << waiting->dump();
  EXPECT_TRUE((*waiting)["nodes"].empty()) << waiting->dump();
  std::map<std::string, int64_t> allocated = CpusAllocated();
  for (const std::string& node : kAgents) {
    EXPECT_EQ(allocated[node], node == busy ? 2 : 0) << "node " << node;
  }

  // The blocker gone, the gang starts on all three nodes and completes.
  StatusOr<Reply> cancel =
      cluster_->Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*blocker) + "/cancel");
  ASSERT_OK(cancel);
  ASSERT_EQ(cancel->status, 200) << cancel->body;
  // Not polled for RUNNING: the gang's ranks end within milliseconds, between two polls. That
  // it completed on three nodes shows it started on all of them.
  StatusOr<Json> done = cluster_->WaitForEnd(kAcmeToken, *gang);
  ASSERT_OK(done);
  EXPECT_EQ((*done)["state"], "COMPLETED") << done->dump();
  EXPECT_EQ((*done)["nodes"].size(), 3u) << done->dump();
}

TEST_F(GangMultiHostTest, ANodeCutUnderOneRankRequeuesTheWholeGangElsewhere) {
  // Each rank of each attempt stamps the time every 50 ms into its own file, 160 times (8 s+).
  const std::string log = cluster_->dir() + "/stamps";
  std::filesystem::create_directory(log);
  std::filesystem::permissions(log, std::filesystem::perms::all);
  auto file = [&](int attempt, int rank) {
    return log + "/" + std::to_string(attempt) + "." + std::to_string(rank);
  };
  const std::string script =
      "f=" + log +
      "/$SHARC_ATTEMPT.$RANK; i=0; "
      "while [ $i -lt 160 ]; do date +%s%N >> $f; sleep 0.05; i=$((i+1)); done";
  StatusOr<int64_t> id = cluster_->Submit(kAcmeToken, {{"command", {"sh", "-c", script}},
                                                       {"num_nodes", 2},
                                                       {"cpus", 1},
                                                       {"mem_bytes", 16 << 20},
                                                       {"time_limit_seconds", 120}});
  ASSERT_OK(id);
  StatusOr<Json> running = cluster_->WaitForState(kAcmeToken, *id, "RUNNING");
  ASSERT_OK(running);
  ASSERT_EQ((*running)["ranks"].size(), 2u) << running->dump();
  const std::string kept = (*running)["ranks"][0]["node"],
                    cut_node = (*running)["ranks"][1]["node"];
  ASSERT_TRUE(
      WaitFor([&] { return Stamps(file(1, 0)).size() >= 3 && Stamps(file(1, 1)).size() >= 3; }));

  // Cut rank 1's node off: it is DOWN after 3 s and the whole gang runs again elsewhere.
  const int64_t cut_at = NowNanos();
  const auto cut = std::chrono::steady_clock::now();
  ASSERT_TRUE(lab_->SetLink(cut_node, false));
  StatusOr<Json> requeued = InternalError("never requeued");
  ASSERT_TRUE(WaitFor(
      [&] {
        requeued = cluster_->GetJob(kAcmeToken, *id);
        return requeued.ok() && (*requeued)["attempt"] == 2 && (*requeued)["state"] == "RUNNING";
      },
      std::chrono::seconds(15)))
      << (requeued.ok() ? requeued->dump() : requeued.status().ToString());
  EXPECT_LT(std::chrono::steady_clock::now() - cut, std::chrono::seconds(6));
  std::vector<std::string> nodes = (*requeued)["nodes"];
  EXPECT_EQ(nodes.size(), 2u);
  EXPECT_EQ(std::count(nodes.begin(), nodes.end(), cut_node), 0) << requeued->dump();
  ASSERT_TRUE(WaitFor([&] { return !Stamps(file(2, 0)).empty() && !Stamps(file(2, 1)).empty(); }));

  // From the ranks' own stamps: attempt 1 stopped everywhere before attempt 2 began. The cut-off
  // rank stopped itself (its agent fenced after 1.5 s of silence) before its node was declared
  // DOWN; the other one ran on until the scheduler, having declared it, killed it.
  std::vector<int64_t> kept_old = Stamps(file(1, 0)), cut_old = Stamps(file(1, 1));
  int64_t second_start = std::min(Stamps(file(2, 0)).front(), Stamps(file(2, 1)).front());
  EXPECT_LT(kept_old.size(), 160u) << "attempt 1's rank 0 was stopped";
  EXPECT_LT(cut_old.size(), 160u) << "attempt 1's rank 1 was stopped";
  EXPECT_LT(kept_old.back(), second_start) << "rank 0 of attempts 1 and 2 overlapped by "
                                           << (kept_old.back() - second_start) / 1000000 << " ms";
  EXPECT_LT(cut_old.back(), second_start) << "rank 1 of attempt 1 and attempt 2 overlapped by "
                                          << (cut_old.back() - second_start) / 1000000 << " ms";
  EXPECT_LT(cut_old.back() - cut_at, 3'000'000'000) << "the cut-off rank did not fence itself";
  EXPECT_GT(kept_old.back(), cut_old.back()) << "rank 0 stopped before the scheduler knew";

  // Reconnected, the cut node comes back; nothing of attempt 1 runs any more.
  ASSERT_TRUE(lab_->SetLink(cut_node, true));
  ASSERT_OK(cluster_->WaitForNodes(kAgents.size()));
  const size_t kept_count = Stamps(file(1, 0)).size(), cut_count = Stamps(file(1, 1)).size();
  StatusOr<Json> done = cluster_->WaitForEnd(kAcmeToken, *id, std::chrono::seconds(30));
  ASSERT_OK(done);
  EXPECT_EQ((*done)["state"], "COMPLETED") << done->dump();
  EXPECT_EQ((*done)["attempt"], 2);
  EXPECT_EQ(Stamps(file(1, 0)).size(), kept_count) << "attempt 1's rank 0 still runs";
  EXPECT_EQ(Stamps(file(1, 1)).size(), cut_count) << "attempt 1's rank 1 still runs";
  EXPECT_EQ(Stamps(file(2, 0)).size(), 160u) << "attempt 2's rank 0 ran to the end";
}

}  // namespace
}  // namespace sharc::testing
