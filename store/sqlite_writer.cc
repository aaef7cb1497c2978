#include "store/sqlite_writer.h"

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <utility>

#include "protocol/job_codec.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"
#include "store/node_record_codec.h"

namespace sharc::store {
namespace {

constexpr std::string_view kPutJobSql =
    "INSERT INTO jobs (id, tenant, state, idempotency_key, record) VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (id) DO UPDATE SET tenant = excluded.tenant, state = excluded.state, "
    "idempotency_key = excluded.idempotency_key, record = excluded.record";
constexpr std::string_view kPutNodeSql =
    "INSERT INTO nodes (name, record) VALUES (?1, ?2) "
    "ON CONFLICT (name) DO UPDATE SET record = excluded.record";
constexpr std::string_view kReserveJobIdsSql =
    "INSERT INTO meta (key, value) VALUES ('next_job_id', ?1) "
    "ON CONFLICT (key) DO UPDATE SET value = max(value, excluded.value)";

std::string JobContext(const Job& job) { return "job " + std::to_string(job.id.value); }
std::string NodeContext(const NodeRecord& node) { return "node '" + node.inventory.name + "'"; }

// The record must also be small enough for Load's JSON parser.
Status CheckRecordSize(const std::string& record, const std::string& context) {
  if (record.size() <= protocol::kDefaultMaxJsonBytes) return Status::Ok();
  return InvalidArgumentError(context + ": the record is " + std::to_string(record.size()) +
                              " bytes; the store keeps at most " +
                              std::to_string(protocol::kDefaultMaxJsonBytes));
}

StatusOr<std::string> EncodeJobRecord(const Job& job) {
  std::string context = JobContext(job);
  protocol::Json json = protocol::EncodeJob(job);
  // Whatever is stored must load again: decode it now, so a bad job fails its own batch
  // instead of the next start of the scheduler.
  Status decodable = protocol::DecodeJob(json).status();
  if (!decodable.ok()) {
    return InvalidArgumentError(
        context + ": cannot be stored, it would not load again: " + decodable.message());
  }
  std::string record = protocol::DumpJson(json);
  SHARC_RETURN_IF_ERROR(CheckRecordSize(record, context));
  return record;
}

StatusOr<std::string> EncodeNodeRecordText(const NodeRecord& node) {
  std::string context = NodeContext(node);
  protocol::Json json = EncodeNodeRecord(node);
  Status decodable = DecodeNodeRecord(json, "node").status();
  if (!decodable.ok()) {
    return InvalidArgumentError(
        context + ": cannot be stored, it would not load again: " + decodable.message());
  }
  std::string record = protocol::DumpJson(json);
  SHARC_RETURN_IF_ERROR(CheckRecordSize(record, context));
  return record;
}

}  // namespace

StatusOr<SqliteWriter> SqliteWriter::Create(sqlite3* db) {
  SqliteWriter writer(db);
  SHARC_ASSIGN_OR_RETURN(writer.begin_, Statement::Prepare(db, "BEGIN IMMEDIATE", true));
  SHARC_ASSIGN_OR_RETURN(writer.commit_, Statement::Prepare(db, "COMMIT", true));
  SHARC_ASSIGN_OR_RETURN(writer.rollback_, Statement::Prepare(db, "ROLLBACK", true));
  SHARC_ASSIGN_OR_RETURN(writer.put_job_, Statement::Prepare(db, kPutJobSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.put_node_, Statement::Prepare(db, kPutNodeSql, true));
  SHARC_ASSIGN_OR_RETURN(writer.reserve_job_ids_, Statement::Prepare(db, kReserveJobIdsSql, true));
  return writer;
}

StatusOr<std::vector<SqliteWriter::Encoded>> SqliteWriter::Encode(
    const std::vector<Mutation>& batch) {
  std::vector<Encoded> encoded;
  encoded.reserve(batch.size());
  for (const Mutation& mutation : batch) {
    Encoded& e = encoded.emplace_back(Encoded{&mutation, {}});
    if (const auto* put = std::get_if<PutJob>(&mutation)) {
      SHARC_ASSIGN_OR_RETURN(e.record, EncodeJobRecord(put->job));
    } else if (const auto* put = std::get_if<PutNode>(&mutation)) {
      SHARC_ASSIGN_OR_RETURN(e.record, EncodeNodeRecordText(put->node));
    } else if (const auto* reserve = std::get_if<ReserveJobIds>(&mutation)) {
      if (reserve->next_job_id < 1) {
        return InvalidArgumentError("next_job_id " + std::to_string(reserve->next_job_id) +
                                    ": must be at least 1");
      }
    }
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
        .Run(JobContext(job));
  }
  if (const auto* put = std::get_if<PutNode>(e.mutation)) {
    return put_node_.BindText(1, put->node.inventory.name)
        .BindText(2, e.record)
        .Run(NodeContext(put->node));
  }
  const auto& reserve = std::get<ReserveJobIds>(*e.mutation);
  return reserve_job_ids_.BindInt(1, reserve.next_job_id).Run("next_job_id");
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
    RollbackIfActive();
    if (failed_batch != kNone && IsConstraintViolation(status)) {
      (*results)[failed_batch] = status;
      included[failed_batch] = false;
      --remaining;
      continue;  // again, without the batch at fault
    }
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
