// The scheduler core, driven directly: a fake clock, a real SQLite store in a temp dir, and
// in-memory agent connections. Covers the lifecycle, fencing and reconciliation rules.
#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

TEST_F(SchedulerTest, APendingJobIsPlacedWhenANodeRegistersAndLaunchedAfterCommit) {
  JobId id = Submit("acme", {"true"}, 2);
  EXPECT_EQ(JobOf(id).state, JobState::kPending);
  auto agent = Register(Node("n1", 4));
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::LaunchMsg>().empty(); }));
  const Job& job = JobOf(id);
  EXPECT_EQ(job.state, JobState::kRunning);
  EXPECT_EQ(job.attempt, 1);
  auto launch = agent->Sent<protocol::LaunchMsg>().front();
  EXPECT_EQ(launch.attempt, (AttemptId{id, 1}));
  ASSERT_EQ(launch.allocation.nodes.size(), 1u);
  EXPECT_EQ(launch.rank, 0);
  EXPECT_EQ(launch.allocation.nodes[0].cpus.size(), 2u);
  EXPECT_EQ(launch.allocation.nodes[0].node, "n1");
  EXPECT_EQ(launch.allocation, *job.allocation);
  EXPECT_TRUE(scheduler_->state().CheckInvariants().ok());
}

TEST_F(SchedulerTest, AnExitReportEndsTheJobAndIsAcknowledgedOnlyAfterItIsDurable) {
  auto agent = Register(Node("n1", 2));
  JobId id = Submit("acme", {"false"});
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::LaunchMsg>().empty(); }));
  AttemptReport report{{id, 1}, true, 100, 200, 1, std::nullopt};
  scheduler_->nodes().OnAgentMessage("n1", protocol::JobUpdateMsg{report});
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::UpdateAckMsg>().empty(); }));
  EXPECT_EQ(JobOf(id).state, JobState::kFailed);
  EXPECT_EQ(JobOf(id).reason, "NON_ZERO_EXIT");
  EXPECT_EQ(JobOf(id).exit_code, 1);
  // Durable: a fresh scheduler over the same store sees the end.
  Reopen();
  EXPECT_EQ(JobOf(id).state, JobState::kFailed);
  EXPECT_EQ(JobOf(id).end_time, 200);
}

TEST_F(SchedulerTest, ASilentNodeGoesDownAndItsJobsAreRequeuedOrNodeFail) {
  auto agent = Register(Node("n1", 2));
  JobId id = Submit("acme", {"sleep", "60"});
  JobSpec once = Spec({"sleep", "60"});
  once.requeue = false;
  JobId no_requeue = TrySubmit("acme", once)->jobs[0].id;
  ASSERT_TRUE(tasks_.RunUntil([&] { return JobOf(no_requeue).state == JobState::kRunning; }));
  clock_.Advance(options_.node_timeout - std::chrono::milliseconds(100));
  scheduler_->Tick();
  EXPECT_EQ(scheduler_->state().FindNode("n1")->record.state, NodeState::kUp);
  clock_.Advance(std::chrono::milliseconds(200));
  scheduler_->Tick();
  Settle();
  EXPECT_EQ(scheduler_->state().FindNode("n1")->record.state, NodeState::kDown);
  EXPECT_EQ(JobOf(id).state, JobState::kPending);  // requeued, same id
  EXPECT_EQ(JobOf(id).reason, "NODE_FAIL");
  EXPECT_EQ(JobOf(id).attempt, 1);
  EXPECT_EQ(JobOf(no_requeue).state, JobState::kNodeFail);
  EXPECT_EQ(JobOf(no_requeue).reason, "NODE_DOWN");
  EXPECT_FALSE(agent->closed.empty());
  EXPECT_TRUE(scheduler_->state().CheckInvariants().ok());
}

// A restart gives every node a fresh node_timeout to come back in, but what people and the
// heartbeat alert see is how long it has really been silent; a DOWN node shows no usage.
TEST_F(SchedulerTest, ANodesHeartbeatAgeOutlivesARestartAndADownNodeShowsNoUsage) {
  auto agent = Register(Node("n1", 2));
  protocol::NodeSample sample;
  sample.agent_start_time = 1;
  sample.cpu_used_millis = 1'500;
  scheduler_->nodes().OnAgentMessage("n1", protocol::HeartbeatMsg{sample});
  Settle();
  ASSERT_TRUE(scheduler_->MetricsSnapshot().node_resources.at(0).used.has_value());
  clock_.Advance(options_.node_timeout + std::chrono::seconds(1));
  scheduler_->Tick();
  Settle();
  ASSERT_EQ(scheduler_->state().FindNode("n1")->record.state, NodeState::kDown);
  EXPECT_FALSE(scheduler_->MetricsSnapshot().node_resources.at(0).used.has_value());

  clock_.Advance(std::chrono::minutes(10));
  Reopen();
  const double silent =
      (options_.node_timeout + std::chrono::minutes(10) + std::chrono::seconds(1)) /
      std::chrono::seconds(1);
  EXPECT_GE(scheduler_->nodes().ListNodes().at(0).heartbeat_age,
            std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::minutes(10)));
  EXPECT_GE(scheduler_->MetricsSnapshot().node_resources.at(0).heartbeat_age_seconds, silent - 1);
  // Heard from again: the age starts over.
  auto back = Register(Node("n1", 2));
  EXPECT_LT(scheduler_->nodes().ListNodes().at(0).heartbeat_age, std::chrono::seconds(1));
}

TEST_F(SchedulerTest, AJobIsRequeuedOnlyUpToMaxAttempts) {
  options_.max_attempts = 2;
  Reopen();
  JobId id = Submit("acme", {"sleep", "60"});
  for (int attempt = 1; attempt <= 2; ++attempt) {
    auto agent = Register(Node("n1", 2));
    ASSERT_TRUE(tasks_.RunUntil([&] { return JobOf(id).state == JobState::kRunning; }));
    EXPECT_EQ(JobOf(id).attempt, attempt);
    clock_.Advance(options_.node_timeout + std::chrono::seconds(1));
    scheduler_->Tick();
    Settle();
  }
  EXPECT_EQ(JobOf(id).state, JobState::kNodeFail);
  EXPECT_NE(JobOf(id).message.find(
                "not requeued: it has lost 2 attempts to failed nodes (jobs.max_attempts)"),
            std::string::npos)
      << JobOf(id).message;
  EXPECT_EQ(JobOf(id).node_failures, 2);
}

TEST_F(SchedulerTest, AReturningNodesStaleAttemptIsKilledNotAdopted) {
  auto agent = Register(Node("n1", 2));
  JobId id = Submit("acme", {"sleep", "60"});
  ASSERT_TRUE(tasks_.RunUntil([&] { return JobOf(id).state == JobState::kRunning; }));
  clock_.Advance(options_.node_timeout + std::chrono::seconds(1));
  scheduler_->Tick();
  ASSERT_EQ(JobOf(id).state, JobState::kPending);  // requeued
  Settle();
  AttemptReport still_running{{id, 1}, false, 100};
  auto back = Register(Node("n1", 2), {still_running});
  auto kills = back->Sent<protocol::KillMsg>();
  ASSERT_EQ(kills.size(), 1u);
  EXPECT_EQ(kills[0].attempt, (AttemptId{id, 1}));
  EXPECT_EQ(kills[0].reason, protocol::KillReason::kStale);
  EXPECT_EQ(scheduler_->state().FindNode("n1")->record.state, NodeState::kUp);
  // The requeued job runs again, as attempt 2.
  ASSERT_TRUE(tasks_.RunUntil([&] { return !back->Sent<protocol::LaunchMsg>().empty(); }));
  EXPECT_EQ(back->Sent<protocol::LaunchMsg>().front().attempt, (AttemptId{id, 2}));
}

TEST_F(SchedulerTest, ALaunchThatNeverReachedTheAgentIsSentAgainOnReconnect) {
  auto agent = Register(Node("n1", 2));
  scheduler_->nodes().OnAgentDisconnected("n1", agent.get());
  JobId id = Submit("acme", {"true"});
  // Disconnected nodes take no new work.
  Settle();
  EXPECT_EQ(JobOf(id).state, JobState::kPending);
  auto back = Register(Node("n1", 2));
  ASSERT_TRUE(tasks_.RunUntil([&] { return !back->Sent<protocol::LaunchMsg>().empty(); }));
  // Now drop the connection before the agent confirms, and come back without the attempt.
  scheduler_->nodes().OnAgentDisconnected("n1", back.get());
  auto again = Register(Node("n1", 2));
  ASSERT_TRUE(tasks_.RunUntil([&] { return !again->Sent<protocol::LaunchMsg>().empty(); }));
  EXPECT_EQ(again->Sent<protocol::LaunchMsg>().front().attempt, (AttemptId{id, 1}));
  EXPECT_EQ(JobOf(id).state, JobState::kRunning);
}

TEST_F(SchedulerTest, AConfirmedAttemptTheAgentForgotIsNodeFail) {
  auto agent = Register(Node("n1", 2));
  JobSpec once = Spec({"sleep", "60"});
  once.requeue = false;
  JobId id = TrySubmit("acme", once)->jobs[0].id;
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::LaunchMsg>().empty(); }));
  scheduler_->nodes().OnAgentMessage("n1",
                                     protocol::JobUpdateMsg{AttemptReport{{id, 1}, false, 100}});
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::UpdateAckMsg>().empty(); }));
  auto back = Register(Node("n1", 2));
  EXPECT_EQ(JobOf(id).state, JobState::kNodeFail);
  EXPECT_EQ(JobOf(id).reason, "NODE_LOST_JOB");
}

TEST_F(SchedulerTest, ReportsFromANodeThatDoesNotHoldTheAttemptAreFenced) {
  auto n1 = Register(Node("n1", 2));
  auto n2 = Register(Node("n2", 2));
  JobId id = Submit("acme", {"sleep", "60"});
  ASSERT_TRUE(tasks_.RunUntil([&] { return JobOf(id).state == JobState::kRunning; }));
  std::string holder = JobOf(id).allocation->nodes.at(0).node;
  std::string other = holder == "n1" ? "n2" : "n1";
  auto& other_agent = other == "n1" ? n1 : n2;
  scheduler_->nodes().OnAgentMessage(other,
                                     protocol::JobUpdateMsg{AttemptReport{{id, 1}, true, 1, 2, 0}});
  Settle();
  EXPECT_EQ(JobOf(id).state, JobState::kRunning) << "a foreign report changed the job";
  EXPECT_EQ(other_agent->Sent<protocol::UpdateAckMsg>().size(), 1u);  // told to forget it
  scheduler_->nodes().OnAgentMessage(other,
                                     protocol::JobUpdateMsg{AttemptReport{{id, 1}, false, 1}});
  EXPECT_EQ(other_agent->Sent<protocol::KillMsg>().size(), 1u);  // and to kill a live one
}

TEST_F(SchedulerTest, ConcurrentSubmitsWithOneIdempotencyKeyCreateOneJob) {
  protocol::SubmitItem item;
  item.spec.command = {"true"};
  item.idempotency_key = "same";
  std::vector<StatusOr<SubmitOutcome>> results;
  for (int i = 0; i < 3; ++i) {
    scheduler_->jobs().Submit(As("acme"), {item},
                              [&](StatusOr<SubmitOutcome> r) { results.push_back(std::move(r)); });
  }
  ASSERT_TRUE(tasks_.RunUntil([&] { return results.size() == 3; }));
  std::set<int64_t> ids;
  int created = 0;
  for (auto& r : results) {
    ASSERT_TRUE(r.ok());
    ids.insert(r->jobs.front().id.value);
    created += r->created;
  }
  EXPECT_EQ(ids.size(), 1u);
  EXPECT_EQ(created, 1);
  EXPECT_EQ(scheduler_->state().jobs().size(), 1u);
}

// A key names one request: a retry gets the job it made; another request under the same key
// is refused, naming what differs, instead of silently answering with the first job.
TEST_F(SchedulerTest, AnIdempotencyKeyReusedForADifferentRequestIsAConflict) {
  auto submit = [&](const std::vector<std::string>& command, const std::string& label) {
    protocol::SubmitItem item;
    item.spec.command = command;
    item.spec.labels["pool"] = label;
    item.idempotency_key = "train-1";
    std::optional<StatusOr<SubmitOutcome>> result;
    scheduler_->jobs().Submit(As("acme"), {item},
                              [&](StatusOr<SubmitOutcome> r) { result = std::move(r); });
    EXPECT_TRUE(tasks_.RunUntil([&] { return result.has_value(); }));
    return *result;
  };
  StatusOr<SubmitOutcome> first = submit({"train.sh", "--lr", "0.1"}, "a");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  StatusOr<SubmitOutcome> retry = submit({"train.sh", "--lr", "0.1"}, "a");
  ASSERT_TRUE(retry.ok()) << retry.status().ToString();
  EXPECT_FALSE(retry->created);
  EXPECT_EQ(retry->jobs.front().id, first->jobs.front().id);

  StatusOr<SubmitOutcome> other = submit({"train.sh", "--lr", "0.2"}, "b");
  ASSERT_FALSE(other.ok());
  EXPECT_EQ(other.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(other.status().message(),
            "idempotency_key \"train-1\" already submitted job " +
                std::to_string(first->jobs.front().id.value) +
                " with a different request (command, labels differ): a retry must repeat the "
                "request, and a new job needs a new key");
  EXPECT_EQ(scheduler_->state().jobs().size(), 1u);
}

TEST_F(SchedulerTest, CancelOfARunningJobIsDurableBeforeTheKillIsSent) {
  auto agent = Register(Node("n1", 2));
  JobId id = Submit("acme", {"sleep", "60"});
  ASSERT_TRUE(tasks_.RunUntil([&] { return !agent->Sent<protocol::LaunchMsg>().empty(); }));
  std::optional<StatusOr<Job>> result;
  scheduler_->jobs().Cancel(As("acme"), id, [&](StatusOr<Job> r) { result = r; });
  EXPECT_TRUE(agent->Sent<protocol::KillMsg>().empty()) << "kill sent before the commit";
  ASSERT_TRUE(tasks_.RunUntil([&] { return result.has_value(); }));
  ASSERT_EQ(agent->Sent<protocol::KillMsg>().size(), 1u);
  EXPECT_EQ(agent->Sent<protocol::KillMsg>()[0].reason, protocol::KillReason::kCancel);
  EXPECT_TRUE((*result)->cancel_requested);
  // Another tenant cannot cancel it; the agent's report ends it as CANCELLED.
  std::optional<StatusOr<Job>> foreign;
  scheduler_->jobs().Cancel(As("globex"), id, [&](StatusOr<Job> r) { foreign = r; });
  EXPECT_EQ(foreign->status().code(), StatusCode::kNotFound);
  AttemptReport ended{{id, 1}, true, 1, 2, std::nullopt, 15, protocol::AttemptEnding::kCancelled};
  scheduler_->nodes().OnAgentMessage("n1", protocol::JobUpdateMsg{ended});
  ASSERT_TRUE(tasks_.RunUntil([&] { return JobOf(id).state == JobState::kCancelled; }));
}

TEST_F(SchedulerTest, RestoreBringsBackJobsAllocationsAndTheIdCounter) {
  auto agent = Register(Node("n1", 2));
  JobId running = Submit("acme", {"sleep", "60"}, 2);
  JobId pending = Submit("globex", {"true"}, 2);
  ASSERT_TRUE(tasks_.RunUntil([&] { return JobOf(running).state == JobState::kRunning; }));
  Settle();
  Reopen();
  EXPECT_EQ(JobOf(running).state, JobState::kRunning);
  EXPECT_EQ(JobOf(pending).state, JobState::kPending);
  EXPECT_TRUE(scheduler_->state().CheckInvariants().ok());
  const std::vector<JobId>& on_n1 = scheduler_->state().JobsOn(*scheduler_->state().FindNode("n1"));
  EXPECT_EQ(std::count(on_n1.begin(), on_n1.end(), running), 1);
  JobId next = Submit("acme", {"true"});
  EXPECT_GT(next.value, pending.value);
}

}  // namespace
}  // namespace sharc::scheduler
