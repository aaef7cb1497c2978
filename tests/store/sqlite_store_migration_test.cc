// A database written by a sharc with schema version 1 (jobs, nodes, meta) upgrades in place to
// the current version when the store opens it: its rows stay, the credit (2) and accounting
// (3) tables appear, and the new tables work across reopen.
#include <gtest/gtest.h>

#include "protocol/job_codec.h"
#include "protocol/json_fields.h"
#include "store/node_record_codec.h"
#include "store/sqlite_schema.h"
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

// Schema version 1 exactly as sharc 0.1 released it (store/sqlite_schema.cc, migration 1).
constexpr char kVersion1Schema[] = R"sql(
  PRAGMA journal_mode = WAL;
  PRAGMA application_id = 1936220530;
  CREATE TABLE jobs (
    id INTEGER PRIMARY KEY CHECK (id > 0),
    tenant TEXT NOT NULL,
    state TEXT NOT NULL,
    idempotency_key TEXT,
    record TEXT NOT NULL
  ) STRICT;
  CREATE UNIQUE INDEX jobs_idempotency_key ON jobs (tenant, idempotency_key)
    WHERE idempotency_key <> '';
  CREATE TABLE nodes (
    name TEXT PRIMARY KEY NOT NULL,
    record TEXT NOT NULL
  ) STRICT, WITHOUT ROWID;
  CREATE TABLE meta (
    key TEXT PRIMARY KEY NOT NULL,
    value INTEGER NOT NULL
  ) STRICT, WITHOUT ROWID;
  INSERT INTO meta (key, value) VALUES ('next_job_id', 1);
  PRAGMA user_version = 1;
)sql";

// 'text' as an SQL string literal.
std::string Quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

void WriteVersion1Database(const std::string& path, const Job& job, const NodeRecord& node) {
  testing::ExecSql(path, kVersion1Schema);
  testing::ExecSql(path, "INSERT INTO jobs (id, tenant, state, idempotency_key, record) VALUES (" +
                             std::to_string(job.id.value) + ", " + Quoted(job.tenant) + ", " +
                             Quoted(std::string(JobStateName(job.state))) + ", " +
                             Quoted(job.idempotency_key) + ", " +
                             Quoted(protocol::DumpJson(protocol::EncodeJob(job))) + ")");
  testing::ExecSql(path, "INSERT INTO nodes (name, record) VALUES (" + Quoted(node.inventory.name) +
                             ", " + Quoted(protocol::DumpJson(EncodeNodeRecord(node))) + ")");
  testing::ExecSql(path, "UPDATE meta SET value = 12 WHERE key = 'next_job_id'");
}

TEST(SqliteStoreMigrationTest, UpgradesAVersion1DatabaseInPlace) {
  TempDir dir;
  std::string path = dir.File("sharc.db");
  Job job = testing::FullJob(7);
  NodeRecord node = testing::SampleNode("gpu1");
  WriteVersion1Database(path, job, node);
  ASSERT_EQ(testing::QueryInt(path, "PRAGMA user_version"), 1);
  ASSERT_EQ(testing::QueryInt(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'ledger'"), 0);

  {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StatusOr<StoredState> state = (*store)->Load();
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    EXPECT_EQ(state->jobs, std::vector<Job>{job});
    EXPECT_EQ(state->nodes, std::vector<NodeRecord>{node});
    EXPECT_EQ(state->next_job_id, 12);
    EXPECT_TRUE(state->tenants.empty());
    EXPECT_TRUE(state->grants.empty());
    EXPECT_EQ(state->next_grant_id, 1);
    ASSERT_TRUE(
        CommitAndWait(**store, {PutTenant{SampleTenant("acme")}, PutToken{SampleToken("acme", 1)},
                                PutGrant{SampleGrant(1, "acme", 10)},
                                AppendLedger{Entry("acme", 1, LedgerKind::kGrant, 10)}})
            .ok());
  }
  EXPECT_EQ(testing::QueryInt(path, "PRAGMA user_version"), kSchemaVersion);
  EXPECT_EQ(testing::QueryInt(path, "PRAGMA application_id"), kSharcApplicationId);
  for (const char* index : {"ledger_tenant_time", "ledger_attempt", "attempts_end_time"}) {
    EXPECT_EQ(testing::QueryInt(path, std::string("SELECT count(*) FROM sqlite_schema WHERE "
                                                  "type = 'index' AND name = '") +
                                          index + "'"),
              1)
        << index;
  }

  // Reopening a current file migrates nothing more, and everything is there.
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<StoredState> state = (*store)->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  EXPECT_EQ(state->jobs, std::vector<Job>{job});
  EXPECT_EQ(state->tenants, std::vector<Tenant>{SampleTenant("acme")});
  EXPECT_EQ(state->tokens, std::vector<ApiToken>{SampleToken("acme", 1)});
  EXPECT_EQ(state->grants, std::vector<Grant>{SampleGrant(1, "acme", 10)});
  EXPECT_EQ(state->next_grant_id, 2);
  StatusOr<std::vector<LedgerEntry>> entries = (*store)->ReadLedger({});
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].seq, 1);
}

TEST(SqliteStoreMigrationTest, AFailedUpgradeLeavesVersion1Intact) {
  TempDir dir;
  std::string path = dir.File("sharc.db");
  WriteVersion1Database(path, testing::PendingJob(3), testing::SampleNode("n1"));
  // A table in the way of migration 2.
  testing::ExecSql(path, "CREATE TABLE tenants (x INTEGER)");
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_FALSE(store.ok());
  EXPECT_NE(store.status().message().find("migrating '" + path + "' to schema version 2"),
            std::string::npos)
      << store.status().message();
  EXPECT_EQ(testing::QueryInt(path, "PRAGMA user_version"), 1);
  EXPECT_EQ(testing::QueryInt(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'ledger'"), 0);
  EXPECT_EQ(testing::QueryInt(path, "SELECT value FROM meta WHERE key = 'next_job_id'"), 12);
}

}  // namespace
}  // namespace sharc::store
