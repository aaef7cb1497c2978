// Job dependencies (after_ok, after_any, after_not_ok) through the scheduler core: a waiting
// job is never placed, is released when its dependencies end as asked, and is cancelled (or
// kept) when they never can; the refusals at submit; all of it durable across a restart.
#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

class DependenciesTest : public SchedulerTest {
 protected:
  JobId SubmitAfter(std::vector<JobId> after_ok, std::vector<JobId> after_any = {},
                    std::vector<JobId> after_not_ok = {}, bool keep = false) {
    JobSpec spec = Spec({"true"});
    spec.after_ok = std::move(after_ok);
    spec.after_any = std::move(after_any);
    spec.after_not_ok = std::move(after_not_ok);
    spec.keep_on_unsatisfied = keep;
    StatusOr<SubmitOutcome> outcome = TrySubmit("acme", spec);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    return outcome.ok() ? outcome->jobs.front().id : JobId{};
  }

  // Runs `id` (RUNNING on n1) to an exit with `code`.
  void Exit(JobId id, int code) {
    ASSERT_EQ(JobOf(id).state, JobState::kRunning);
    ReportExit("n1", id, JobOf(id).attempt, 100, 200, code, std::nullopt);
  }

  bool Launched(const RecordingConnection& agent, JobId id) {
    for (const auto& launch : agent.Sent<protocol::LaunchMsg>()) {
      if (launch.attempt.job == id) return true;
    }
    return false;
  }
};

TEST_F(DependenciesTest, AfterOkWaitsUntilItsDependencyCompletesThenRuns) {
  auto agent = Register(Node("n1", 4));
  JobId first = Submit("acme", {"sleep", "60"});
  JobId second = SubmitAfter({first});
  Settle();
  EXPECT_EQ(JobOf(second).state, JobState::kPending);
  EXPECT_EQ(JobOf(second).reason, "DEPENDENCY");
  EXPECT_NE(JobOf(second).message.find("job " + std::to_string(first.value)), std::string::npos);
  EXPECT_FALSE(Launched(*agent, second)) << "placed although its dependency runs";
  Exit(first, 0);
  Settle();
  EXPECT_EQ(JobOf(second).state, JobState::kRunning);
  EXPECT_TRUE(Launched(*agent, second));
}

TEST_F(DependenciesTest, AfterOkOnAFailedJobCancelsTheChainNeverSatisfied) {
  Register(Node("n1", 4));
  JobId first = Submit("acme", {"false"});
  JobId second = SubmitAfter({first});
  JobId third = SubmitAfter({second});
  JobId any = SubmitAfter({}, {second});
  Exit(first, 1);
  Settle();
  for (JobId id : {second, third}) {
    EXPECT_EQ(JobOf(id).state, JobState::kCancelled) << id.value;
    EXPECT_EQ(JobOf(id).reason, "DEPENDENCY_NEVER_SATISFIED") << id.value;
  }
  EXPECT_NE(JobOf(second).message.find("ended FAILED"), std::string::npos) << JobOf(second).message;
  // after_any accepts a cancelled dependency: it runs.
  EXPECT_EQ(JobOf(any).state, JobState::kRunning);
  Reopen();  // the cancellations were committed with the failure
  EXPECT_EQ(JobOf(third).state, JobState::kCancelled);
  EXPECT_EQ(JobOf(third).reason, "DEPENDENCY_NEVER_SATISFIED");
}

TEST_F(DependenciesTest, AfterNotOkRunsOnFailureAndIsCancelledOnSuccess) {
  auto agent = Register(Node("n1", 4));
  JobId failing = Submit("acme", {"false"});
  JobId succeeding = Submit("acme", {"true"});
  JobId on_failure = SubmitAfter({}, {}, {failing});
  JobId on_success = SubmitAfter({}, {}, {succeeding});
  Exit(failing, 3);
  Exit(succeeding, 0);
  Settle();
  EXPECT_EQ(JobOf(on_failure).state, JobState::kRunning);
  EXPECT_EQ(JobOf(on_success).state, JobState::kCancelled);
  EXPECT_EQ(JobOf(on_success).reason, "DEPENDENCY_NEVER_SATISFIED");
  EXPECT_FALSE(Launched(*agent, on_success));
}

TEST_F(DependenciesTest, KeepOnUnsatisfiedStaysPendingUntilCancelled) {
  auto agent = Register(Node("n1", 4));
  JobId first = Submit("acme", {"false"});
  JobId kept = SubmitAfter({first}, {}, {}, /*keep=*/true);
  Exit(first, 1);
  Settle();
  EXPECT_EQ(JobOf(kept).state, JobState::kPending);
  EXPECT_EQ(JobOf(kept).reason, "DEPENDENCY_NEVER_SATISFIED");
  Reopen();  // still held after a restart, never placed
  agent = Register(Node("n1", 4));
  EXPECT_EQ(JobOf(kept).state, JobState::kPending);
  EXPECT_FALSE(Launched(*agent, kept));
  auto cancelled =
      Await<Job>([&](auto done) { scheduler_->jobs().Cancel(As("acme"), kept, done); });
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(cancelled->state, JobState::kCancelled);
}

TEST_F(DependenciesTest, CancellingAPendingDependencyCancelsItsAfterOkDependents) {
  JobId first = Submit("acme", {"true"});  // no node: stays pending
  JobId second = SubmitAfter({first});
  auto cancelled =
      Await<Job>([&](auto done) { scheduler_->jobs().Cancel(As("acme"), first, done); });
  ASSERT_TRUE(cancelled.ok());
  EXPECT_EQ(JobOf(second).state, JobState::kCancelled);
  EXPECT_EQ(JobOf(second).reason, "DEPENDENCY_NEVER_SATISFIED");
}

TEST_F(DependenciesTest, AWaitingJobStillWaitsAfterARestartAndRunsWhenReleased) {
  auto agent = Register(Node("n1", 4));
  JobId first = Submit("acme", {"sleep", "60"});
  JobId second = SubmitAfter({first});
  Reopen();
  agent = Register(Node("n1", 4), {AttemptReport{{first, 1}, false, 100}});
  Settle();
  EXPECT_EQ(JobOf(second).state, JobState::kPending);
  EXPECT_EQ(JobOf(second).reason, "DEPENDENCY");
  EXPECT_FALSE(Launched(*agent, second));
  Exit(first, 0);
  Settle();
  EXPECT_EQ(JobOf(second).state, JobState::kRunning);
}

TEST_F(DependenciesTest, SubmitRefusesUnknownForeignAndAlreadyUnsatisfiableDependencies) {
  Register(Node("n1", 4));
  JobId theirs = Submit("globex", {"true"});
  JobId failed = Submit("acme", {"false"});
  Exit(failed, 1);
  size_t jobs_before = scheduler_->state().jobs().size();
  struct Case {
    std::vector<JobId> after_ok;
    std::vector<JobId> after_not_ok;
    std::string error;
  } cases[] = {
      {{JobId{999}}, {}, "after_ok: job 999 not found"},
      // The id the job itself would get: a job cannot wait for itself, nor for a later job,
      // so dependencies never form a cycle.
      {{JobId{failed.value + 1}}, {}, "after_ok: job " + std::to_string(failed.value + 1)},
      {{theirs}, {}, "after_ok: job " + std::to_string(theirs.value) + " not found"},
      {{failed}, {}, "already ended FAILED, so this dependency can never be satisfied"},
      {{}, {failed, failed}, "after_not_ok: job " + std::to_string(failed.value) + " is listed"},
  };
  for (const Case& c : cases) {
    JobSpec spec = Spec({"true"});
    spec.after_ok = c.after_ok;
    spec.after_not_ok = c.after_not_ok;
    StatusOr<SubmitOutcome> outcome = TrySubmit("acme", spec);
    ASSERT_FALSE(outcome.ok()) << c.error;
    EXPECT_EQ(outcome.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(outcome.status().message().find(c.error), std::string::npos)
        << outcome.status().message();
  }
  EXPECT_EQ(scheduler_->state().jobs().size(), jobs_before) << "a refused submit added a job";
}

}  // namespace
}  // namespace sharc::scheduler
