// Accounting in the store: attempt records, node energy buckets and facility readings
// survive a reopen, the per-tenant totals are summed at load, ReadAccounting returns exactly
// the records that overlap a period, and a record Load could not trust is refused alone.
#include <gtest/gtest.h>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::OpenAt;
using testing::TempDir;

AttemptRecord Attempt(int64_t job, std::string tenant, UnixMillis start, UnixMillis end,
                      int64_t millicpus, int32_t gpus) {
  AttemptRecord r;
  r.attempt = {JobId{job}, 1};
  r.tenant = std::move(tenant);
  r.node = "n1";
  r.start_time = start;
  r.end_time = end;
  r.millicpus = millicpus;
  r.gpus = gpus;
  r.memory_bytes = 1 << 30;
  r.cpu_time_ms = (end - start) / 2;
  r.cpu_energy_uj = 1'000'000 * job;
  r.gpu_energy_uj = gpus * 500'000;
  r.state = "COMPLETED";
  return r;
}

NodeEnergyBucket Bucket(std::string node, UnixMillis start, int64_t energy_uj) {
  return {std::move(node), start,         30'000,        4000,    1,
          energy_uj,       energy_uj / 2, energy_uj / 4, "model", "model"};
}

class SqliteStoreAccountingTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }
  void Open() {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  Status Commit(std::vector<Mutation> batch) { return CommitAndWait(*store_, std::move(batch)); }

  TempDir dir_;
  std::string path_ = dir_.File("sharc.db");
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreAccountingTest, TotalsAndReadingsSurviveAReopen) {
  ASSERT_TRUE(Commit({PutAttempt{Attempt(1, "acme", 0, 10'000, 2000, 0)},
                      PutAttempt{Attempt(2, "acme", 5'000, 6'000, 1000, 2)},
                      PutAttempt{Attempt(3, "globex", 0, 1'000, 500, 0)},
                      PutFacilityReading{{2'000, 1500, "main meter"}},
                      PutFacilityReading{{1'000, 1000, "main meter"}}})
                  .ok());
  // Putting an attempt again replaces it: totals never count one twice.
  ASSERT_TRUE(Commit({PutAttempt{Attempt(1, "acme", 0, 10'000, 2000, 0)}}).ok());
  store_.reset();
  Open();
  StatusOr<StoredState> state = store_->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_EQ(state->tenant_totals.size(), 2u);
  const AccountingTotals& acme = state->tenant_totals.at("acme");
  EXPECT_EQ(acme.attempts, 2);
  EXPECT_EQ(acme.granted_millicpu_ms, 2000 * 10'000 + 1000 * 1'000);
  EXPECT_EQ(acme.granted_gpu_ms, 2 * 1'000);
  EXPECT_EQ(acme.used_cpu_ms, 5'000 + 500);
  EXPECT_EQ(acme.cpu_energy_uj, 3'000'000);
  EXPECT_EQ(acme.gpu_energy_uj, 1'000'000);
  AccountingTotals expected_globex;
  expected_globex.Add(Attempt(3, "globex", 0, 1'000, 500, 0));
  EXPECT_EQ(state->tenant_totals.at("globex"), expected_globex);
  ASSERT_EQ(state->facility_readings.size(), 2u);
  EXPECT_EQ(state->facility_readings[0], (FacilityReading{1'000, 1000, "main meter"}));
  EXPECT_EQ(state->facility_readings[1].energy_wh, 1500);
}

TEST_F(SqliteStoreAccountingTest, TotalsBeyondSixtyFourBitsStillLoad) {
  // Two attempts of 5e18 µJ each (1.4 GWh apiece): their sum does not fit an int64.
  AttemptRecord a = Attempt(1, "acme", 0, 1'000, 1000, 0);
  AttemptRecord b = Attempt(2, "acme", 0, 1'000, 1000, 0);
  a.cpu_energy_uj = b.cpu_energy_uj = 5'000'000'000'000'000'000;
  ASSERT_TRUE(Commit({PutAttempt{a}, PutAttempt{b}}).ok());
  store_.reset();
  Open();
  StatusOr<StoredState> state = store_->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_DOUBLE_EQ(state->tenant_totals.at("acme").cpu_energy_uj, 1e19);
}

TEST_F(SqliteStoreAccountingTest, ReadsExactlyTheRecordsThatOverlapAPeriod) {
  const UnixMillis m = kEnergyBucketMillis;
  ASSERT_TRUE(Commit({PutAttempt{Attempt(1, "acme", 0, 100, 1000, 0)},    // before
                      PutAttempt{Attempt(2, "acme", 50, 150, 1000, 0)},   // straddles from
                      PutAttempt{Attempt(3, "acme", 120, 180, 1000, 0)},  // inside
                      PutAttempt{Attempt(4, "acme", 190, 400, 1000, 0)},  // straddles to
                      PutAttempt{Attempt(5, "acme", 200, 300, 1000, 0)},  // after
                      PutNodeEnergy{Bucket("n1", 0, 10)}, PutNodeEnergy{Bucket("n1", m, 20)},
                      PutNodeEnergy{Bucket("n2", m, 30)}, PutNodeEnergy{Bucket("n1", 2 * m, 40)}})
                  .ok());
  StatusOr<AccountingRecords> records = store_->ReadAccounting({100, 200});
  ASSERT_TRUE(records.ok()) << records.status().ToString();
  std::vector<int64_t> jobs;
  for (const AttemptRecord& r : records->attempts) jobs.push_back(r.attempt.job.value);
  EXPECT_EQ(jobs, (std::vector<int64_t>{2, 3, 4}));
  ASSERT_EQ(records->buckets.size(), 1u);  // [0, m) overlaps [100, 200)
  EXPECT_EQ(records->buckets[0], Bucket("n1", 0, 10));

  records = store_->ReadAccounting({m + 1, 2 * m + 1});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->buckets.size(), 3u);
  EXPECT_EQ(records->buckets[0].node, "n1");
  EXPECT_EQ(records->buckets[1].node, "n2");
  EXPECT_EQ(records->buckets[2].start, 2 * m);
}

TEST_F(SqliteStoreAccountingTest, RefusesRecordsThatDoNotAddUpAndKeepsTheRest) {
  AttemptRecord backwards = Attempt(1, "acme", 1'000, 500, 1000, 0);
  Status refused = Commit({PutAttempt{backwards}});
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(refused.message().find("attempt record (job 1 attempt 1)"), std::string::npos)
      << refused.message();
  EXPECT_NE(refused.message().find("end_time"), std::string::npos);

  NodeEnergyBucket too_idle = Bucket("n1", 0, 10);
  too_idle.idle_energy_uj = 100;  // more than the node used
  EXPECT_EQ(Commit({PutNodeEnergy{too_idle}}).code(), StatusCode::kInvalidArgument);
  NodeEnergyBucket overfull = Bucket("n1", 0, 10);
  overfull.covered_ms = kEnergyBucketMillis + 1;
  EXPECT_EQ(Commit({PutNodeEnergy{overfull}}).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Commit({PutFacilityReading{{5, -1, ""}}}).code(), StatusCode::kInvalidArgument);

  ASSERT_TRUE(Commit({PutAttempt{Attempt(2, "acme", 0, 10, 1000, 0)}}).ok());
  StatusOr<AccountingRecords> records = store_->ReadAccounting({});
  ASSERT_TRUE(records.ok());
  ASSERT_EQ(records->attempts.size(), 1u);
  EXPECT_EQ(records->attempts[0].attempt.job.value, 2);
  EXPECT_TRUE(records->buckets.empty());
}

}  // namespace
}  // namespace sharc::store
