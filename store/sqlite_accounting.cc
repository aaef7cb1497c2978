#include "store/sqlite_accounting.h"

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

namespace sharc::store {
namespace {

// total() (floating point), not sum(): a tenant's totals over years exceed 64-bit integers
// (2^63 microjoules is 2.5 GWh), and sum() would fail the load with an integer overflow.
constexpr std::string_view kTenantTotalsSql = R"sql(
  SELECT tenant, count(*), total(millicpus * (end_time - start_time)),
         total(gpus * (end_time - start_time)), total(cpu_time_ms), total(cpu_energy_uj),
         total(gpu_energy_uj)
  FROM attempts GROUP BY tenant ORDER BY tenant
)sql";

constexpr std::string_view kTenantUsageSql = "SELECT tenant, usage, as_of FROM tenant_usage";

constexpr std::string_view kFacilityReadingsSql =
    "SELECT time, energy_wh, note FROM facility_readings ORDER BY time";

// Attempts that ended after `from` (the end_time index) and started before `to`.
constexpr std::string_view kAttemptsSql = R"sql(
  SELECT job_id, attempt, tenant, node, start_time, end_time, millicpus, gpus, memory_bytes,
         cpu_time_ms, cpu_energy_uj, gpu_energy_uj, state
  FROM attempts WHERE end_time > ?1 AND start_time < ?2 ORDER BY job_id, attempt
)sql";

// A bucket covers [start, start + kEnergyBucketMillis).
constexpr std::string_view kBucketsSql = R"sql(
  SELECT start, node, covered_ms, millicpus, gpus, cpu_energy_uj, gpu_energy_uj,
         idle_energy_uj, cpu_source, gpu_source
  FROM node_energy WHERE start > ?1 AND start < ?2 ORDER BY start, node
)sql";

Status CorruptAttempt(int64_t job, int64_t attempt, std::string_view what) {
  return InternalError("the attempts table is damaged: job " + std::to_string(job) + " attempt " +
                       std::to_string(attempt) + " " + std::string(what) +
                       "; restore the database from a backup");
}

Status ReadAttempts(SqliteDb& db, const AccountingQuery& query, AccountingRecords* out) {
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), kAttemptsSql, false));
  rows.BindInt(1, query.from).BindInt(2, query.to);
  Status status;
  while (rows.Step(&status, "reading attempt records")) {
    AttemptRecord r;
    r.attempt.job.value = rows.ColumnInt(0);
    int64_t attempt = rows.ColumnInt(1);
    int64_t gpus = rows.ColumnInt(7);
    if (attempt > INT32_MAX) return CorruptAttempt(r.attempt.job.value, attempt, "is too large");
    if (gpus > INT32_MAX) return CorruptAttempt(r.attempt.job.value, attempt, "has too many GPUs");
    r.attempt.attempt = static_cast<int32_t>(attempt);
    r.tenant = std::string(rows.ColumnText(2));
    r.node = std::string(rows.ColumnText(3));
    r.start_time = rows.ColumnInt(4);
    r.end_time = rows.ColumnInt(5);
    r.millicpus = rows.ColumnInt(6);
    r.gpus = static_cast<int32_t>(gpus);
    r.memory_bytes = rows.ColumnInt(8);
    r.cpu_time_ms = rows.ColumnInt(9);
    r.cpu_energy_uj = rows.ColumnInt(10);
    r.gpu_energy_uj = rows.ColumnInt(11);
    r.state = std::string(rows.ColumnText(12));
    out->attempts.push_back(std::move(r));
  }
  return status;
}

Status ReadBuckets(SqliteDb& db, const AccountingQuery& query, AccountingRecords* out) {
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), kBucketsSql, false));
  int64_t from =
      query.from > INT64_MIN + kEnergyBucketMillis ? query.from - kEnergyBucketMillis : INT64_MIN;
  rows.BindInt(1, from).BindInt(2, query.to);
  Status status;
  while (rows.Step(&status, "reading node energy")) {
    NodeEnergyBucket b;
    b.start = rows.ColumnInt(0);
    b.node = std::string(rows.ColumnText(1));
    b.covered_ms = rows.ColumnInt(2);
    b.millicpus = rows.ColumnInt(3);
    int64_t gpus = rows.ColumnInt(4);
    if (gpus > INT32_MAX) {
      return InternalError("the node_energy table is damaged: node '" + b.node +
                           "' has too many GPUs; restore the database from a backup");
    }
    b.gpus = static_cast<int32_t>(gpus);
    b.cpu_energy_uj = rows.ColumnInt(5);
    b.gpu_energy_uj = rows.ColumnInt(6);
    b.idle_energy_uj = rows.ColumnInt(7);
    b.cpu_source = std::string(rows.ColumnText(8));
    b.gpu_source = std::string(rows.ColumnText(9));
    out->buckets.push_back(std::move(b));
  }
  return status;
}

}  // namespace

Status LoadAccounting(SqliteDb& db, StoredState* state) {
  {
    SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), kTenantTotalsSql, false));
    Status status;
    while (rows.Step(&status, "loading accounting totals")) {
      AccountingTotals& totals = state->tenant_totals[std::string(rows.ColumnText(0))];
      totals.attempts = rows.ColumnInt(1);
      totals.granted_millicpu_ms = rows.ColumnDouble(2);
      totals.granted_gpu_ms = rows.ColumnDouble(3);
      totals.used_cpu_ms = rows.ColumnDouble(4);
      totals.cpu_energy_uj = rows.ColumnDouble(5);
      totals.gpu_energy_uj = rows.ColumnDouble(6);
    }
    SHARC_RETURN_IF_ERROR(status);
  }
  {
    SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), kTenantUsageSql, false));
    Status status;
    while (rows.Step(&status, "loading tenant usage")) {
      state->tenant_usage[std::string(rows.ColumnText(0))] = {rows.ColumnDouble(1),
                                                              rows.ColumnInt(2)};
    }
    SHARC_RETURN_IF_ERROR(status);
  }
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), kFacilityReadingsSql, false));
  Status status;
  while (rows.Step(&status, "loading facility readings")) {
    state->facility_readings.push_back(
        {rows.ColumnInt(0), rows.ColumnInt(1), std::string(rows.ColumnText(2))});
  }
  return status;
}

StatusOr<AccountingRecords> ReadAccountingRecords(SqliteDb& db, const AccountingQuery& query) {
  SHARC_RETURN_IF_ERROR(db.Exec("BEGIN", "reading accounting records"));
  AccountingRecords records;
  Status status = ReadAttempts(db, query, &records);
  if (status.ok()) status = ReadBuckets(db, query, &records);
  Status end = db.Exec(status.ok() ? "COMMIT" : "ROLLBACK", "reading accounting records");
  SHARC_RETURN_IF_ERROR(status);
  SHARC_RETURN_IF_ERROR(end);
  return records;
}

}  // namespace sharc::store
