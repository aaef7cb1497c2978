// The audit log (scheduler/audit_log.h): appended to the store as a hash chain that survives a
// restart, thinned for strangers, and verified against tampering.
#include "scheduler/audit_log.h"

#include <sqlite3.h>

#include <future>

#include "tests/scheduler/scheduler_fixture.h"

namespace sharc::scheduler {
namespace {

class AuditLogTest : public SchedulerTest {
 protected:
  AuditLog& audit() { return scheduler_->audit(); }

  void Append(const std::string& actor, int status, const std::string& peer = "10.0.0.1:4000",
              bool unauthenticated = false) {
    audit().Append({.actor = actor,
                    .action = unauthenticated ? "authenticate" : "manage_tenants",
                    .request = "POST /v1/tenants",
                    .peer = peer,
                    .status = status,
                    .detail = "d",
                    .unauthenticated = unauthenticated});
    Settle();
  }
  std::vector<store::AuditRecord> Read(store::AuditQuery query = {}) {
    StatusOr<std::vector<store::AuditRecord>> records =
        Await<std::vector<store::AuditRecord>>([&](auto done) { audit().Read(query, done); });
    EXPECT_TRUE(records.ok()) << records.status().ToString();
    return records.ok() ? *records : std::vector<store::AuditRecord>{};
  }
  // Writes `batch` to the store behind the scheduler's back, as someone editing the file would.
  Status CommitDirectly(std::vector<store::Mutation> batch) {
    std::promise<Status> committed;
    store_->Commit(std::move(batch), [&](Status status) { committed.set_value(status); });
    return committed.get_future().get();
  }
  // Runs `sql` on the store's file through a connection of its own, as an intruder would.
  void ExecSqlBehindTheSchedulersBack(const std::string& sql) {
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open_v2(dir_.File("sharc.db").c_str(), &db, SQLITE_OPEN_READWRITE, nullptr),
              SQLITE_OK);
    EXPECT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    sqlite3_close(db);
  }
  AuditVerification Verify() {
    StatusOr<AuditVerification> result =
        Await<AuditVerification>([&](auto done) { audit().Verify(done); });
    EXPECT_TRUE(result.ok()) << result.status().ToString();
    return result.ok() ? *result : AuditVerification{};
  }
};

TEST_F(AuditLogTest, EntriesChainAcrossARestartAndVerify) {
  Append("admin:ops", 201);
  Append("operator:night", 200);
  Reopen();
  Append("admin:ops", 400);
  std::vector<store::AuditRecord> records = Read();
  ASSERT_EQ(records.size(), 3u);
  std::string previous;
  for (size_t i = 0; i < records.size(); ++i) {
    EXPECT_EQ(records[i].seq, static_cast<int64_t>(i + 1));
    EXPECT_EQ(records[i].hash, AuditLog::HashOf(previous, records[i]));
    previous = records[i].hash;
  }
  EXPECT_EQ(records[2].status, 400);
  AuditVerification verification = Verify();
  EXPECT_TRUE(verification.ok) << verification.problem;
  EXPECT_EQ(verification.entries, 3);
  EXPECT_EQ(verification.last_seq, 3);  // the head, for an auditor to keep
  EXPECT_EQ(verification.last_hash, records[2].hash);

  EXPECT_EQ(Read({.actor = "operator:night"}).size(), 1u);
  EXPECT_EQ(Read({.after_seq = 1, .limit = 1}).front().seq, 2);
}

TEST_F(AuditLogTest, AChangedOrMissingEntryBreaksTheChainWhereItIs) {
  for (int i = 0; i < 4; ++i) Append("admin:ops", 200 + i);
  store::AuditRecord second = Read()[1];
  second.actor = "admin:someone-else";  // the hash no longer covers the entry
  ASSERT_TRUE(CommitDirectly({store::AppendAudit{second}}).ok());
  AuditVerification changed = Verify();
  EXPECT_FALSE(changed.ok);
  EXPECT_EQ(changed.broken_at, 2);
  EXPECT_NE(changed.problem.find("entry 2 does not match its hash"), std::string::npos)
      << changed.problem;
}

// A chain cannot show its own end cut off: the scheduler's head can.
TEST_F(AuditLogTest, EntriesDeletedFromTheEndAreFoundAgainstTheSchedulersHead) {
  for (int i = 0; i < 4; ++i) Append("admin:ops", 200 + i);
  ExecSqlBehindTheSchedulersBack("DELETE FROM audit_log WHERE seq >= 3");
  AuditVerification cut = Verify();
  EXPECT_FALSE(cut.ok);
  EXPECT_EQ(cut.broken_at, 3);
  EXPECT_EQ(cut.problem,
            "entries 3 to 4 are missing: this scheduler stored the log up to entry 4, and it now "
            "ends before");
  EXPECT_EQ(cut.last_seq, 2);
}

TEST_F(AuditLogTest, AChainRewrittenWithFreshHashesIsFoundAtTheSchedulersHead) {
  for (int i = 0; i < 3; ++i) Append("admin:ops", 200 + i);
  std::vector<store::AuditRecord> records = Read();
  ASSERT_EQ(records.size(), 3u);
  records[1].actor = "admin:someone-else";
  records[1].hash = AuditLog::HashOf(records[0].hash, records[1]);
  records[2].hash = AuditLog::HashOf(records[1].hash, records[2]);
  ASSERT_TRUE(
      CommitDirectly({store::AppendAudit{records[1]}, store::AppendAudit{records[2]}}).ok());
  AuditVerification rewritten = Verify();
  EXPECT_FALSE(rewritten.ok);
  EXPECT_EQ(rewritten.broken_at, 3);
  EXPECT_NE(rewritten.problem.find("entry 3 is not the one this scheduler stored"),
            std::string::npos)
      << rewritten.problem;
}

TEST_F(AuditLogTest, StrangersFailuresAreKeptToOneEntryASecondPerAddress) {
  for (int i = 0; i < 5; ++i)
    Append("anonymous", 401, "10.0.0.9:" + std::to_string(5000 + i), true);
  Append("anonymous", 401, "10.0.0.7:1", true);  // another address has its own second
  EXPECT_EQ(Read().size(), 2u);
  clock_.Advance(std::chrono::seconds(1));
  Append("anonymous", 401, "10.0.0.9:6000", true);
  std::vector<store::AuditRecord> records = Read();
  ASSERT_EQ(records.size(), 3u);
  EXPECT_NE(records[2].detail.find("and 4 more failures from this address"), std::string::npos)
      << records[2].detail;
  // Staff changes are never thinned.
  for (int i = 0; i < 3; ++i) Append("admin:ops", 200);
  EXPECT_EQ(Read().size(), 6u);
}

}  // namespace
}  // namespace sharc::scheduler
