#include "store/sqlite_jobs.h"

#include <algorithm>
#include <string>
#include <string_view>

#include "protocol/json_fields.h"
#include "store/job_record_codec.h"

namespace sharc::store {
namespace {

// Jobs that load whole: not ended, ended at or after ?1, or tasks of an array that loads whole
// (its task counts and listing need every task).
constexpr std::string_view kLoadWholeSql = R"sql(
  SELECT id, tenant, record FROM jobs
  WHERE end_time = 0 OR end_time >= ?1
     OR array_job IN (SELECT id FROM jobs WHERE end_time = 0 OR end_time >= ?1)
  ORDER BY id)sql";
constexpr std::string_view kLoadEndedSql = "SELECT id, tenant, state FROM jobs ORDER BY id";

Status CorruptJob(int64_t id, const std::string& problem) {
  return InternalError("the store's job " + std::to_string(id) + " cannot be loaded: " + problem +
                       "; repair or remove that row, or restore a backup");
}

// The job in the current row of `rows` (columns id, tenant, record).
StatusOr<Job> DecodeRow(const Statement& rows) {
  const int64_t id = rows.ColumnInt(0);
  StatusOr<protocol::Json> json = protocol::ParseJson(rows.ColumnText(2));
  if (!json.ok()) {
    return CorruptJob(id, "its record is not JSON (" + json.status().message() + ")");
  }
  StatusOr<Job> job = DecodeJobRecord(*json, "record");
  if (!job.ok()) return CorruptJob(id, job.status().message());
  if (job->id.value != id || job->tenant != rows.ColumnText(1)) {
    return CorruptJob(id, "its record is of job " + std::to_string(job->id.value) + " of tenant '" +
                              job->tenant + "'");
  }
  return job;
}

bool Matches(const Job& job, const JobQuery& query) {
  if (!query.name.empty() && job.spec.name != query.name) return false;
  for (const auto& [key, value] : query.labels) {
    auto it = job.spec.labels.find(key);
    if (it == job.spec.labels.end() || it->second != value) return false;
  }
  return true;
}

std::string ReadJobsSql(const JobQuery& query) {
  std::string sql = "SELECT id, tenant, record FROM jobs WHERE id > ?1";
  if (!query.tenant.empty()) sql += " AND tenant = ?2";
  if (!query.states.empty()) {
    sql += " AND state IN (";
    for (size_t i = 0; i < query.states.size(); ++i) {
      // The names come from the enum, never from the caller's text.
      sql += (i ? ",'" : "'") + std::string(JobStateName(query.states[i])) + "'";
    }
    sql += ")";
  }
  if (query.ended_to > 0) sql += " AND end_time > 0 AND end_time >= ?3 AND end_time < ?4";
  return sql + " ORDER BY id";
}

// The end time from which finished jobs load whole: records_ended_since, raised so that at most
// max_ended_records of them do (ties at the boundary may add a few).
StatusOr<UnixMillis> WholeSince(SqliteDb& db, const LoadOptions& options) {
  UnixMillis since = options.records_ended_since;
  if (options.max_ended_records == INT64_MAX) return since;
  if (options.max_ended_records <= 0) return INT64_MAX;
  SHARC_ASSIGN_OR_RETURN(Statement nth,
                         Statement::Prepare(db.get(),
                                            "SELECT end_time FROM jobs WHERE end_time > 0 "
                                            "ORDER BY end_time DESC LIMIT 1 OFFSET ?1",
                                            false));
  nth.BindInt(1, options.max_ended_records - 1);
  Status status;
  if (nth.Step(&status, "counting ended jobs")) since = std::max(since, nth.ColumnInt(0));
  SHARC_RETURN_IF_ERROR(status);
  return since;
}

}  // namespace

Status LoadJobs(SqliteDb& db, const LoadOptions& options, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(const UnixMillis whole_since, WholeSince(db, options));
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), kLoadWholeSql, false));
  rows.BindInt(1, whole_since);
  Status status;
  while (rows.Step(&status, "loading jobs")) {
    SHARC_ASSIGN_OR_RETURN(Job job, DecodeRow(rows));
    state->jobs.push_back(std::move(job));
  }
  SHARC_RETURN_IF_ERROR(status);
  if (whole_since <= 0) return Status::Ok();
  SHARC_ASSIGN_OR_RETURN(Statement ended, Statement::Prepare(db.get(), kLoadEndedSql, false));
  auto whole = state->jobs.begin();
  while (ended.Step(&status, "loading ended jobs")) {
    const JobId id{ended.ColumnInt(0)};
    while (whole != state->jobs.end() && whole->id < id) ++whole;
    if (whole != state->jobs.end() && whole->id == id) continue;
    std::optional<JobState> job_state = ParseJobState(ended.ColumnText(2));
    if (!job_state) return CorruptJob(id.value, "its state column is not a job state");
    state->ended_jobs.push_back(EndedJob{id, std::string(ended.ColumnText(1)), *job_state});
  }
  return status;
}

StatusOr<std::optional<Job>> ReadJobRecord(SqliteDb& db, JobId id) {
  SHARC_ASSIGN_OR_RETURN(
      Statement row,
      Statement::Prepare(db.get(), "SELECT id, tenant, record FROM jobs WHERE id = ?1", false));
  row.BindInt(1, id.value);
  Status status;
  if (!row.Step(&status, "reading job " + std::to_string(id.value))) {
    SHARC_RETURN_IF_ERROR(status);
    return std::optional<Job>();
  }
  SHARC_ASSIGN_OR_RETURN(Job job, DecodeRow(row));
  return std::optional<Job>(std::move(job));
}

StatusOr<std::vector<Job>> ReadJobRecords(SqliteDb& db, const JobQuery& query) {
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), ReadJobsSql(query), false));
  rows.BindInt(1, query.after.value);
  if (!query.tenant.empty()) rows.BindText(2, query.tenant);
  if (query.ended_to > 0) rows.BindInt(3, query.ended_from).BindInt(4, query.ended_to);
  std::vector<Job> jobs;
  Status status;
  while (static_cast<int64_t>(jobs.size()) < query.limit && rows.Step(&status, "reading jobs")) {
    SHARC_ASSIGN_OR_RETURN(Job job, DecodeRow(rows));
    if (Matches(job, query)) jobs.push_back(std::move(job));
  }
  SHARC_RETURN_IF_ERROR(status);
  return jobs;
}

}  // namespace sharc::store
