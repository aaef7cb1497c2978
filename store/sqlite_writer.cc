#include "store/sqlite_writer.h"

#include <sqlite3.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <utility>

#include "store/stored_records.h"

namespace sharc::store {
namespace {

constexpr std::string_view kPutJobSql =
    "INSERT INTO jobs (id, tenant, state, idempotency_key, record, end_time, array_job) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) "
    "ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, state = excluded.state, "
    "idempotency_key = excluded.idempotency_key, record = excluded.record, "
    "end_time = excluded.end_time, array_job = excluded.array_job";
constexpr std::string_view kPutNodeSql =
    "INSERT INTO nodes (name, record) VALUES (?1, ?2) "
    "ON CONFLICT (name) DO UPDATE SET record = excluded.record";
constexpr std::string_view kReserveJobIdsSql =
    "INSERT INTO meta (key, value) VALUES ('next_job_id', ?1) "
    "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)";
constexpr std::string_view kPutTenantSql =
    "INSERT INTO tenants (name, record) VALUES (?1, ?2) "
    "ON CONFLICT (name) DO UPDATE SET record = excluded.record";
constexpr std::string_view kPutTokenSql =
    "INSERT INTO tokens (id, sha256, tenant, record) VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, tenant = excluded.tenant, "
    "record = excluded.record";
constexpr std::string_view kPutGrantSql =
    "INSERT INTO grants (id, tenant, record) VALUES (?1, ?2, ?3) "
    "ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, record = excluded.record";
constexpr std::string_view kReserveGrantIdsSql =
    "INSERT INTO meta (key, value) VALUES ('next_grant_id', ?1) "
    "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)";
constexpr std::string_view kAppendLedgerSql =
    "INSERT INTO ledger (tenant, grant_id, job_id, attempt, kind, amount, time) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)";

constexpr std::string_view kPutAttemptSql =
    "INSERT OR REPLACE INTO attempts (job_id, attempt, tenant, node, start_time, end_time, "
    "millicpus, gpus, memory_bytes, cpu_time_ms, cpu_energy_uj, gpu_energy_uj, state) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)";
constexpr std::string_view kPutNodeEnergySql =
    "INSERT OR REPLACE INTO node_energy (start, node, covered_ms, millicpus, gpus, "
    "cpu_energy_uj, gpu_energy_uj, idle_energy_uj, cpu_source, gpu_source) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)";
constexpr std::string_view kPutTenantUsageSql =
    "INSERT OR REPLACE INTO tenant_usage (tenant, usage, as_of) VALUES (?1, ?2, ?3)";
constexpr std::string_view kPutFacilityReadingSql =
    "INSERT OR REPLACE INTO facility_readings (time, energy_wh, note) VALUES (?1, ?2, ?3)";

constexpr std::string_view kAppendAuditSql =
    "INSERT OR REPLACE INTO audit_log (seq, time, actor, action, request, peer, status, detail, "
    "hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";

constexpr std::string_view kPutJoinTokenSql =
    "INSERT OR REPLACE INTO join_tokens (node, sha256, created, expires, issued_by) "
    "VALUES (?1, ?2, ?3, ?4, ?5)";
constexpr std::string_view kDeleteJoinTokenSql = "DELETE FROM join_tokens WHERE node = ?1";

}  // namespace

StatusOr<SqliteWriter> SqliteWriter::Create(sqlite3* db, std::function<bool()> on_disk_full) {
  SqliteWriter writer(db);
  writer.on_disk_full_ = std::move(on_disk_full);
  SHARC_ASSIGN_OR_RETURN(writer.begin_, Statement::Prepare(db, "BEGIN IMMEDIATE", true));
  SHARC_ASSIGN_OR_RETURN(writer.commit_, Statement::Prepare(db, "COMMIT", true));
  SHARC_ASSIGN_OR_RETURN(writer.rollback_, Statement::Prepare(db, "ROLLBACK", true));
  SHARC_ASSIGN_OR_RETURN(writer.put_job_, Statement::Prepare(db, kPutJobSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_node_, Statement::Prepare(db, kPutNodeSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.reserve_job_ids_, Statement::Prepare(db, kReserveJobIdsSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_tenant_, Statement::Prepare(db, kPutTenantSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_token_, Statement::Prepare(db, kPutTokenSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_grant_, Statement::Prepare(db, kPutGrantSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.reserve_grant_ids_,
                         Statement::Prepare(db, kReserveGrantIdsSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.append_ledger_, Statement::Prepare(db, kAppendLedgerSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_attempt_, Statement::Prepare(db, kPutAttemptSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_node_energy_, Statement::Prepare(db, kPutNodeEnergySql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_facility_reading_,
                         Statement::Prepare(db, kPutFacilityReadingSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_tenant_usage_,
                         Statement::Prepare(db, kPutTenantUsageSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.append_audit_, Statement::Prepare(db, kAppendAuditSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_join_token_, Statement::Prepare(db, kPutJoinTokenSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.delete_join_token_,
                         Statement::Prepare(db, kDeleteJoinTokenSql, true));
  return writer;
}

StatusOr<std::vector<SqliteWriter::Encoded>> SqliteWriter::Encode(
    const std::vector<Mutation>& batch) {
  std::vector<Encoded> encoded;
  encoded.reserve(batch.size());
  for (const Mutation& mutation : batch) {
    SHARC_ASSIGN_OR_RETURN(std::string record, EncodeStoredRecord(mutation));
    encoded.push_back(Encoded{&mutation, std::move(record)});
  }
  return encoded;
}

Status SqliteWriter::Apply(const Encoded& e) {
  if (const auto* put = std::get_if<PutJob>(e.mutation)) {
    const Job& job = put->job;
    return put_job_.BindInt(1, job.id.value)
        .BindText(2, job.tenant)
        .BindText(3, JobStateName(job.state))
        .BindText(4, job.idempotency_key)
        .BindText(5, e.record)
        .BindInt(6, IsTerminal(job.state) ? std::max<UnixMillis>(1, job.end_time) : 0)
        .BindInt(7, job.array_job.value)
        .Run(DescribeMutation(*e.mutation));
  }
  if (const auto* append = std::get_if<AppendLedger>(e.mutation)) {
    // The hot path of credit accounting: no record, no message built unless it fails.
    const LedgerEntry& entry = append->entry;
    Status status = append_ledger_.BindText(1, entry.tenant)
                        .BindInt(2, entry.grant_id)
                        .BindInt(3, entry.attempt.job.value)
                        .BindInt(4, entry.attempt.attempt)
                        .BindText(5, LedgerKindName(entry.kind))
                        .BindInt(6, entry.amount)
                        .BindInt(7, entry.time)
                        .Run("appending to the ledger");
    return status.ok() ? status : status.WithPrefix(DescribeMutation(*e.mutation));
  }
  if (const auto* put = std::get_if<PutGrant>(e.mutation)) {
    const std::string context = DescribeMutation(*e.mutation);
    SHARC_RETURN_IF_ERROR(put_grant_.BindInt(1, put->grant.id)
                              .BindText(2, put->grant.tenant)
                              .BindText(3, e.record)
                              .Run(context));
    // CheckGrant made sure id + 1 does not overflow.
    return reserve_grant_ids_.BindInt(1, put->grant.id + 1).Run(context);
  }
  if (const auto* put = std::get_if<PutNode>(e.mutation)) {
    return put_node_.BindText(1, put->node.inventory.name)
        .BindText(2, e.record)
        .Run(DescribeMutation(*e.mutation));
  }
  if (const auto* put = std::get_if<PutTenant>(e.mutation)) {
    return put_tenant_.BindText(1, put->tenant.name)
        .BindText(2, e.record)
        .Run(DescribeMutation(*e.mutation));
  }
  if (const auto* put = std::get_if<PutToken>(e.mutation)) {
    return put_token_.BindText(1, put->token.id)
        .BindText(2, put->token.sha256)
        .BindText(3, put->token.tenant)
        .BindText(4, e.record)
        .Run(DescribeMutation(*e.mutation));
  }
  if (std::holds_alternative<PutAttempt>(*e.mutation) ||
      std::holds_alternative<PutNodeEnergy>(*e.mutation) ||
      std::holds_alternative<PutFacilityReading>(*e.mutation)) {
    return ApplyAccountingRow(e);
  }
  if (const auto* put = std::get_if<PutTenantUsage>(e.mutation)) {
    return put_tenant_usage_.BindText(1, put->tenant)
        .BindDouble(2, put->usage.value)
        .BindInt(3, put->usage.as_of)
        .Run(DescribeMutation(*e.mutation));
  }
  if (std::holds_alternative<AppendAudit>(*e.mutation) ||
      std::holds_alternative<PutJoinToken>(*e.mutation) ||
      std::holds_alternative<DeleteJoinToken>(*e.mutation)) {
    return ApplySecurityRow(e);
  }
  const auto& reserve = std::get<ReserveJobIds>(*e.mutation);
  return reserve_job_ids_.BindInt(1, reserve.next_job_id).Run("next_job_id");
}

Status SqliteWriter::ApplyAccountingRow(const Encoded& e) {
  if (const auto* put = std::get_if<PutAttempt>(e.mutation)) {
    const AttemptRecord& r = put->record;
    return put_attempt_.BindInt(1, r.attempt.job.value)
        .BindInt(2, r.attempt.attempt)
        .BindText(3, r.tenant)
        .BindText(4, r.node)
        .BindInt(5, r.start_time)
        .BindInt(6, r.end_time)
        .BindInt(7, r.millicpus)
        .BindInt(8, r.gpus)
        .BindInt(9, r.memory_bytes)
        .BindInt(10, r.cpu_time_ms)
        .BindInt(11, r.cpu_energy_uj)
        .BindInt(12, r.gpu_energy_uj)
        .BindText(13, r.state)
        .Run(DescribeMutation(*e.mutation));
  }
  if (const auto* put = std::get_if<PutNodeEnergy>(e.mutation)) {
    const NodeEnergyBucket& b = put->bucket;
    return put_node_energy_.BindInt(1, b.start)
        .BindText(2, b.node)
        .BindInt(3, b.covered_ms)
        .BindInt(4, b.millicpus)
        .BindInt(5, b.gpus)
        .BindInt(6, b.cpu_energy_uj)
        .BindInt(7, b.gpu_energy_uj)
        .BindInt(8, b.idle_energy_uj)
        .BindText(9, b.cpu_source)
        .BindText(10, b.gpu_source)
        .Run(DescribeMutation(*e.mutation));
  }
  const auto& put = std::get<PutFacilityReading>(*e.mutation);
  return put_facility_reading_.BindInt(1, put.reading.time)
      .BindInt(2, put.reading.energy_wh)
      .BindText(3, put.reading.note)
      .Run(DescribeMutation(*e.mutation));
}

Status SqliteWriter::ApplySecurityRow(const Encoded& e) {
  if (const auto* append = std::get_if<AppendAudit>(e.mutation)) {
    const AuditRecord& r = append->record;
    return append_audit_.BindInt(1, r.seq)
        .BindInt(2, r.time)
        .BindText(3, r.actor)
        .BindText(4, r.action)
        .BindText(5, r.request)
        .BindText(6, r.peer)
        .BindInt(7, r.status)
        .BindText(8, r.detail)
        .BindText(9, r.hash)
        .Run(DescribeMutation(*e.mutation));
  }
  if (const auto* put = std::get_if<PutJoinToken>(e.mutation)) {
    const JoinTokenRecord& t = put->token;
    return put_join_token_.BindText(1, t.node)
        .BindText(2, t.sha256)
        .BindInt(3, t.created)
        .BindInt(4, t.expires)
        .BindText(5, t.issued_by)
        .Run(DescribeMutation(*e.mutation));
  }
  const auto& del = std::get<DeleteJoinToken>(*e.mutation);
  return delete_join_token_.BindText(1, del.node).Run(DescribeMutation(*e.mutation));
}

void SqliteWriter::RollbackIfActive() {
  // SQLite may already have rolled back on its own (e.g. after SQLITE_FULL).
  if (sqlite3_get_autocommit(db_) == 0) (void)rollback_.Run("ROLLBACK");
}

std::optional<CommitStats> SqliteWriter::Write(std::span<const PendingBatch> batches,
                                               std::vector<Status>* results) {
  results->assign(batches.size(), Status::Ok());
  CommitStats stats;
  stats.batches = batches.size();
  stats.ok = false;

  std::vector<std::vector<Encoded>> encoded(batches.size());
  std::vector<bool> included(batches.size(), false);
  size_t remaining = 0;
  for (size_t i = 0; i < batches.size(); ++i) {
    stats.mutations += batches[i].mutations.size();
    StatusOr<std::vector<Encoded>> e = Encode(batches[i].mutations);
    if (!e.ok()) {
      (*results)[i] = e.status();
      continue;
    }
    encoded[i] = std::move(e).value();
    included[i] = true;
    ++remaining;
  }
  if (remaining == 0) return std::nullopt;

  const auto start = std::chrono::steady_clock::now();
  while (remaining > 0) {
    constexpr size_t kNone = static_cast<size_t>(-1);
    size_t failed_batch = kNone;
    Status status = begin_.Run("BEGIN");
    for (size_t i = 0; status.ok() && i < batches.size(); ++i) {
      if (!included[i]) continue;
      for (const Encoded& e : encoded[i]) {
        status = Apply(e);
        if (!status.ok()) {
          failed_batch = i;
          break;
        }
      }
    }
    if (status.ok()) status = commit_.Run("COMMIT");
    if (status.ok()) {
      stats.ok = true;
      break;
    }
    const bool disk_full = (sqlite3_extended_errcode(db_) & 0xff) == SQLITE_FULL;
    RollbackIfActive();
    if (disk_full && on_disk_full_ && on_disk_full_()) continue;  // again, with the space freed
    if (failed_batch != kNone && IsConstraintViolation(status)) {
      (*results)[failed_batch] = status;
      included[failed_batch] = false;
      --remaining;
      continue;  // again, without the batch at fault
    }
    stats.disk_full = disk_full;
    Status failure = status.WithPrefix("the store's transaction failed");
    for (size_t i = 0; i < batches.size(); ++i) {
      if (included[i]) (*results)[i] = failure;
    }
    break;
  }
  stats.duration = std::chrono::steady_clock::now() - start;
  return stats;
}

}  // namespace sharc::store
