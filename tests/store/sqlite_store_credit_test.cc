// Tenants, tokens, grants and the ledger in the store: round trips across reopen, upserts,
// next_grant_id, open reservations computed from the ledger, refusals, and batch atomicity.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include "protocol/json_fields.h"
#include "protocol/tenant_codec.h"
#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::Entry;
using testing::OpenAt;
using testing::SampleGrant;
using testing::SampleTenant;
using testing::SampleToken;
using testing::TempDir;

constexpr MicroCredits kCredit = kMicrosPerCredit;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class SqliteStoreCreditTest : public ::testing::Test {
 protected:
  void SetUp() override {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path_);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
  }
  Status Commit(std::vector<Mutation> batch) { return CommitAndWait(*store_, std::move(batch)); }
  // Closes the store, opens the file again and loads it.
  StoredState Reopen() {
    store_.reset();
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return {};
    store_ = std::move(store).value();
    StatusOr<StoredState> state = store_->Load();
    EXPECT_TRUE(state.ok()) << state.status().ToString();
    return state.ok() ? std::move(state).value() : StoredState{};
  }
  int64_t LedgerRows() {
    StatusOr<std::vector<LedgerEntry>> entries = store_->ReadLedger({});
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    return entries.ok() ? static_cast<int64_t>(entries->size()) : -1;
  }

  TempDir dir_;
  std::string path_ = dir_.File("sharc.db");
  std::unique_ptr<Store> store_;
};

TEST_F(SqliteStoreCreditTest, NewStoreLoadsNoTenantsTokensOrGrants) {
  StatusOr<StoredState> state = store_->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_TRUE(state->tenants.empty());
  EXPECT_TRUE(state->tokens.empty());
  EXPECT_TRUE(state->grants.empty());
  EXPECT_TRUE(state->open_reservations.empty());
  EXPECT_EQ(state->next_grant_id, 1);
}

TEST_F(SqliteStoreCreditTest, TenantsTokensAndGrantsRoundTripSortedAcrossReopen) {
  Tenant minimal;
  minimal.name = "beta";
  ApiToken revoked = SampleToken("acme", 9);
  revoked.role = TokenRole::kViewer;
  revoked.revoked = revoked.created + 1000;
  Grant used = SampleGrant(7, "acme", 50);
  used.source = GrantSource::kPurchase;
  used.available = 20 * kCredit;
  used.reserved = 5 * kCredit;
  used.spent = 25 * kCredit - 1;
  used.expired = 1;
  ASSERT_TRUE(
      Commit({PutTenant{SampleTenant("zeta")}, PutTenant{SampleTenant("acme")}, PutTenant{minimal}})
          .ok());
  ASSERT_TRUE(Commit({PutToken{revoked}, PutToken{SampleToken("zeta", 1)},
                      PutToken{SampleToken("acme", 5)}})
                  .ok());
  ASSERT_TRUE(Commit({PutGrant{used}, PutGrant{SampleGrant(2, "zeta", 100)}}).ok());

  StoredState state = Reopen();
  EXPECT_EQ(state.tenants,
            (std::vector<Tenant>{SampleTenant("acme"), minimal, SampleTenant("zeta")}));
  EXPECT_EQ(state.tokens,
            (std::vector<ApiToken>{SampleToken("zeta", 1), SampleToken("acme", 5), revoked}));
  EXPECT_EQ(state.grants, (std::vector<Grant>{SampleGrant(2, "zeta", 100), used}));
  EXPECT_EQ(state.next_grant_id, 8);
}

TEST_F(SqliteStoreCreditTest, PutsReplaceTheRowWithTheSameKey) {
  ApiToken token = SampleToken("acme", 1);
  Grant grant = SampleGrant(3, "acme", 10);
  ASSERT_TRUE(Commit({PutTenant{SampleTenant("acme")}, PutToken{token}, PutGrant{grant}}).ok());
  Tenant changed = SampleTenant("acme");
  changed.disabled = true;
  changed.quota.max_pending_jobs.reset();
  token.revoked = token.created + 5;
  grant.available -= 4 * kCredit;
  grant.reserved += 4 * kCredit;
  // The same upserts twice: replaying a batch is harmless.
  for (int i = 0; i < 2; ++i) {
    ASSERT_TRUE(Commit({PutTenant{changed}, PutToken{token}, PutGrant{grant}}).ok());
  }
  StoredState state = Reopen();
  EXPECT_EQ(state.tenants, std::vector<Tenant>{changed});
  EXPECT_EQ(state.tokens, std::vector<ApiToken>{token});
  EXPECT_EQ(state.grants, std::vector<Grant>{grant});
}

TEST_F(SqliteStoreCreditTest, NextGrantIdRisesPastEveryGrantAndIsNeverLowered) {
  ASSERT_TRUE(Commit({PutGrant{SampleGrant(10, "acme", 1)}}).ok());
  EXPECT_EQ(Reopen().next_grant_id, 11);
  ASSERT_TRUE(Commit({PutGrant{SampleGrant(3, "acme", 1)}}).ok());
  EXPECT_EQ(Reopen().next_grant_id, 11);
  EXPECT_EQ(testing::QueryInt(path_, "SELECT value FROM meta WHERE key = 'next_grant_id'"), 11);
}

TEST_F(SqliteStoreCreditTest, ATokenIdMustBeTheStartOfItsHash) {
  ASSERT_TRUE(Commit({PutToken{SampleToken("acme", 1)}}).ok());
  // Another id for the same hash: since the id is the hash's start, this is the only way two
  // rows could share a hash, and it never reaches SQLite's UNIQUE index.
  ApiToken same_hash = SampleToken("globex", 2);
  same_hash.sha256 = SampleToken("acme", 1).sha256;
  Status status = Commit({PutToken{same_hash}});
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
  EXPECT_TRUE(Contains(status.message(), "token " + same_hash.id)) << status.message();
  EXPECT_TRUE(Contains(status.message(), "does not start with the token's id")) << status.message();
  EXPECT_EQ(Reopen().tokens, std::vector<ApiToken>{SampleToken("acme", 1)});
}

TEST_F(SqliteStoreCreditTest, OpenReservationsAreReservesMinusChargesAndReleases) {
  ASSERT_TRUE(Commit({PutGrant{SampleGrant(1, "acme", 100)}, PutGrant{SampleGrant(2, "globex", 50)},
                      PutGrant{SampleGrant(3, "acme", 10)}})
                  .ok());
  const AttemptId j5a1{JobId{5}, 1}, j5a2{JobId{5}, 2}, j6a1{JobId{6}, 1}, j7a2{JobId{7}, 2};
  ASSERT_TRUE(Commit({AppendLedger{Entry("acme", 1, LedgerKind::kGrant, 100)},
                      AppendLedger{Entry("globex", 2, LedgerKind::kGrant, 50)},
                      AppendLedger{Entry("acme", 3, LedgerKind::kGrant, 10)}})
                  .ok());
  // Job 5 attempt 1 reserves 30 on grant 1 and 4 on grant 3, is charged 12 and releases 8:
  // 30 - 12 - 8 = 10 stays reserved on grant 1, 4 on grant 3.
  ASSERT_TRUE(Commit({AppendLedger{Entry("acme", 1, LedgerKind::kReserve, 30, j5a1)},
                      AppendLedger{Entry("acme", 3, LedgerKind::kReserve, 4, j5a1)}})
                  .ok());
  ASSERT_TRUE(Commit({AppendLedger{Entry("acme", 1, LedgerKind::kCharge, 12, j5a1)}}).ok());
  ASSERT_TRUE(Commit({AppendLedger{Entry("acme", 1, LedgerKind::kRelease, 8, j5a1)}}).ok());
  // Job 6 reserves 20, is charged 15 and releases 5: nothing stays.
  ASSERT_TRUE(Commit({AppendLedger{Entry("acme", 1, LedgerKind::kReserve, 20, j6a1)},
                      AppendLedger{Entry("acme", 1, LedgerKind::kCharge, 15, j6a1)},
                      AppendLedger{Entry("acme", 1, LedgerKind::kRelease, 5, j6a1)}})
                  .ok());
  // Job 7 attempt 2 of globex holds 7; job 5's requeued attempt 2 holds 1.
  ASSERT_TRUE(Commit({AppendLedger{Entry("globex", 2, LedgerKind::kReserve, 7, j7a2)},
                      AppendLedger{Entry("acme", 1, LedgerKind::kReserve, 1, j5a2)}})
                  .ok());
  // Expiring grant 3's unreserved remainder does not touch reservations.
  ASSERT_TRUE(Commit({AppendLedger{Entry("acme", 3, LedgerKind::kExpire, 6)}}).ok());

  StoredState state = Reopen();
  EXPECT_EQ(state.open_reservations,
            (std::vector<OpenReservation>{{j5a1, 1, "acme", 10 * kCredit},
                                          {j5a1, 3, "acme", 4 * kCredit},
                                          {j5a2, 1, "acme", 1 * kCredit},
                                          {j7a2, 2, "globex", 7 * kCredit}}));

  // Releasing the rest closes them.
  ASSERT_TRUE(Commit({AppendLedger{Entry("acme", 1, LedgerKind::kRelease, 10, j5a1)},
                      AppendLedger{Entry("acme", 3, LedgerKind::kCharge, 4, j5a1)}})
                  .ok());
  EXPECT_EQ(Reopen().open_reservations,
            (std::vector<OpenReservation>{{j5a2, 1, "acme", 1 * kCredit},
                                          {j7a2, 2, "globex", 7 * kCredit}}));
}

TEST_F(SqliteStoreCreditTest, ReadLedgerFiltersByTenantAndTimeInSeqOrder) {
  const UnixMillis t0 = 1'796'018'620'000;
  std::vector<Mutation> batch;
  // seq 1..8: tenants alternate acme, globex; time t0 + (7 - i) so seq order is not time order.
  for (int i = 0; i < 8; ++i) {
    std::string tenant = i % 2 == 0 ? "acme" : "globex";
    batch.push_back(
        AppendLedger{Entry(tenant, 1 + i % 2, LedgerKind::kGrant, i + 1, {}, t0 + 7 - i)});
  }
  ASSERT_TRUE(Commit(std::move(batch)).ok());
  auto seqs = [&](LedgerQuery query) {
    StatusOr<std::vector<LedgerEntry>> entries = store_->ReadLedger(query);
    EXPECT_TRUE(entries.ok()) << entries.status().ToString();
    std::vector<int64_t> out;
    for (const LedgerEntry& e : entries.ok() ? *entries : std::vector<LedgerEntry>{}) {
      out.push_back(e.seq);
    }
    return out;
  };
  EXPECT_EQ(seqs({}), (std::vector<int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(seqs({"acme"}), (std::vector<int64_t>{1, 3, 5, 7}));
  // Seq k has time t0 + 8 - k: [t0+2, t0+5) holds times 2, 3, 4, i.e. seqs 6, 5, 4.
  EXPECT_EQ(seqs({"", t0 + 2, t0 + 5}), (std::vector<int64_t>{4, 5, 6}));
  EXPECT_EQ(seqs({"globex", t0 + 2, t0 + 5}), (std::vector<int64_t>{4, 6}));
  EXPECT_EQ(seqs({"nobody"}), std::vector<int64_t>{});
  EXPECT_EQ(seqs({"", t0 + 5, t0 + 2}), std::vector<int64_t>{});

  // Every field comes back.
  StatusOr<std::vector<LedgerEntry>> entries = store_->ReadLedger({"acme", t0 + 7, t0 + 8});
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  LedgerEntry expected = Entry("acme", 1, LedgerKind::kGrant, 1, {}, t0 + 7);
  expected.seq = 1;
  EXPECT_EQ(*entries, std::vector<LedgerEntry>{expected});
  LedgerEntry reserve = Entry("acme", 1, LedgerKind::kReserve, 3, {JobId{12}, 4}, t0 + 100);
  reserve.seq = 555;  // ignored: the store assigns seq
  ASSERT_TRUE(Commit({AppendLedger{reserve}}).ok());
  entries = store_->ReadLedger({"acme", t0 + 100});
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  reserve.seq = 9;
  EXPECT_EQ(*entries, std::vector<LedgerEntry>{reserve});
}

TEST_F(SqliteStoreCreditTest, RefusesWhatCouldNotLoadAgainNamingIt) {
  struct Case {
    Mutation mutation;
    std::string names;  // what the message must contain
  };
  ApiToken no_hash = SampleToken("acme", 1);
  no_hash.sha256.clear();
  Tenant bad_name = SampleTenant("acme");
  bad_name.name = "Acme Corp";
  Tenant bad_quota = SampleTenant("acme");
  bad_quota.quota.max.Set("cpu", 1000);
  Grant negative = SampleGrant(4, "acme", 1);
  negative.reserved = -1;
  std::vector<Case> cases = {
      {PutToken{no_hash}, "token " + no_hash.id + ": the store needs the token's sha256"},
      {PutTenant{bad_name}, "tenant 'Acme Corp'"},
      {PutTenant{bad_quota}, "max cpu (1) is below guaranteed cpu (8)"},
      {PutGrant{SampleGrant(0, "acme", 1)}, "grant 0: id (0) must be between 1"},
      {PutGrant{negative}, "grant 4: reserved_micro (-1) must be at least 0"},
      {AppendLedger{Entry("acme", 1, LedgerKind::kGrant, 0)}, "amount (0) must be at least 1"},
      {AppendLedger{Entry("acme", 1, LedgerKind::kReserve, 1)},
       "ledger entry (grant 1, job 0 attempt 0, reserve): job_id (0) must be at least 1"},
      {AppendLedger{Entry("acme", 1, LedgerKind::kGrant, 1, {JobId{3}, 1})},
       "job_id (3) must be between 0 and 0"},
      {AppendLedger{Entry("", 1, LedgerKind::kGrant, 1)}, "tenant name ''"},
  };
  for (const Case& c : cases) {
    Status status = Commit({c.mutation});
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << status.ToString();
    EXPECT_TRUE(Contains(status.message(), c.names)) << status.message();
  }
  StoredState state = Reopen();
  EXPECT_TRUE(state.tenants.empty());
  EXPECT_TRUE(state.tokens.empty());
  EXPECT_TRUE(state.grants.empty());
  EXPECT_EQ(LedgerRows(), 0);
}

TEST_F(SqliteStoreCreditTest, ABatchWithGrantAndLedgerEntriesLandsWholeOrNotAtAll) {
  std::vector<Mutation> doomed = {
      PutGrant{SampleGrant(7, "acme", 100)},
      AppendLedger{Entry("acme", 7, LedgerKind::kGrant, 100)},
      AppendLedger{Entry("acme", 7, LedgerKind::kReserve, 10, {JobId{1}, 1})},
  };
  Status refused, violated, before, after;
  {
    // One transaction for all four batches.
    testing::WriterGate gate(*store_, 1);
    store_->Commit({AppendLedger{Entry("acme", 2, LedgerKind::kGrant, 1)}},
                   [&](Status s) { before = s; });
    // Fails its checks before the transaction: a ledger entry of amount 0.
    std::vector<Mutation> zero = doomed;
    zero.push_back(AppendLedger{Entry("acme", 7, LedgerKind::kCharge, 0, {JobId{1}, 1})});
    store_->Commit(std::move(zero), [&](Status s) { refused = s; });
    // Fails inside the transaction: after the grant and two ledger entries were written, two
    // jobs with one idempotency key (UNIQUE).
    std::vector<Mutation> duplicate = doomed;
    duplicate.push_back(PutJob{testing::PendingJob(40, "acme", "k")});
    duplicate.push_back(PutJob{testing::PendingJob(41, "acme", "k")});
    store_->Commit(std::move(duplicate), [&](Status s) { violated = s; });
    store_->Commit({AppendLedger{Entry("acme", 3, LedgerKind::kGrant, 1)}},
                   [&](Status s) { after = s; });
    gate.Release();
    ASSERT_TRUE(gate.WaitPassed());
  }
  ASSERT_TRUE(Commit({}).ok());  // everything queued before it is done
  EXPECT_TRUE(before.ok()) << before.ToString();
  EXPECT_TRUE(after.ok()) << after.ToString();
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
  EXPECT_TRUE(Contains(refused.message(), "ledger entry (grant 7, job 1 attempt 1, charge)"))
      << refused.message();
  EXPECT_EQ(violated.code(), StatusCode::kAlreadyExists) << violated.ToString();
  EXPECT_TRUE(Contains(violated.message(), "job 41")) << violated.message();

  StoredState state = Reopen();
  EXPECT_TRUE(state.grants.empty());
  EXPECT_EQ(state.next_grant_id, 1);
  EXPECT_TRUE(state.open_reservations.empty());
  std::vector<Job> jobs = state.jobs;
  ASSERT_EQ(jobs.size(), 1u);  // the gate's
  StatusOr<std::vector<LedgerEntry>> entries = store_->ReadLedger({});
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 2u);  // the batches before and after
  EXPECT_EQ((*entries)[0].grant_id, 2);
  EXPECT_EQ((*entries)[1].grant_id, 3);
}

TEST_F(SqliteStoreCreditTest, TheTablesThemselvesRefuseBadLedgerRowsAndSharedHashes) {
  store_.reset();
  // The writer's checks stop such an entry first; the table's CHECK is the last line.
  EXPECT_EQ(testing::TryExecSql(path_,
                                "INSERT INTO ledger (tenant, grant_id, job_id, attempt, kind, "
                                "amount, time) VALUES ('acme', 1, 0, 0, 'grant', 0, 1)"),
            SQLITE_CONSTRAINT_CHECK);
  EXPECT_EQ(testing::TryExecSql(path_,
                                "INSERT INTO ledger (tenant, grant_id, job_id, attempt, kind, "
                                "amount, time) VALUES ('acme', 1, 0, 0, 'bonus', 5, 1)"),
            SQLITE_CONSTRAINT_CHECK);
  EXPECT_EQ(testing::QueryInt(path_, "SELECT count(*) FROM ledger"), 0);
  // Two tokens with one hash.
  const std::string insert_token = "INSERT INTO tokens (id, sha256, tenant, record) VALUES ";
  EXPECT_EQ(testing::TryExecSql(path_, insert_token + "('a', 'h', 'acme', '{}')"), SQLITE_OK);
  EXPECT_EQ(testing::TryExecSql(path_, insert_token + "('b', 'h', 'acme', '{}')"),
            SQLITE_CONSTRAINT_UNIQUE);
}

struct CorruptRowCase {
  const char* name;
  const char* sql;
  const char* expected;  // the row the error must name
};

class SqliteStoreCorruptCreditRowTest : public ::testing::TestWithParam<CorruptRowCase> {};

TEST_P(SqliteStoreCorruptCreditRowTest, LoadFailsNamingTheRow) {
  TempDir dir;
  std::string path = dir.File("sharc.db");
  {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    ASSERT_TRUE(
        CommitAndWait(**store, {PutTenant{SampleTenant("acme")}, PutToken{SampleToken("acme", 1)},
                                PutGrant{SampleGrant(4, "acme", 10)}})
            .ok());
  }
  testing::ExecSql(path, GetParam().sql);
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status status = (*store)->Load().status();
  EXPECT_EQ(status.code(), StatusCode::kInternal) << status.ToString();
  EXPECT_TRUE(Contains(status.message(), GetParam().expected)) << status.message();
}

INSTANTIATE_TEST_SUITE_P(
    Rows, SqliteStoreCorruptCreditRowTest,
    ::testing::Values(
        CorruptRowCase{"TenantNotJson", "UPDATE tenants SET record = '{'", "tenant 'acme'"},
        CorruptRowCase{"TenantOfAnotherName",
                       "UPDATE tenants SET record = json_set(record, '$.name', 'globex')",
                       "tenant 'acme'"},
        CorruptRowCase{"TokenOfAnotherTenant",
                       "UPDATE tokens SET record = json_set(record, '$.tenant', 'globex')",
                       "token 000000abc001"},
        CorruptRowCase{"GrantNegativeBalance",
                       "UPDATE grants SET record = json_set(record, '$.available_micro', -5)",
                       "grant 4"},
        CorruptRowCase{"GrantOfAnotherId", "UPDATE grants SET record = json_set(record, '$.id', 5)",
                       "grant 4"}),
    [](const ::testing::TestParamInfo<CorruptRowCase>& info) { return info.param.name; });

}  // namespace
}  // namespace sharc::store
