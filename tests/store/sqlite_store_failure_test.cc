// Failures: a bad batch fails alone, a failed transaction fails only its own batches, and the
// store keeps working afterwards; a damaged row is a Load error that names it.
#include <gtest/gtest.h>

#include <mutex>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/wait_for.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::OpenAt;
using testing::PendingJob;
using testing::SampleNode;
using testing::TempDir;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class SqliteStoreFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    options_.on_commit = [this](const CommitStats& stats) {
      std::lock_guard lock(mu_);
      transactions_.push_back(stats);
    };
  }
  std::vector<CommitStats> Transactions() {
    std::lock_guard lock(mu_);
    return transactions_;
  }
  // Waits until `count` transactions have finished, so that a batch queued next cannot
  // join one of them.
  bool WaitForTransactions(size_t count) {
    return ::sharc::testing::WaitFor([&] { return Transactions().size() >= count; },
                                     testing::kDeadline);
  }
  std::vector<int64_t> StoredIds() {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    StatusOr<StoredState> state = (*store)->Load();
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    std::vector<int64_t> ids;
    for (const Job& job : state.ok() ? state->jobs : std::vector<Job>{}) {
      ids.push_back(job.id.value);
    }
    return ids;
  }

  TempDir dir_;
  std::string path_ = dir_.File("sharc.db");
  SqliteStoreOptions options_;
  std::mutex mu_;
  std::vector<CommitStats> transactions_;
};

TEST_F(SqliteStoreFailureTest, ConstraintViolationFailsOnlyItsBatch) {
  StatusOr<std::unique_ptr<Store>> opened = OpenAt(path_, options_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  // Hold the writer so that the three batches below share one transaction.
  testing::WriterGate gate(store, 1);
  Status before, duplicate, after;
  store.Commit({PutJob{PendingJob(10, "acme", "key-a")}}, [&](Status s) { before = s; });
  // Two different jobs with one tenant and idempotency key: the unique index refuses.
  store.Commit({PutJob{PendingJob(11, "acme", "key-b")}, PutJob{PendingJob(12, "acme", "key-b")}},
               [&](Status s) { duplicate = s; });
  store.Commit({PutJob{PendingJob(13, "acme", "key-c")}, PutJob{PendingJob(14, "globex", "key-a")}},
               [&](Status s) { after = s; });
  gate.Release();
  ASSERT_TRUE(gate.WaitPassed());
  ASSERT_TRUE(WaitForTransactions(2));
  // The store keeps working for later transactions too.
  ASSERT_TRUE(CommitAndWait(store, {PutJob{PendingJob(15, "acme", "key-b")}}).ok());
  store.Close();

  EXPECT_TRUE(before.ok()) << before.ToString();
  EXPECT_TRUE(after.ok()) << after.ToString();
  EXPECT_EQ(duplicate.code(), StatusCode::kAlreadyExists) << duplicate.ToString();
  EXPECT_TRUE(Contains(duplicate.message(), "job 12")) << duplicate.message();
  EXPECT_TRUE(Contains(duplicate.message(), "UNIQUE constraint failed")) << duplicate.message();
  std::vector<CommitStats> transactions = Transactions();
  ASSERT_EQ(transactions.size(), 3u);  // the gate's, the grouped one, job 15's
  EXPECT_EQ(transactions[1].batches, 3u);
  EXPECT_TRUE(transactions[1].ok);
  // Nothing of the failed batch was applied; everything else was.
  EXPECT_EQ(StoredIds(), (std::vector<int64_t>{1, 10, 13, 14, 15}));
}

TEST_F(SqliteStoreFailureTest, FullDiskFailsTheWholeTransactionWithUnavailable) {
  options_.max_database_bytes = 256 << 10;
  StatusOr<std::unique_ptr<Store>> opened = OpenAt(path_, options_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  Job huge = PendingJob(21);
  huge.spec.env["PAYLOAD"] = std::string(512 << 10, 'x');  // does not fit in 256 KiB

  testing::WriterGate gate(store, 1);
  Status small, big;
  store.Commit({PutJob{PendingJob(20)}}, [&](Status s) { small = s; });
  store.Commit({PutJob{huge}}, [&](Status s) { big = s; });
  gate.Release();
  ASSERT_TRUE(gate.WaitPassed());
  ASSERT_TRUE(WaitForTransactions(2));
  Status later = CommitAndWait(store, {PutJob{PendingJob(22)}});
  store.Close();

  // A full disk is no one batch's fault: every batch of the transaction fails.
  for (const Status& status : {small, big}) {
    EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
    EXPECT_TRUE(Contains(status.message(), "database or disk is full")) << status.message();
  }
  EXPECT_TRUE(later.ok()) << later.ToString();
  std::vector<CommitStats> transactions = Transactions();
  ASSERT_EQ(transactions.size(), 3u);
  EXPECT_FALSE(transactions[1].ok);
  EXPECT_EQ(transactions[1].batches, 2u);
  EXPECT_TRUE(transactions[2].ok);
  EXPECT_EQ(StoredIds(), (std::vector<int64_t>{1, 22}));
}

TEST_F(SqliteStoreFailureTest, BatchThatCouldNotLoadAgainFailsAloneWithInvalidArgument) {
  StatusOr<std::unique_ptr<Store>> opened = OpenAt(path_, options_);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  Job no_memory = PendingJob(31);
  no_memory.spec.memory_bytes = 0;
  NodeRecord bad_name = SampleNode("no spaces allowed");

  testing::WriterGate gate(store, 1);
  Status zero_id, memory, node, counter, good;
  store.Commit({PutJob{PendingJob(0)}}, [&](Status s) { zero_id = s; });
  store.Commit({PutJob{PendingJob(30)}, PutJob{no_memory}}, [&](Status s) { memory = s; });
  store.Commit({PutNode{bad_name}}, [&](Status s) { node = s; });
  store.Commit({ReserveJobIds{0}}, [&](Status s) { counter = s; });
  store.Commit({PutJob{PendingJob(32)}}, [&](Status s) { good = s; });
  gate.Release();
  ASSERT_TRUE(gate.WaitPassed());
  store.Close();

  for (const Status& status : {zero_id, memory, node, counter}) {
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  }
  EXPECT_TRUE(Contains(zero_id.message(), "job 0")) << zero_id.message();
  EXPECT_TRUE(Contains(memory.message(), "job 31")) << memory.message();
  EXPECT_TRUE(Contains(memory.message(), "mem_bytes")) << memory.message();
  EXPECT_TRUE(Contains(node.message(), "no spaces allowed")) << node.message();
  EXPECT_TRUE(Contains(counter.message(), "next_job_id")) << counter.message();
  EXPECT_TRUE(good.ok()) << good.ToString();
  EXPECT_EQ(StoredIds(), (std::vector<int64_t>{1, 32}));
}

struct CorruptRowCase {
  const char* name;
  const char* sql;
  const char* expected;  // the row the error must name
};

class SqliteStoreCorruptRowTest : public ::testing::TestWithParam<CorruptRowCase> {};

TEST_P(SqliteStoreCorruptRowTest, LoadFailsNamingTheRow) {
  TempDir dir;
  std::string path = dir.File("sharc.db");
  {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE(CommitAndWait(**store, {PutJob{PendingJob(1)}, PutJob{PendingJob(2)},
                                        PutJob{PendingJob(3)}, PutNode{SampleNode("gpu1")}})
                    .ok());
  }
  testing::ExecSql(path, GetParam().sql);
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();  // opening reads no rows
  Status status = (*store)->Load().status();
  EXPECT_EQ(status.code(), StatusCode::kInternal) << status.ToString();
  EXPECT_TRUE(Contains(status.message(), GetParam().expected)) << status.message();
}

INSTANTIATE_TEST_SUITE_P(
    Rows, SqliteStoreCorruptRowTest,
    ::testing::Values(
        CorruptRowCase{"TruncatedJson", "UPDATE jobs SET record = '{\"id\": 2,' WHERE id = 2",
                       "job 2"},
        CorruptRowCase{"InvalidField",
                       "UPDATE jobs SET record = json_set(record, '$.cpus', -1) WHERE id = 3",
                       "job 3"},
        CorruptRowCase{"RecordOfAnotherJob",
                       "UPDATE jobs SET record = json_set(record, '$.id', 9) WHERE id = 2",
                       "job 2"},
        CorruptRowCase{"NodeNotJson", "UPDATE nodes SET record = 'garbage'", "node 'gpu1'"},
        CorruptRowCase{"NodeBadState",
                       "UPDATE nodes SET record = json_set(record, '$.state', 'ASLEEP')",
                       "node 'gpu1'"}),
    [](const ::testing::TestParamInfo<CorruptRowCase>& info) { return info.param.name; });

}  // namespace
}  // namespace sharc::store
