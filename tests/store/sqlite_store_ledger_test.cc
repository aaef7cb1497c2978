// Reading the ledger beside the writer: ReplayLedger recomputes grant balances from the
// entries alone and reports what does not add up; reads run concurrently with commits and
// fail with Unavailable after Close.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/wait_for.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::Entry;
using testing::OpenAt;
using testing::SampleGrant;
using testing::TempDir;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string Joined(const std::vector<std::string>& lines) {
  std::string out;
  for (const std::string& line : lines) out += line + "\n";
  return out;
}

class SqliteStoreLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(dir_.File("sharc.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  // What the scheduler does: apply the entry to its grant, then store both in one batch.
  Status Record(const LedgerEntry& entry) {
    Grant& grant = grants_.at(entry.grant_id);
    if (entry.kind == LedgerKind::kGrant) grant.amount += entry.amount;
    ApplyLedgerEntry(entry, grant);
    return CommitAndWait(*store_, {AppendLedger{entry}, PutGrant{grant}});
  }
  Status AddGrant(int64_t id, std::string tenant) {
    Grant grant = SampleGrant(id, std::move(tenant), 0);
    grants_[id] = grant;
    return CommitAndWait(*store_, {PutGrant{grant}});
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
  std::map<int64_t, Grant> grants_;  // as the scheduler keeps them
};

TEST_F(SqliteStoreLedgerTest, ReplayAgreesWithTheStoredBalancesOfAConsistentHistory) {
  const AttemptId j1{JobId{1}, 1}, j2{JobId{2}, 1}, j2b{JobId{2}, 2};
  ASSERT_TRUE(AddGrant(1, "acme").ok());
  ASSERT_TRUE(AddGrant(2, "globex").ok());
  ASSERT_TRUE(AddGrant(3, "acme").ok());  // never granted anything
  for (const LedgerEntry& entry : {
           Entry("acme", 1, LedgerKind::kGrant, 100),
           Entry("globex", 2, LedgerKind::kGrant, 40),
           Entry("acme", 1, LedgerKind::kReserve, 30, j1),
           Entry("globex", 2, LedgerKind::kReserve, 40, j2),
           Entry("acme", 1, LedgerKind::kGrant, 25),  // a top-up
           Entry("acme", 1, LedgerKind::kCharge, 20, j1),
           Entry("acme", 1, LedgerKind::kRelease, 10, j1),
           Entry("globex", 2, LedgerKind::kRelease, 40, j2),
           Entry("globex", 2, LedgerKind::kReserve, 15, j2b),
           Entry("globex", 2, LedgerKind::kCharge, 15, j2b),
           Entry("globex", 2, LedgerKind::kExpire, 25),
       }) {
    ASSERT_TRUE(Record(entry).ok());
  }
  StatusOr<StoredState> stored = store_->Load();
  ASSERT_TRUE(stored.ok()) << stored.status().ToString();
  StatusOr<LedgerReplay> replay = store_->ReplayLedger();
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_TRUE(replay->problems.empty()) << Joined(replay->problems);
  EXPECT_EQ(replay->entries, 11);
  ASSERT_EQ(replay->grants.size(), stored->grants.size());
  for (const Grant& grant : stored->grants) {
    const Grant& replayed = replay->grants.at(grant.id);
    EXPECT_EQ(replayed.tenant, grant.tenant);
    EXPECT_EQ(replayed.amount, grant.amount) << "grant " << grant.id;
    EXPECT_EQ(replayed.available, grant.available) << "grant " << grant.id;
    EXPECT_EQ(replayed.reserved, grant.reserved) << "grant " << grant.id;
    EXPECT_EQ(replayed.spent, grant.spent) << "grant " << grant.id;
    EXPECT_EQ(replayed.expired, grant.expired) << "grant " << grant.id;
  }
  // 100 + 25 granted, 30 reserved, 20 charged, 10 released: 105 available, 20 spent.
  EXPECT_EQ(replay->grants.at(1).amount, 125 * kMicrosPerCredit);
  EXPECT_EQ(replay->grants.at(1).available, 105 * kMicrosPerCredit);
  EXPECT_EQ(replay->grants.at(1).spent, 20 * kMicrosPerCredit);
  EXPECT_EQ(replay->grants.at(2).expired, 25 * kMicrosPerCredit);
  EXPECT_EQ(replay->grants.at(3).amount, 0);
}

TEST_F(SqliteStoreLedgerTest, ReplayReportsEntriesThatDoNotAddUp) {
  const AttemptId j1{JobId{1}, 1};
  ASSERT_TRUE(AddGrant(1, "acme").ok());
  ASSERT_TRUE(AddGrant(2, "acme").ok());
  // The scheduler would never write these; the store appends what it is given.
  ASSERT_TRUE(CommitAndWait(*store_,
                            {
                                AppendLedger{Entry("acme", 1, LedgerKind::kGrant, 100)},       // 1
                                AppendLedger{Entry("acme", 1, LedgerKind::kReserve, 10, j1)},  // 2
                                AppendLedger{Entry("acme", 1, LedgerKind::kCharge, 15, j1)},   // 3
                                AppendLedger{Entry("acme", 99, LedgerKind::kGrant, 5)},        // 4
                                AppendLedger{Entry("globex", 2, LedgerKind::kGrant, 5)},       // 5
                                AppendLedger{Entry("acme", 2, LedgerKind::kExpire, 6)},        // 6
                            })
                  .ok());
  StatusOr<LedgerReplay> replay = store_->ReplayLedger();
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(replay->entries, 6);
  std::string problems = Joined(replay->problems);
  EXPECT_EQ(replay->problems.size(), 5u) << problems;
  EXPECT_TRUE(Contains(problems,
                       "entry 3 charges 15 credits for job 1 attempt 1 on grant 1, "
                       "which holds only 10 in reserve"))
      << problems;
  EXPECT_TRUE(Contains(problems, "entry 3: grant 1 of acme: reserved balance is negative"))
      << problems;
  EXPECT_TRUE(Contains(problems, "entry 4 names grant 99, which does not exist")) << problems;
  EXPECT_TRUE(Contains(problems, "entry 5 is of tenant 'globex', but grant 2 belongs to 'acme'"))
      << problems;
  EXPECT_TRUE(Contains(problems, "entry 6: grant 2 of acme: available balance is negative"))
      << problems;
  EXPECT_FALSE(replay->grants.count(99));
  EXPECT_EQ(replay->grants.at(1).reserved, -5 * kMicrosPerCredit);
}

TEST_F(SqliteStoreLedgerTest, ReplayReportsRowsThatCannotApply) {
  ASSERT_TRUE(AddGrant(1, "acme").ok());
  ASSERT_TRUE(Record(Entry("acme", 1, LedgerKind::kGrant, 10)).ok());
  store_.reset();
  // A row the store would never write (edited by hand); the kind CHECK is dropped to allow it.
  std::string path = dir_.File("sharc.db");
  testing::ExecSql(path,
                   "PRAGMA writable_schema = ON; UPDATE sqlite_schema SET sql = replace(sql, "
                   "'CHECK (kind IN (''grant'', ''reserve'', ''charge'', ''release'', "
                   "''expire''))', '') WHERE name = 'ledger'; PRAGMA writable_schema = OFF;");
  testing::ExecSql(path,
                   "INSERT INTO ledger (tenant, grant_id, job_id, attempt, kind, amount, time) "
                   "VALUES ('acme', 1, 0, 0, 'bonus', 5, 1)");
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<LedgerReplay> replay = (*store)->ReplayLedger();
  ASSERT_TRUE(replay.ok()) << replay.status().ToString();
  EXPECT_EQ(replay->entries, 2);
  ASSERT_EQ(replay->problems.size(), 1u) << Joined(replay->problems);
  EXPECT_EQ(replay->problems[0], "entry 2 cannot apply: its kind 'bonus' is unknown");
  EXPECT_EQ(replay->grants.at(1).available, 10 * kMicrosPerCredit);
  // ReadLedger cannot show such a row: it names it instead.
  Status read = (*store)->ReadLedger({}).status();
  EXPECT_EQ(read.code(), StatusCode::kInternal) << read.ToString();
  EXPECT_TRUE(Contains(read.message(), "ledger entry 2")) << read.message();
}

TEST_F(SqliteStoreLedgerTest, ReadsRunWhileTheWriterCommits) {
  // Small transactions, so that the writer commits many times while the reader reads.
  store_.reset();
  SqliteStoreOptions options;
  options.sync = SyncMode::kNormal;
  options.max_batches_per_transaction = 8;
  StatusOr<std::unique_ptr<Store>> opened = OpenAt(dir_.File("sharc.db"), options);
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  store_ = std::move(opened).value();

  constexpr int kWaves = 6, kPerWave = 500, kEntries = kWaves * kPerWave;
  std::atomic<int> acked{0}, failed{0};
  std::atomic<size_t> seen{0};
  std::atomic<bool> reader_gone{false};
  // One thread appends in waves; before each next wave it waits until the reader has seen the
  // last one, so the reader sees the ledger grow at least kWaves times.
  std::thread writer([&] {
    int next = 1;
    for (int wave = 1; wave <= kWaves; ++wave) {
      for (; next <= wave * kPerWave; ++next) {
        store_->Commit({AppendLedger{Entry("acme", 1, LedgerKind::kGrant, next)}},
                       [&](Status status) {
                         if (!status.ok()) ++failed;
                         ++acked;
                       });
      }
      ::sharc::testing::WaitFor([&] {
        return reader_gone.load() || seen.load() >= static_cast<size_t>(wave * kPerWave);
      });
    }
  });
  // Each read is a prefix of the final ledger: seq 1, 2, ... with the amounts in commit
  // order, never shorter than the read before.
  size_t reads = 0, grew = 0;
  std::string error;
  auto deadline = std::chrono::steady_clock::now() + testing::kDeadline;
  while (error.empty() && seen.load() < static_cast<size_t>(kEntries) &&
         std::chrono::steady_clock::now() < deadline) {
    StatusOr<std::vector<LedgerEntry>> entries = store_->ReadLedger({"acme"});
    ++reads;
    if (!entries.ok()) {
      error = entries.status().ToString();
      break;
    }
    if (entries->size() < seen.load()) error = "a read saw fewer entries than the one before";
    for (size_t i = 0; error.empty() && i < entries->size(); ++i) {
      const LedgerEntry& e = (*entries)[i];
      if (e.seq != static_cast<int64_t>(i + 1) ||
          e.amount != static_cast<int64_t>(i + 1) * kMicrosPerCredit) {
        error = "entry " + std::to_string(i) + " has seq " + std::to_string(e.seq);
      }
    }
    if (entries->size() > seen.load()) ++grew;
    seen = entries->size();
  }
  reader_gone = true;
  writer.join();
  store_->Close();  // waits for every done
  EXPECT_EQ(error, "");
  EXPECT_EQ(seen.load(), static_cast<size_t>(kEntries));
  EXPECT_GE(grew, static_cast<size_t>(kWaves));
  EXPECT_EQ(acked.load(), kEntries);
  EXPECT_EQ(failed.load(), 0);
  std::cout << "[ measure  ] " << reads << " reads, " << grew << " of them saw new entries, while "
            << kEntries << " appends committed\n";
}

TEST_F(SqliteStoreLedgerTest, ReadsFailWithUnavailableAfterClose) {
  ASSERT_TRUE(store_->ReadLedger({}).ok());  // opens the read connection
  store_->Close();
  Status read = store_->ReadLedger({}).status();
  EXPECT_EQ(read.code(), StatusCode::kUnavailable) << read.ToString();
  EXPECT_TRUE(Contains(read.message(), "closed")) << read.message();
  EXPECT_EQ(store_->ReplayLedger().status().code(), StatusCode::kUnavailable);
  // Never opened before Close: the same.
  TempDir other;
  StatusOr<std::unique_ptr<Store>> fresh = OpenAt(other.File("sharc.db"));
  ASSERT_TRUE(fresh.ok()) << fresh.status().ToString();
  (*fresh)->Close();
  EXPECT_EQ((*fresh)->ReplayLedger().status().code(), StatusCode::kUnavailable);
}

}  // namespace
}  // namespace sharc::store
