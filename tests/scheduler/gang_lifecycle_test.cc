// Gang jobs through the scheduler core: one launch per rank with the rendezvous; ranks' exits
// kept; the job ends with rank 0 (or every rank) and the other ranks are killed; a node lost
// under one rank requeues the whole gang; the whole gang counts against the tenant.
#include <set>

#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

class GangTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    for (const char* name : {"n1", "n2", "n3"}) {
      NodeInventory inv = Node(name, 4);
      inv.address = std::string("10.0.0.") + name[1];
      agents_[name] = Register(inv);
    }
  }

  JobId SubmitGang(int nodes, bool wait_all = false) {
    JobSpec spec = Spec({"train"}, 2);
    spec.num_nodes = nodes;
    spec.wait_all_ranks = wait_all;
    StatusOr<SubmitOutcome> outcome = TrySubmit("acme", spec);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    Settle();
    return outcome.ok() ? outcome->jobs.front().id : JobId{};
  }

  // The node of `rank` of `id`'s allocation.
  std::string NodeOf(JobId id, int rank) { return JobOf(id).allocation->nodes.at(rank).node; }

  void RankExits(JobId id, int rank, int code) {
    ReportExit(NodeOf(id, rank), id, JobOf(id).attempt, 100, 200, code, std::nullopt);
  }

  std::vector<protocol::KillMsg> KillsOn(const std::string& node) {
    return agents_[node]->Sent<protocol::KillMsg>();
  }

  std::map<std::string, std::shared_ptr<RecordingConnection>> agents_;
};

TEST_F(GangTest, EveryRankIsLaunchedWithTheRendezvous) {
  JobId id = SubmitGang(3);
  const Job& job = JobOf(id);
  ASSERT_EQ(job.state, JobState::kRunning);
  ASSERT_EQ(job.allocation->nodes.size(), 3u);
  std::set<int32_t> ranks;
  for (int rank = 0; rank < 3; ++rank) {
    auto launches = agents_[NodeOf(id, rank)]->Sent<protocol::LaunchMsg>();
    ASSERT_EQ(launches.size(), 1u);
    EXPECT_EQ(launches[0].rank, rank);
    EXPECT_EQ(launches[0].allocation, *job.allocation);
    ranks.insert(launches[0].rank);
  }
  EXPECT_EQ(ranks.size(), 3u);
  const NodeAllocation& first = job.allocation->nodes[0];
  EXPECT_EQ(first.address, "10.0.0." + first.node.substr(1));
  EXPECT_EQ(first.port, kFirstRendezvousPort);
  // A second gang with rank 0 on the same node gets another port.
  JobId second = SubmitGang(2);
  const NodeAllocation& other = JobOf(second).allocation->nodes[0];
  if (other.node == first.node) {
    EXPECT_NE(other.port, first.port);
  }
}

TEST_F(GangTest, TheJobEndsWithRankZeroAndTheOtherRanksAreKilled) {
  JobId id = SubmitGang(3);
  RankExits(id, 1, 0);
  EXPECT_EQ(JobOf(id).state, JobState::kRunning) << "rank 1's exit ended the gang";
  ASSERT_EQ(JobOf(id).rank_exits.size(), 1u);
  RankExits(id, 0, 3);
  const Job& job = JobOf(id);
  EXPECT_EQ(job.state, JobState::kFailed);
  EXPECT_EQ(job.exit_code, 3);  // rank 0's
  ASSERT_EQ(KillsOn(NodeOf(id, 2)).size(), 1u);
  EXPECT_EQ(KillsOn(NodeOf(id, 2))[0].attempt, (AttemptId{id, 1}));
  EXPECT_TRUE(KillsOn(NodeOf(id, 1)).empty()) << "rank 1 had already ended";
  // Rank 2, killed, reports its exit after the job ended: kept too.
  ReportExit(NodeOf(id, 2), id, 1, 100, 300, std::nullopt, 15);
  Reopen();  // every rank's exit is kept
  ASSERT_EQ(JobOf(id).rank_exits.size(), 3u);
  EXPECT_EQ(JobOf(id).rank_exits[2].rank, 2);
  EXPECT_EQ(JobOf(id).rank_exits[2].exit_signal, 15);
  EXPECT_EQ(JobOf(id).rank_exits[0].rank, 1);
  EXPECT_EQ(JobOf(id).rank_exits[0].exit_code, 0);
}

TEST_F(GangTest, WaitAllRanksEndsOnlyWhenTheLastRankEnds) {
  JobId id = SubmitGang(2, /*wait_all=*/true);
  RankExits(id, 0, 0);
  EXPECT_EQ(JobOf(id).state, JobState::kRunning);
  RankExits(id, 1, 0);
  EXPECT_EQ(JobOf(id).state, JobState::kCompleted);
}

TEST_F(GangTest, ANodeLostUnderOneRankRequeuesTheWholeGang) {
  JobId id = SubmitGang(3);
  std::string lost = NodeOf(id, 1);
  std::vector<std::string> others = {NodeOf(id, 0), NodeOf(id, 2)};
  clock_.Advance(options_.node_timeout + std::chrono::seconds(1));
  // The other nodes keep heartbeating; the lost one is silent.
  for (const std::string& node : others) {
    scheduler_->nodes().OnAgentMessage(node, protocol::HeartbeatMsg{});
  }
  scheduler_->Tick();
  Settle();
  EXPECT_EQ(scheduler_->state().FindNode(lost)->record.state, NodeState::kDown);
  const Job& job = JobOf(id);
  // Requeued whole; it needs 3 nodes and 2 are left: pending.
  EXPECT_EQ(job.state, JobState::kPending);
  EXPECT_EQ(job.attempt, 1);
  EXPECT_EQ(job.reason, "NODE_FAIL");
  for (const std::string& node : others) {
    ASSERT_EQ(KillsOn(node).size(), 1u) << node;
    EXPECT_EQ(KillsOn(node)[0].attempt, (AttemptId{id, 1}));
  }
  EXPECT_TRUE(scheduler_->state().CheckInvariants().ok());
}

TEST_F(GangTest, ARankThatFailsToLaunchFailsTheGang) {
  JobId id = SubmitGang(2);
  AttemptReport report{{id, 1},
                       true,
                       100,
                       200,
                       std::nullopt,
                       std::nullopt,
                       protocol::AttemptEnding::kLaunchFailed,
                       "exec: No such file"};
  std::string node = NodeOf(id, 1);
  scheduler_->nodes().OnAgentMessage(node, protocol::JobUpdateMsg{report});
  Settle();
  EXPECT_EQ(JobOf(id).state, JobState::kFailed);
  EXPECT_EQ(JobOf(id).reason, "LAUNCH_FAILED");
  EXPECT_NE(JobOf(id).message.find("rank 1 on " + node), std::string::npos) << JobOf(id).message;
}

TEST_F(GangTest, TheWholeGangCountsAgainstTheTenant) {
  JobId id = SubmitGang(3);
  ASSERT_EQ(JobOf(id).state, JobState::kRunning);
  EXPECT_EQ(scheduler_->state().UsageOf("acme").held.Get(kCpuResource), 3 * 2 * 1000);
  // A max of 4 CPUs refuses a 3 x 2-CPU gang at submit.
  QuotaOf("globex").max.Set(kCpuResource, 4000);
  Reopen();
  JobSpec spec = Spec({"train"}, 2);
  spec.num_nodes = 3;
  StatusOr<SubmitOutcome> refused = TrySubmit("globex", spec);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("quota"), std::string::npos)
      << refused.status().message();
}

}  // namespace
}  // namespace sharc::scheduler
