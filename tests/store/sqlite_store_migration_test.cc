// A database written by a sharc with schema version 1 (jobs, nodes, meta) upgrades in place to
// the current version when the store opens it: its rows stay, the credit (2) and accounting
// (3) tables appear, job records written in the REST shape become the store's own record (4),
// and the new tables work across reopen; jobs gain end_time and array_job columns (6).
#include <gtest/gtest.h>

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

// Job records exactly as sharc wrote them up to schema version 3: protocol::EncodeJob's REST
// JSON. These literals are frozen; they are what old files hold, whatever EncodeJob becomes.
//
// testing::FullJob(7) with usage and energy, as schema 3 wrote it.
constexpr char kVersion3FullJob[] =
    R"({"allocated_cpus":"0,1","allocated_gpus":[0],"attempt":2,"binding":"simulated",)"
    R"json("cancel_requested":true,"command":["python3","-c","print('hi')"],"cpu_energy_uj":12,)json"
    R"("cpu_time_ms":1500,"cpus":2,"end_time":"2026-11-30T06:03:42.456Z",)"
    R"("env":{"MODE":"fast","SEED":"7"},"exit_code":3,"gpu_energy_uj":34,"gpu_model":"H100",)"
    R"("gpus":1,"id":7,"idempotency_key":"key-7","labels":{"zone":"a"},"mem_bytes":3221225472,)"
    R"("message":"exited with status 3","name":"train-7","node":"gpu1",)"
    R"("peak_memory_bytes":1048576,"preempt_requested":false,"reason":"NON_ZERO_EXIT",)"
    R"("requeue":false,"signal":null,"start_time":"2026-11-30T06:03:41.000Z","state":"FAILED",)"
    R"("submit_time":"2026-11-30T06:03:40.123Z","tenant":"acme","time_limit_seconds":3600})";
// testing::PendingJob(3) as schema 1 wrote it: no preempt_requested, usage or energy fields.
constexpr char kVersion1PendingJob[] =
    R"({"allocated_cpus":null,"allocated_gpus":null,"attempt":0,"binding":null,)"
    R"("cancel_requested":false,"command":["true"],"cpus":1,"end_time":null,"env":{},)"
    R"("exit_code":null,"gpu_model":"","gpus":0,"id":3,"idempotency_key":"","labels":{},)"
    R"("mem_bytes":1048576,"message":"","name":"job-3","node":null,"reason":"",)"
    R"("requeue":true,"signal":null,"start_time":null,"state":"PENDING",)"
    R"("submit_time":"2026-11-30T06:03:40.003Z","tenant":"acme","time_limit_seconds":60})";

// The jobs the records above describe.
Job FullJobOfVersion3() {
  Job job = testing::FullJob(7);
  job.cpu_time_ms = 1500;
  job.peak_memory_bytes = 1 << 20;
  job.cpu_energy_uj = 12;
  job.gpu_energy_uj = 34;
  return job;
}

void InsertJobRecord(const std::string& path, const Job& job, const std::string& record) {
  testing::ExecSql(path, "INSERT INTO jobs (id, tenant, state, idempotency_key, record) VALUES (" +
                             std::to_string(job.id.value) + ", " + Quoted(job.tenant) + ", " +
                             Quoted(std::string(JobStateName(job.state))) + ", " +
                             Quoted(job.idempotency_key) + ", " + Quoted(record) + ")");
}

void WriteVersion1Database(const std::string& path, const NodeRecord& node) {
  testing::ExecSql(path, kVersion1Schema);
  InsertJobRecord(path, testing::PendingJob(3), kVersion1PendingJob);
  InsertJobRecord(path, FullJobOfVersion3(), kVersion3FullJob);
  testing::ExecSql(path, "INSERT INTO nodes (name, record) VALUES (" + Quoted(node.inventory.name) +
                             ", " + Quoted(protocol::DumpJson(EncodeNodeRecord(node))) + ")");
  testing::ExecSql(path, "UPDATE meta SET value = 12 WHERE key = 'next_job_id'");
}

TEST(SqliteStoreMigrationTest, UpgradesAVersion1DatabaseInPlace) {
  TempDir dir;
  std::string path = dir.File("sharc.db");
  const std::vector<Job> jobs = {testing::PendingJob(3), FullJobOfVersion3()};
  NodeRecord node = testing::SampleNode("gpu1");
  WriteVersion1Database(path, node);
  ASSERT_EQ(testing::QueryInt(path, "PRAGMA user_version"), 1);
  ASSERT_EQ(testing::QueryInt(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'ledger'"), 0);

  {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    StatusOr<StoredState> state = (*store)->Load();
    ASSERT_TRUE(state.ok()) << state.status().ToString();
    EXPECT_EQ(state->jobs, jobs);
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
  // The rows now hold the store's own record, no longer the REST shape.
  EXPECT_EQ(testing::QueryInt(path,
                              "SELECT count(*) FROM jobs WHERE record ->> '$.v' = 1 AND "
                              "record ->> '$.node' IS NULL AND record -> '$.spec' IS NOT NULL"),
            2);
  EXPECT_EQ(testing::QueryInt(path, "SELECT record ->> '$.submit_time' FROM jobs WHERE id = 7"),
            1'796'018'620'123);
  // Version 6: the end time of finished jobs (0 for the others) in a column of its own.
  EXPECT_EQ(testing::QueryInt(path, "SELECT end_time FROM jobs WHERE id = 7"), 1'796'018'622'456);
  EXPECT_EQ(testing::QueryInt(path, "SELECT end_time FROM jobs WHERE id = 3"), 0);
  for (const char* index : {"ledger_tenant_time", "ledger_attempt", "attempts_end_time",
                            "jobs_by_tenant", "jobs_by_end_time", "jobs_by_array"}) {
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
  EXPECT_EQ(state->jobs, jobs);
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
  WriteVersion1Database(path, testing::SampleNode("n1"));
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

// A job record the upgrade cannot read (not JSON) stops it: the file stays at version 3, its
// rows as they were, and the error names the step.
TEST(SqliteStoreMigrationTest, AJobRecordThatIsNotJsonLeavesVersion3Intact) {
  TempDir dir;
  std::string path = dir.File("sharc.db");
  WriteVersion1Database(path, testing::SampleNode("n1"));
  InsertJobRecord(path, testing::PendingJob(9), "{not json");
  {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
    ASSERT_FALSE(store.ok());
    EXPECT_NE(store.status().message().find("migrating '" + path + "' to schema version 4"),
              std::string::npos)
        << store.status().message();
  }
  EXPECT_EQ(testing::QueryInt(path, "PRAGMA user_version"), 3);
  EXPECT_EQ(testing::QueryInt(path,
                              "SELECT count(*) FROM jobs WHERE id = 7 AND "
                              "instr(record, '\"node\":\"gpu1\"') > 0"),
            1)
      << "job 7 still holds its REST-shaped record, with its node";
}

}  // namespace
}  // namespace sharc::store
