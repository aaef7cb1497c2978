// Retention of finished jobs: they leave memory after jobs.retention (or beyond
// max_finished_in_memory), an array with its tasks; what is left of them (tenant, end state)
// still answers cancels, dependencies and metrics; their records are served from the store
// (one job, listings merged in id order with what memory holds, pages); and a restart loads
// jobs that ended before the window without their records.
#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

using namespace std::chrono_literals;

class RetentionTest : public SchedulerTest {
 protected:
  RetentionTest() {
    options_.retention = 10s;
    options_.max_finished_in_memory = 1000;
    options_.node_timeout = 1h;  // the clock jumps past retention; n1 must stay UP
  }

  // Submits `command` as job `name`, runs it on n1 and reports it exited with `code` now.
  JobId RunToEnd(const std::string& name, int code, const std::string& tenant = "acme") {
    JobSpec spec = Spec({"true"});
    spec.name = name;
    StatusOr<SubmitOutcome> outcome = TrySubmit(tenant, spec);
    EXPECT_TRUE(outcome.ok()) << outcome.status().ToString();
    JobId id = outcome->jobs.front().id;
    Settle();
    EXPECT_EQ(JobOf(id).state, JobState::kRunning);
    const UnixMillis now = clock_.WallMillis();
    ReportExit("n1", id, JobOf(id).attempt, now - 5, now, code, std::nullopt);
    return id;
  }

  // Lets `by` pass and runs the scheduler's periodic work (which evicts).
  void Pass(std::chrono::milliseconds by) {
    clock_.Advance(by);
    scheduler_->Tick();
    Settle();
  }

  StatusOr<Job> Get(const Principal& who, JobId id) {
    return Await<Job>([&](auto done) { scheduler_->queries().Get(who, id, done); });
  }

  // The ids of a listing's page, and its next_after (0 if none).
  std::pair<std::vector<int64_t>, int64_t> List(const Principal& who, JobFilter filter) {
    std::optional<StatusOr<JobPage>> page;
    scheduler_->queries().List(who, filter, [&](StatusOr<JobPage> p) { page = std::move(p); });
    EXPECT_TRUE(tasks_.RunUntil([&] { return page.has_value(); }));
    EXPECT_TRUE(page->ok()) << page->status().ToString();
    std::vector<int64_t> ids;
    for (const Job* job : (*page)->jobs) ids.push_back(job->id.value);
    return {ids, (*page)->next_after ? (*page)->next_after->value : 0};
  }

  const ClusterState& state() { return scheduler_->state(); }
};

TEST_F(RetentionTest, AFinishedJobLeavesMemoryAfterTheWindowAndIsStillServedFromTheStore) {
  Register(Node("n1", 4));
  JobId done = RunToEnd("prep", 0);
  Pass(9s);
  ASSERT_NE(state().FindJob(done), nullptr) << "left memory inside the retention window";
  Pass(2s);
  EXPECT_EQ(state().FindJob(done), nullptr) << "still in memory after the retention window";
  ASSERT_TRUE(state().evicted().Find(done).has_value());
  EXPECT_EQ(state().evicted().Find(done)->state, JobState::kCompleted);

  StatusOr<Job> read = Get(As("acme"), done);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->state, JobState::kCompleted);
  EXPECT_EQ(read->exit_code, 0);
  EXPECT_EQ(read->spec.name, "prep");
  EXPECT_EQ(Get(As("globex"), done).status().code(), StatusCode::kNotFound)
      << "another tenant's evicted job must look like no job at all";
  EXPECT_EQ((state().job_counts().at({JobState::kCompleted, "acme"})), 1);

  auto cancel = Await<Job>([&](auto d) { scheduler_->jobs().Cancel(As("acme"), done, d); });
  EXPECT_EQ(cancel.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(cancel.status().message().find("already ended (COMPLETED)"), std::string::npos);
}

TEST_F(RetentionTest, DependenciesOnAnEvictedJobUseHowItEnded) {
  Register(Node("n1", 4));
  JobId ok = RunToEnd("a", 0);
  Pass(11s);
  ASSERT_EQ(state().FindJob(ok), nullptr);
  JobSpec after_ok = Spec({"true"});
  after_ok.after_ok = {ok};
  StatusOr<SubmitOutcome> released = TrySubmit("acme", after_ok);
  ASSERT_TRUE(released.ok()) << released.status().ToString();
  Settle();
  EXPECT_EQ(JobOf(released->jobs.front().id).state, JobState::kRunning);

  JobSpec after_not_ok = Spec({"true"});
  after_not_ok.after_not_ok = {ok};
  StatusOr<SubmitOutcome> refused = TrySubmit("acme", after_not_ok);
  ASSERT_FALSE(refused.ok());
  EXPECT_NE(refused.status().message().find("already ended COMPLETED"), std::string::npos);
  EXPECT_FALSE(TrySubmit("globex", after_ok).ok()) << "another tenant's job is not found";
}

TEST_F(RetentionTest, AtMostMaxFinishedJobsStayInMemoryTheEarliestEndedLeaveFirst) {
  options_.max_finished_in_memory = 2;
  Reopen();
  Register(Node("n1", 4));
  std::vector<JobId> ids;
  for (int i = 0; i < 5; ++i) {
    ids.push_back(RunToEnd("j" + std::to_string(i), 0));
    clock_.Advance(1ms);
  }
  Pass(1ms);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(state().FindJob(ids[i]), nullptr) << i;
  for (int i = 3; i < 5; ++i) EXPECT_NE(state().FindJob(ids[i]), nullptr) << i;
}

TEST_F(RetentionTest, ListingsMergeMemoryAndTheStoreInIdOrderPageByPage) {
  Register(Node("n1", 4));
  JobId first = RunToEnd("old", 0);
  JobId second = RunToEnd("old", 1);
  Pass(11s);                                          // both evicted
  JobId third = RunToEnd("new", 0);                   // finished, held
  JobId fourth = Submit("acme", {"sleep", "60"}, 4);  // running
  JobId fifth = Submit("acme", {"sleep", "60"}, 4);   // pending: n1 is full
  Settle();
  ASSERT_EQ(state().FindJob(first), nullptr);
  ASSERT_NE(state().FindJob(third), nullptr);

  JobFilter all;
  all.all = true;
  all.limit = 2;
  auto page1 = List(As("acme"), all);
  EXPECT_EQ(page1.first, (std::vector<int64_t>{first.value, second.value}));
  ASSERT_EQ(page1.second, second.value);
  all.after = JobId{page1.second};
  auto page2 = List(As("acme"), all);
  EXPECT_EQ(page2.first, (std::vector<int64_t>{third.value, fourth.value}));
  all.after = JobId{page2.second};
  auto page3 = List(As("acme"), all);
  EXPECT_EQ(page3.first, (std::vector<int64_t>{fifth.value}));
  EXPECT_EQ(page3.second, 0) << "the last page names no next one";

  JobFilter active;  // default: jobs that have not ended, from memory alone
  EXPECT_EQ(List(As("acme"), active).first, (std::vector<int64_t>{fourth.value, fifth.value}));

  JobFilter failed;
  failed.states = {JobState::kFailed};
  EXPECT_EQ(List(As("acme"), failed).first, (std::vector<int64_t>{second.value}));
  JobFilter named;
  named.all = true;
  named.name = "old";
  EXPECT_EQ(List(As("acme"), named).first, (std::vector<int64_t>{first.value, second.value}));
  EXPECT_TRUE(List(As("globex"), all).first.empty()) << "another tenant sees none of them";
}

TEST_F(RetentionTest, AnArraysTasksLeaveMemoryWithTheirArray) {
  Register(Node("n1", 4));
  JobSpec spec = Spec({"true"});
  spec.array = "0-2";
  StatusOr<SubmitOutcome> outcome = TrySubmit("acme", spec);
  ASSERT_TRUE(outcome.ok()) << outcome.status().ToString();
  JobId array = outcome->jobs.front().id;
  Settle();
  std::vector<JobId> tasks;
  for (const auto& [id, job] : state().jobs()) {
    if (job.array_job == array) tasks.push_back(id);
  }
  ASSERT_EQ(tasks.size(), 3u);
  const UnixMillis now = clock_.WallMillis();
  for (JobId task : tasks) {
    ReportExit("n1", task, JobOf(task).attempt, now - 5, now, 0, std::nullopt);
  }
  ASSERT_EQ(JobOf(array).state, JobState::kCompleted);
  Pass(11s);
  EXPECT_EQ(state().FindJob(array), nullptr);
  for (JobId task : tasks) {
    EXPECT_EQ(state().FindJob(task), nullptr) << "a task stayed after its array left";
    EXPECT_TRUE(state().evicted().Find(task).has_value());
  }
}

TEST_F(RetentionTest, ARestartLoadsJobsThatEndedBeforeTheWindowWithoutTheirRecords) {
  Register(Node("n1", 4));
  JobId old = RunToEnd("old", 0);
  clock_.Advance(20s);
  JobId recent = RunToEnd("recent", 2);
  JobId waiting = Submit("acme", {"true"});
  Settle();
  load_options_.records_ended_since = clock_.WallMillis() - 10'000;
  Reopen();
  EXPECT_EQ(state().FindJob(old), nullptr) << "ended before the window, yet loaded whole";
  ASSERT_TRUE(state().evicted().Find(old).has_value());
  EXPECT_EQ(*state().evicted().Find(old)->tenant, "acme");
  ASSERT_NE(state().FindJob(recent), nullptr);
  EXPECT_EQ(JobOf(recent).state, JobState::kFailed);
  ASSERT_NE(state().FindJob(waiting), nullptr);
  StatusOr<Job> read = Get(As("acme"), old);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  EXPECT_EQ(read->spec.name, "old");
  JobId next = Submit("acme", {"true"});
  EXPECT_GT(next.value, waiting.value) << "an id was reused after the restart";
}

}  // namespace
}  // namespace sharc::scheduler
