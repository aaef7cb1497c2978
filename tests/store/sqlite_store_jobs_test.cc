// The jobs table for retention: Load with records_ended_since loads jobs that ended before it
// as EndedJob entries only (an active array's tasks whole); ReadJob and ReadJobs read records
// back by id and by filters, in id order, a page at a time.
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::OpenAt;
using testing::PendingJob;
using testing::TempDir;

Job Ended(int64_t id, JobState state, UnixMillis end, std::string tenant = "acme") {
  Job job = PendingJob(id, std::move(tenant));
  job.state = state;
  job.start_time = end - 10;
  job.end_time = end;
  return job;
}

class SqliteStoreJobsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenAt(dir_.File("sharc.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(*store);
  }
  void Put(std::vector<Job> jobs) {
    std::vector<Mutation> batch;
    for (Job& job : jobs) batch.push_back(PutJob{std::move(job)});
    ASSERT_TRUE(CommitAndWait(*store_, std::move(batch)).ok());
  }
  std::vector<int64_t> Ids(const JobQuery& query) {
    StatusOr<std::vector<Job>> jobs = store_->ReadJobs(query);
    EXPECT_TRUE(jobs.ok()) << jobs.status().ToString();
    std::vector<int64_t> ids;
    if (!jobs.ok()) return ids;
    for (const Job& job : *jobs) ids.push_back(job.id.value);
    return ids;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreJobsTest, JobsThatEndedBeforeTheWindowLoadWithoutTheirRecords) {
  Job array = PendingJob(10);
  array.spec.array = "0-1";
  array.state = JobState::kRunning;
  Job old_task = Ended(11, JobState::kCompleted, 1000);
  old_task.array_job = JobId{10};
  old_task.array_task = 0;
  Put({Ended(1, JobState::kCompleted, 1000), Ended(2, JobState::kFailed, 5000, "globex"),
       PendingJob(3), array, old_task});
  LoadOptions options;
  options.records_ended_since = 2000;
  StatusOr<StoredState> loaded = store_->Load(options);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  std::vector<int64_t> whole;
  for (const Job& job : loaded->jobs) whole.push_back(job.id.value);
  EXPECT_EQ(whole, (std::vector<int64_t>{2, 3, 10, 11}))
      << "an active array's task must load whole, however old";
  ASSERT_EQ(loaded->ended_jobs.size(), 1u);
  EXPECT_EQ(loaded->ended_jobs[0], (EndedJob{JobId{1}, "acme", JobState::kCompleted}));
  EXPECT_EQ(loaded->next_job_id, 12);
  EXPECT_TRUE(store_->Load().value().ended_jobs.empty()) << "by default every job loads whole";

  LoadOptions none;  // no finished job whole, however recent
  none.max_ended_records = 0;
  loaded = store_->Load(none);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  whole.clear();
  for (const Job& job : loaded->jobs) whole.push_back(job.id.value);
  EXPECT_EQ(whole, (std::vector<int64_t>{3, 10, 11}));
  EXPECT_EQ(loaded->ended_jobs.size(), 2u);
  LoadOptions latest;  // only the latest ended
  latest.max_ended_records = 1;
  loaded = store_->Load(latest);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  ASSERT_EQ(loaded->ended_jobs.size(), 1u);
  EXPECT_EQ(loaded->ended_jobs[0].id, JobId{1});
}

TEST_F(SqliteStoreJobsTest, ReadJobReturnsTheCommittedRecordOrNothing) {
  Put({Ended(4, JobState::kTimeout, 3000)});
  StatusOr<std::optional<Job>> read = store_->ReadJob(JobId{4});
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ASSERT_TRUE(read->has_value());
  EXPECT_EQ(**read, Ended(4, JobState::kTimeout, 3000));
  EXPECT_FALSE(store_->ReadJob(JobId{5}).value().has_value());
}

TEST_F(SqliteStoreJobsTest, ReadJobsFiltersAndPagesInIdOrder) {
  Job labelled = Ended(5, JobState::kCompleted, 3000);
  labelled.spec.labels = {{"zone", "a"}};
  labelled.spec.name = "train";
  Put({Ended(1, JobState::kCompleted, 1000), Ended(2, JobState::kFailed, 2000, "globex"),
       PendingJob(3), Ended(4, JobState::kCompleted, 2500), labelled});
  JobQuery all;
  EXPECT_EQ(Ids(all), (std::vector<int64_t>{1, 2, 3, 4, 5}));
  JobQuery page = all;
  page.limit = 2;
  page.after = JobId{1};
  EXPECT_EQ(Ids(page), (std::vector<int64_t>{2, 3}));
  JobQuery tenant;
  tenant.tenant = "globex";
  EXPECT_EQ(Ids(tenant), (std::vector<int64_t>{2}));
  JobQuery states;
  states.states = {JobState::kCompleted, JobState::kFailed};
  EXPECT_EQ(Ids(states), (std::vector<int64_t>{1, 2, 4, 5}));
  JobQuery named;
  named.name = "train";
  EXPECT_EQ(Ids(named), (std::vector<int64_t>{5}));
  JobQuery labels;
  labels.labels = {{"zone", "a"}};
  EXPECT_EQ(Ids(labels), (std::vector<int64_t>{5}));
  labels.labels = {{"zone", "b"}};
  EXPECT_TRUE(Ids(labels).empty());
  JobQuery ended;
  ended.ended_from = 2000;
  ended.ended_to = 3000;
  EXPECT_EQ(Ids(ended), (std::vector<int64_t>{2, 4})) << "[from, to): 3000 is out, pending too";
}

}  // namespace
}  // namespace sharc::store
