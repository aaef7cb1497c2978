// Job arrays through the scheduler core: one commit per submit, pending tasks kept as one
// entry, "%K" respected at every step, cancel of the array or of one task, a restart mid-way,
// and dependencies on an array.
#include <set>

#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

using protocol::AttemptEnding;

class ArraysTest : public SchedulerTest {
 protected:
  StatusOr<SubmitOutcome> TrySubmitArray(const std::string& array,
                                         std::vector<std::string> command = {"true"},
                                         std::vector<JobId> after_ok = {}) {
    JobSpec spec = Spec(std::move(command));
    spec.array = array;
    spec.after_ok = std::move(after_ok);
    return TrySubmit("acme", spec);
  }
  JobId SubmitArray(const std::string& array, std::vector<std::string> command = {"true"},
                    std::vector<JobId> after_ok = {}) {
    StatusOr<SubmitOutcome> outcome = TrySubmitArray(array, std::move(command), after_ok);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? outcome->jobs.front().id : JobId{};
  }

  // The array's tasks whose job is in `state`.
  std::vector<const Job*> Tasks(JobId array, JobState state) {
    std::vector<const Job*> out;
    for (const auto& [id, job] : scheduler_->state().jobs()) {
      if (job.array_job == array && job.state == state) out.push_back(&job);
    }
    return out;
  }

  // Reports every running task of `array` exited with `code` (one settle for all of them).
  void ExitRunning(JobId array, int code, const std::string& node = "n1",
                   AttemptEnding ending = AttemptEnding::kNone) {
    std::vector<AttemptId> running;
    for (const Job* task : Tasks(array, JobState::kRunning)) {
      running.push_back(task->current_attempt());
    }
    for (const AttemptId& attempt : running) {
      AttemptReport report{attempt, true, 100, 200, code, std::nullopt, ending};
      scheduler_->nodes().OnAgentMessage(node, protocol::JobUpdateMsg{report});
    }
    Settle();
  }

  Job Cancel(JobId id) {
    auto job = Await<Job>([&](auto done) { scheduler_->jobs().Cancel(As("acme"), id, done); });
    EXPECT_TRUE(job.ok()) << job.status().ToString();
    return job.ok() ? *job : Job{};
  }
  StatusOr<Job> CancelTask(JobId array, int64_t index) {
    return Await<Job>(
        [&](auto done) { scheduler_->jobs().CancelTask(As("acme"), array, index, done); });
  }
};

TEST_F(ArraysTest, SubmitIsOneCommitAndPendingTasksAreOneRecord) {
  int before = store_->job_commits();
  JobId array = SubmitArray("0-99999");  // no node: nothing starts
  Settle();
  EXPECT_EQ(store_->job_commits() - before, 1);
  const Job& job = JobOf(array);
  EXPECT_EQ(job.state, JobState::kPending);
  EXPECT_EQ(FormatTaskIndices(job.array_unstarted), "0-99999");
  EXPECT_LE(scheduler_->state().jobs().size(), 1 + kMaxQueuedTasksPerArray);
  Reopen();
  EXPECT_EQ(scheduler_->state().jobs().size(), 1u) << "queued tasks were stored";
  EXPECT_EQ(CountTasks(JobOf(array).array_unstarted), 100000);
  auto counts = scheduler_->jobs().ArrayTaskCounts(JobOf(array));
  EXPECT_EQ(counts[JobState::kPending], 100000);
}

TEST_F(ArraysTest, TenThousandTasksRunAtMostKAtOnceAndAllComplete) {
  auto agent = Register(Node("n1", 64));
  JobId array = SubmitArray("0-9999%50");
  Settle();
  int64_t completed = 0;
  for (int step = 0; step < 1000 && completed < 10000; ++step) {
    size_t running = Tasks(array, JobState::kRunning).size();
    ASSERT_LE(running, 50u) << "step " << step;
    ASSERT_GT(running, 0u) << "step " << step;
    // Pending tasks are not one job each: at most the queued few exist as jobs.
    ASSERT_LE(scheduler_->state().jobs().size(),
              1 + static_cast<size_t>(completed) + 50 + kMaxQueuedTasksPerArray);
    ExitRunning(array, 0);
    completed = static_cast<int64_t>(Tasks(array, JobState::kCompleted).size());
  }
  EXPECT_EQ(completed, 10000);
  EXPECT_EQ(JobOf(array).state, JobState::kCompleted);
  std::set<int64_t> indices;
  for (const Job* task : Tasks(array, JobState::kCompleted)) indices.insert(task->array_task);
  EXPECT_EQ(indices.size(), 10000u);
  EXPECT_EQ(*indices.rbegin(), 9999);
  // The launches name the array and the task (the agent sets SHARC_ARRAY_*).
  auto launches = agent->Sent<protocol::LaunchMsg>();
  ASSERT_FALSE(launches.empty());
  EXPECT_EQ(launches.front().array_job, array);
  EXPECT_EQ(launches.front().array_task, 0);
}

TEST_F(ArraysTest, CancellingTheArrayEndsEveryTask) {
  auto agent = Register(Node("n1", 4));
  JobId array = SubmitArray("0-99", {"sleep", "60"});
  Settle();
  ASSERT_EQ(Tasks(array, JobState::kRunning).size(), 4u);
  Job cancelled = Cancel(array);
  EXPECT_EQ(cancelled.state, JobState::kRunning);
  EXPECT_EQ(cancelled.reason, "CANCEL_REQUESTED");
  EXPECT_TRUE(Tasks(array, JobState::kPending).empty()) << "queued tasks remain";
  EXPECT_EQ(agent->Sent<protocol::KillMsg>().size(), 4u);
  ExitRunning(array, 0, "n1", AttemptEnding::kCancelled);
  EXPECT_EQ(JobOf(array).state, JobState::kCancelled);
  EXPECT_EQ(Tasks(array, JobState::kCancelled).size(), 4u);
  EXPECT_EQ(agent->Sent<protocol::LaunchMsg>().size(), 4u) << "a task started after cancel";
  auto counts = scheduler_->jobs().ArrayTaskCounts(JobOf(array));
  EXPECT_EQ(counts[JobState::kCancelled], 100);
  Reopen();
  EXPECT_EQ(JobOf(array).state, JobState::kCancelled);
}

TEST_F(ArraysTest, CancellingAnArrayWithNothingStartedEndsItAtOnce) {
  JobId array = SubmitArray("0-9");
  EXPECT_EQ(Cancel(array).state, JobState::kCancelled);
  EXPECT_LE(scheduler_->state().jobs().size(), 1u);
  EXPECT_TRUE(scheduler_->state().CheckInvariants().ok());
}

TEST_F(ArraysTest, CancellingOneTaskEndsThatTaskOnly) {
  auto agent = Register(Node("n1", 2));
  JobId array = SubmitArray("0-9", {"sleep", "60"});
  Settle();
  StatusOr<Job> pending = CancelTask(array, 5);  // not started
  ASSERT_TRUE(pending.ok()) << pending.status().ToString();
  EXPECT_EQ(pending->state, JobState::kCancelled);
  EXPECT_EQ(pending->array_task, 5);
  EXPECT_FALSE(ContainsTask(JobOf(array).array_unstarted, 5));
  StatusOr<Job> running = CancelTask(array, 0);  // started: killed
  ASSERT_TRUE(running.ok()) << running.status().ToString();
  EXPECT_TRUE(running->cancel_requested);
  EXPECT_EQ(agent->Sent<protocol::KillMsg>().size(), 1u);
  EXPECT_EQ(CancelTask(array, 10).status().code(), StatusCode::kNotFound);
  EXPECT_EQ(CancelTask(array, 5).status().code(), StatusCode::kFailedPrecondition);
  Reopen();  // the cancelled task and the array's unstarted set were stored together
  agent = Register(Node("n1", 2),
                   {AttemptReport{{running->id, 1}, false, 100},
                    AttemptReport{{Tasks(array, JobState::kRunning)[1]->id, 1}, false, 100}});
  EXPECT_EQ(JobOf(pending->id).state, JobState::kCancelled);
  ExitRunning(array, 0, "n1", AttemptEnding::kNone);
  for (int i = 0; i < 10 && JobOf(array).state == JobState::kRunning; ++i) ExitRunning(array, 0);
  EXPECT_EQ(JobOf(array).state, JobState::kFailed);
  EXPECT_EQ(JobOf(array).reason, "ARRAY_TASKS_FAILED");
  auto counts = scheduler_->jobs().ArrayTaskCounts(JobOf(array));
  EXPECT_EQ(counts[JobState::kCompleted], 9);
  EXPECT_EQ(counts[JobState::kCancelled], 1);
}

TEST_F(ArraysTest, ARestartMidwayLosesAndRepeatsNoTask) {
  Register(Node("n1", 2));
  JobId array = SubmitArray("0-19:1%2");
  Settle();
  ExitRunning(array, 0);
  std::vector<AttemptReport> running;
  for (const Job* task : Tasks(array, JobState::kRunning)) {
    running.push_back({task->current_attempt(), false, 100});
  }
  ASSERT_EQ(running.size(), 2u);
  Reopen();
  Register(Node("n1", 2), running);
  EXPECT_EQ(Tasks(array, JobState::kRunning).size(), 2u);
  for (int i = 0; i < 30 && JobOf(array).state == JobState::kRunning; ++i) ExitRunning(array, 0);
  EXPECT_EQ(JobOf(array).state, JobState::kCompleted);
  std::multiset<int64_t> indices;
  for (const Job* task : Tasks(array, JobState::kCompleted)) indices.insert(task->array_task);
  EXPECT_EQ(indices.size(), 20u);
  for (int64_t i = 0; i < 20; ++i) EXPECT_EQ(indices.count(i), 1u) << i;
}

TEST_F(ArraysTest, AfterOkOnAnArrayWaitsForEveryTaskToComplete) {
  Register(Node("n1", 4));
  JobId array = SubmitArray("0-5");
  JobSpec spec = Spec({"true"});
  spec.after_ok = {array};
  StatusOr<SubmitOutcome> after = TrySubmit("acme", spec);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  JobId dependent = after->jobs.front().id;
  Settle();
  ExitRunning(array, 0);  // 4 of 6 done
  EXPECT_EQ(JobOf(dependent).state, JobState::kPending);
  EXPECT_EQ(JobOf(dependent).reason, "DEPENDENCY");
  ExitRunning(array, 0);
  EXPECT_EQ(JobOf(array).state, JobState::kCompleted);
  EXPECT_EQ(JobOf(dependent).state, JobState::kRunning);
}

TEST_F(ArraysTest, AfterOkOnAnArrayWithAFailedTaskIsNeverSatisfied) {
  Register(Node("n1", 4));
  JobId array = SubmitArray("0-1");
  JobSpec spec = Spec({"true"});
  spec.after_ok = {array};
  JobId dependent = TrySubmit("acme", spec)->jobs.front().id;
  Settle();
  ExitRunning(array, 1);
  EXPECT_EQ(JobOf(array).state, JobState::kFailed);
  EXPECT_EQ(JobOf(dependent).state, JobState::kCancelled);
  EXPECT_EQ(JobOf(dependent).reason, "DEPENDENCY_NEVER_SATISFIED");
}

TEST_F(ArraysTest, AnArrayWithADependencyStartsNoTaskUntilItIsSatisfied) {
  Register(Node("n1", 4));
  JobId first = Submit("acme", {"sleep", "60"});
  Settle();
  JobId array = SubmitArray("0-3", {"true"}, {first});
  Settle();
  EXPECT_EQ(JobOf(array).reason, "DEPENDENCY");
  EXPECT_TRUE(Tasks(array, JobState::kPending).empty());
  EXPECT_TRUE(Tasks(array, JobState::kRunning).empty());
  ReportExit("n1", first, 1, 100, 200, 0, std::nullopt);
  EXPECT_EQ(Tasks(array, JobState::kRunning).size(), 4u);
  EXPECT_TRUE(JobOf(Tasks(array, JobState::kRunning)[0]->id).spec.after_ok.empty());
}

TEST_F(ArraysTest, SubmitRefusesBadArraysNamingTheField) {
  for (const char* bad : {"5-1", "0-9%0", "x", "0-2000000", "1,1"}) {
    StatusOr<SubmitOutcome> outcome = TrySubmitArray(bad);
    ASSERT_FALSE(outcome.ok()) << bad;
    EXPECT_EQ(outcome.status().message().rfind("array: ", 0), 0u) << outcome.status().message();
  }
  JobSpec gang = Spec({"true"});
  gang.array = "0-3";
  gang.num_nodes = 2;
  StatusOr<SubmitOutcome> outcome = TrySubmit("acme", gang);
  ASSERT_FALSE(outcome.ok());
  EXPECT_NE(outcome.status().message().find("array: arrays of multi-node"), std::string::npos);
  EXPECT_TRUE(scheduler_->state().jobs().empty());
}

}  // namespace
}  // namespace sharc::scheduler
