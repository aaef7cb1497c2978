#include "store/sqlite_load.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string>

#include "protocol/job_codec.h"
#include "protocol/json_fields.h"
#include "store/node_record_codec.h"

namespace sharc::store {
namespace {

Status CorruptRow(const std::string& what, const std::string& problem) {
  return InternalError("the store's " + what + " cannot be loaded: " + problem +
                       "; repair or remove that row, or restore a backup");
}

Status LoadJobs(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db.get(), "SELECT id, tenant, record FROM jobs ORDER BY id", false));
  Status status;
  while (rows.Step(&status, "loading jobs")) {
    int64_t id = rows.ColumnInt(0);
    const std::string what = "job " + std::to_string(id);
    StatusOr<protocol::Json> json = protocol::ParseJson(rows.ColumnText(2));
    if (!json.ok())
      return CorruptRow(what, "its record is not JSON (" + json.status().message() + ")");
    StatusOr<Job> job = protocol::DecodeJob(*json);
    if (!job.ok()) return CorruptRow(what, job.status().message());
    if (job->id.value != id || job->tenant != rows.ColumnText(1)) {
      return CorruptRow(what, "its record is of job " + std::to_string(job->id.value) +
                                  " of tenant '" + job->tenant + "'");
    }
    state->jobs.push_back(std::move(job).value());
  }
  return status;
}

Status LoadNodes(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db.get(), "SELECT name, record FROM nodes ORDER BY name", false));
  Status status;
  while (rows.Step(&status, "loading nodes")) {
    std::string name(rows.ColumnText(0));
    const std::string what = "node '" + name + "'";
    StatusOr<protocol::Json> json = protocol::ParseJson(rows.ColumnText(1));
    if (!json.ok())
      return CorruptRow(what, "its record is not JSON (" + json.status().message() + ")");
    StatusOr<NodeRecord> node = DecodeNodeRecord(*json, "node");
    if (!node.ok()) return CorruptRow(what, node.status().message());
    if (node->inventory.name != name) {
      return CorruptRow(what, "its record is of node '" + node->inventory.name + "'");
    }
    state->nodes.push_back(std::move(node).value());
  }
  return status;
}

Status LoadNextJobId(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(
      Statement row,
      Statement::Prepare(db.get(), "SELECT value FROM meta WHERE key = 'next_job_id'", false));
  Status status;
  int64_t next = 1;
  if (row.Step(&status, "loading next_job_id")) next = row.ColumnInt(0);
  SHARC_RETURN_IF_ERROR(status);
  if (!state->jobs.empty() && state->jobs.back().id.value < INT64_MAX) {
    next = std::max(next, state->jobs.back().id.value + 1);
  }
  state->next_job_id = std::max<int64_t>(next, 1);
  return Status::Ok();
}

Status LoadAll(SqliteDb& db, StoredState* state) {
  SHARC_RETURN_IF_ERROR(LoadJobs(db, state));
  SHARC_RETURN_IF_ERROR(LoadNodes(db, state));
  return LoadNextJobId(db, state);
}

}  // namespace

StatusOr<StoredState> LoadState(SqliteDb& db) {
  SHARC_RETURN_IF_ERROR(db.Exec("BEGIN", "loading the store"));
  StoredState state;
  Status status = LoadAll(db, &state);
  if (sqlite3_get_autocommit(db.get()) == 0) (void)db.Exec("COMMIT", "loading the store");
  SHARC_RETURN_IF_ERROR(status);
  return state;
}

}  // namespace sharc::store
