// What the store keeps: jobs and nodes round-trip across close and reopen, upserts replace,
// Load sorts, and next_job_id only ever rises.
#include "store/sqlite_store.h"

#include <gtest/gtest.h>

#include <functional>
#include <utility>

#include "core/units.h"
#include "store/sqlite_schema.h"
#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::FullJob;
using testing::OpenAt;
using testing::PendingJob;
using testing::SampleNode;
using testing::TempDir;

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::unique_ptr<Store> Open() {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    return store.ok() ? std::move(store).value() : nullptr;
  }
  StoredState Reload() {
    std::unique_ptr<Store> store = Open();
    if (!store) return {};
    StatusOr<StoredState> state = store->Load();
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    return state.ok() ? std::move(state).value() : StoredState{};
  }

  TempDir dir_;
  std::string path_ = dir_.File("sharc.db");
};

TEST_F(SqliteStoreTest, NewStoreLoadsEmpty) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  StatusOr<StoredState> state = store->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_TRUE(state->jobs.empty());
  EXPECT_TRUE(state->nodes.empty());
  EXPECT_EQ(state->next_job_id, 1);
}

TEST_F(SqliteStoreTest, StampsTheFileAsASharcDatabaseInWalMode) {
  Open().reset();
  EXPECT_EQ(testing::QueryInt(path_, "PRAGMA application_id"), kSharcApplicationId);
  EXPECT_EQ(testing::QueryInt(path_, "PRAGMA user_version"), kSchemaVersion);
  // The file header's read and write versions are 2 in WAL mode.
  EXPECT_EQ(testing::QueryInt(path_,
                              "SELECT count(*) FROM pragma_journal_mode "
                              "WHERE journal_mode = 'wal'"),
            1);
}

TEST_F(SqliteStoreTest, JobsAndNodesRoundTripAcrossReopen) {
  Job full = FullJob(7);
  Job pending = PendingJob(8, "globex", "retry-1");
  NodeRecord up = SampleNode("gpu1");
  NodeRecord down = SampleNode("gpu2", NodeState::kDown);
  {
    std::unique_ptr<Store> store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(CommitAndWait(*store, {PutJob{full}, PutJob{pending}, ReserveJobIds{9}}).ok());
    ASSERT_TRUE(CommitAndWait(*store, {PutNode{up}, PutNode{down}}).ok());
    store->Close();
  }
  StoredState state = Reload();
  ASSERT_EQ(state.jobs.size(), 2u);
  EXPECT_EQ(state.jobs[0], full);
  EXPECT_EQ(state.jobs[1], pending);
  ASSERT_EQ(state.nodes.size(), 2u);
  EXPECT_EQ(state.nodes[0], up);
  EXPECT_EQ(state.nodes[1], down);
  EXPECT_EQ(state.next_job_id, 9);
}

TEST_F(SqliteStoreTest, UpsertReplacesJobsAndNodes) {
  Job job = PendingJob(3, "acme", "k");
  {
    std::unique_ptr<Store> store = Open();
    ASSERT_NE(store, nullptr);
    ASSERT_TRUE(CommitAndWait(*store, {PutJob{job}, PutNode{SampleNode("n1")}}).ok());
    job.state = JobState::kRunning;
    job.attempt = 1;
    job.allocation = Allocation{{NodeAllocation{"n1", {1}, {}, job.spec.memory_bytes, false}}};
    job.start_time = job.submit_time + 5;
    // Replaying a batch is harmless: the same upsert twice.
    ASSERT_TRUE(CommitAndWait(*store, {PutJob{job}}).ok());
    ASSERT_TRUE(CommitAndWait(*store, {PutJob{job}}).ok());
    ASSERT_TRUE(CommitAndWait(*store, {PutNode{SampleNode("n1", NodeState::kDrain)}}).ok());
  }
  StoredState state = Reload();
  ASSERT_EQ(state.jobs.size(), 1u);
  EXPECT_EQ(state.jobs[0], job);
  ASSERT_EQ(state.nodes.size(), 1u);
  EXPECT_EQ(state.nodes[0], SampleNode("n1", NodeState::kDrain));
}

// The writer checks jobs with core's ValidateJob instead of decoding them again; the record
// decoder applies the same rules, so what one lets through the other reads back.
TEST_F(SqliteStoreTest, JobsAtTheEdgesOfTheDecoderRangesStoreAndLoadExactly) {
  Job high = FullJob(INT64_MAX - 1);
  high.spec.cpus = kMaxCpusPerJob;
  high.spec.memory_bytes = INT64_MAX;
  high.allocation->nodes[0].memory_bytes = INT64_MAX;
  high.spec.gpus = kMaxGpusPerJob;
  high.spec.time_limit_seconds = kMaxTimeLimitSeconds;
  high.attempt = INT32_MAX;
  high.allocation->nodes[0].cpus = {0, kMaxCpuListIndex};
  high.allocation->nodes[0].gpus = {0, kMaxGpusPerJob};
  high.allocation->nodes.push_back(NodeAllocation{"gpu2", {0}, {}, 0, false});
  high.exit_code = 255;
  high.exit_signal = 128;
  high.end_time = 253'402'300'799'999;  // 9999-12-31T23:59:59.999Z
  Job low = PendingJob(1);
  low.spec.cpus = 1;
  low.spec.memory_bytes = 1;
  low.spec.gpus = 0;
  low.spec.time_limit_seconds = 1;
  low.exit_code = 0;
  low.exit_signal = 1;
  low.submit_time = 0;
  {
    std::unique_ptr<Store> store = Open();
    ASSERT_NE(store, nullptr);
    Status status = CommitAndWait(*store, {PutJob{high}, PutJob{low}});
    ASSERT_TRUE(status.ok()) << status.ToString();
  }
  StoredState state = Reload();
  EXPECT_EQ(state.jobs, (std::vector<Job>{low, high}));
}

TEST_F(SqliteStoreTest, JobsJustOutsideTheDecoderRangesAreRefusedNamingTheField) {
  std::vector<std::pair<std::function<void(Job&)>, std::string>> cases = {
      {[](Job& j) { j.spec.cpus = 0; }, "cpus"},
      {[](Job& j) { j.spec.cpus = kMaxCpusPerJob + 1; }, "cpus"},
      {[](Job& j) { j.spec.gpus = -1; }, "gpus"},
      {[](Job& j) { j.spec.time_limit_seconds = 0; }, "time_limit_seconds"},
      {[](Job& j) { j.attempt = -1; }, "attempt"},
      {[](Job& j) { j.exit_code = 256; }, "exit_code"},
      {[](Job& j) { j.exit_signal = 0; }, "signal"},
      {[](Job& j) { j.allocation->nodes[0].gpus = {-1}; }, "allocation[0].gpus"},
      {[](Job& j) { j.allocation->nodes[0].cpus = {kMaxCpuListIndex + 1}; }, "allocation[0].cpus"},
      {[](Job& j) { j.allocation->nodes[0].node = ""; }, "allocation[0].node"},
      {[](Job& j) { j.allocation->nodes.push_back(j.allocation->nodes[0]); }, "allocation[1].node"},
      {[](Job& j) { j.allocation->nodes.clear(); }, "allocation"},
      {[](Job& j) { j.spec.command.clear(); }, "command"},
      {[](Job& j) { j.cpu_time_ms = -1; }, "cpu_time_ms"},
      {[](Job& j) { j.start_time = -1; }, "start_time"},
      {[](Job& j) { j.end_time = 253'402'300'800'000; }, "end_time"},
  };
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  for (const auto& [change, field] : cases) {
    Job job = FullJob(5);
    change(job);
    Status status = CommitAndWait(*store, {PutJob{job}});
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << field << ": " << status.ToString();
    EXPECT_NE(status.message().find("job 5: " + field), std::string::npos) << status.message();
  }
  store.reset();
  EXPECT_TRUE(Reload().jobs.empty());
}

TEST_F(SqliteStoreTest, LoadSortsJobsByIdAndNodesByName) {
  {
    std::unique_ptr<Store> store = Open();
    ASSERT_NE(store, nullptr);
    for (int64_t id : {30, 4, 17, 1000, 2}) {
      ASSERT_TRUE(CommitAndWait(*store, {PutJob{PendingJob(id)}}).ok());
    }
    for (const char* name : {"node-b", "node-a", "gpu9", "node-c"}) {
      ASSERT_TRUE(CommitAndWait(*store, {PutNode{SampleNode(name)}}).ok());
    }
  }
  StoredState state = Reload();
  std::vector<int64_t> ids;
  for (const Job& job : state.jobs) ids.push_back(job.id.value);
  EXPECT_EQ(ids, (std::vector<int64_t>{2, 4, 17, 30, 1000}));
  std::vector<std::string> names;
  for (const NodeRecord& node : state.nodes) names.push_back(node.inventory.name);
  EXPECT_EQ(names, (std::vector<std::string>{"gpu9", "node-a", "node-b", "node-c"}));
  // Above every stored id, although no ReserveJobIds raised the counter.
  EXPECT_EQ(state.next_job_id, 1001);
}

TEST_F(SqliteStoreTest, NextJobIdRisesAndIsNeverLowered) {
  std::unique_ptr<Store> store = Open();
  ASSERT_NE(store, nullptr);
  auto next_after_reopen = [&]() {
    store.reset();
    store = Open();
    StatusOr<StoredState> state = store ? store->Load() : StatusOr<StoredState>(StoredState{});
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    return state.ok() ? state->next_job_id : -1;
  };
  ASSERT_TRUE(CommitAndWait(*store, {ReserveJobIds{10}}).ok());
  EXPECT_EQ(next_after_reopen(), 10);
  ASSERT_TRUE(CommitAndWait(*store, {ReserveJobIds{5}}).ok());
  EXPECT_EQ(next_after_reopen(), 10);
  // Reserved ids stay used even when their jobs were never stored.
  ASSERT_TRUE(CommitAndWait(*store, {ReserveJobIds{20}, ReserveJobIds{12}}).ok());
  EXPECT_EQ(next_after_reopen(), 20);
  ASSERT_TRUE(CommitAndWait(*store, {PutJob{PendingJob(25)}}).ok());
  EXPECT_EQ(next_after_reopen(), 26);
  ASSERT_TRUE(CommitAndWait(*store, {ReserveJobIds{21}}).ok());
  EXPECT_EQ(next_after_reopen(), 26);
}

TEST_F(SqliteStoreTest, ReportsEveryTransactionToOnCommit) {
  std::mutex mu;
  std::vector<CommitStats> seen;
  SqliteStoreOptions options;
  options.on_commit = [&](const CommitStats& stats) {
    std::lock_guard lock(mu);
    seen.push_back(stats);
  };
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path_, options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(CommitAndWait(**store, {PutJob{PendingJob(1)}, ReserveJobIds{2}}).ok());
  (*store)->Close();  // on_commit runs after done; Close waits for it
  std::lock_guard lock(mu);
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_TRUE(seen[0].ok);
  EXPECT_EQ(seen[0].batches, 1u);
  EXPECT_EQ(seen[0].mutations, 2u);
  EXPECT_GT(seen[0].duration.count(), 0);
}

}  // namespace
}  // namespace sharc::store
