#include "store/sqlite_load.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>

#include "protocol/json_fields.h"
#include "protocol/tenant_codec.h"
#include "store/job_record_codec.h"
#include "store/node_record_codec.h"
#include "store/sqlite_accounting.h"
#include "store/sqlite_audit.h"
#include "store/sqlite_jobs.h"

namespace sharc::store {
namespace {

Status CorruptRow(const std::string& what, const std::string& problem) {
  return InternalError("the store's " + what + " cannot be loaded: " + problem +
                       "; repair or remove that row, or restore a backup");
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
  for (JobId last : {state->jobs.empty() ? JobId{0} : state->jobs.back().id,
                     state->ended_jobs.empty() ? JobId{0} : state->ended_jobs.back().id}) {
    if (last.value < INT64_MAX) next = std::max(next, last.value + 1);
  }
  state->next_job_id = std::max<int64_t>(next, 1);
  return Status::Ok();
}

StatusOr<protocol::Json> ParseRecord(std::string_view text, const std::string& what) {
  StatusOr<protocol::Json> json = protocol::ParseJson(text);
  if (!json.ok()) {
    return CorruptRow(what, "its record is not JSON (" + json.status().message() + ")");
  }
  return json;
}

Status LoadTenants(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db.get(), "SELECT name, record FROM tenants ORDER BY name", false));
  Status status;
  while (rows.Step(&status, "loading tenants")) {
    std::string name(rows.ColumnText(0));
    const std::string what = "tenant '" + name + "'";
    SHARC_ASSIGN_OR_RETURN(protocol::Json json, ParseRecord(rows.ColumnText(1), what));
    StatusOr<Tenant> tenant = protocol::DecodeTenant(json, "tenant");
    if (!tenant.ok()) return CorruptRow(what, tenant.status().message());
    if (tenant->name != name)
      return CorruptRow(what, "its record is of tenant '" + tenant->name + "'");
    state->tenants.push_back(std::move(tenant).value());
  }
  return status;
}

Status LoadTokens(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db.get(), "SELECT id, sha256, tenant, record FROM tokens ORDER BY id",
                         false));
  Status status;
  while (rows.Step(&status, "loading tokens")) {
    const std::string what = "token " + std::string(rows.ColumnText(0));
    SHARC_ASSIGN_OR_RETURN(protocol::Json json, ParseRecord(rows.ColumnText(3), what));
    StatusOr<ApiToken> token = protocol::DecodeToken(json, "token");
    if (!token.ok()) return CorruptRow(what, token.status().message());
    if (token->id != rows.ColumnText(0)) {
      return CorruptRow(what, "its record is of token " + token->id);
    }
    if (token->tenant != rows.ColumnText(2)) {
      return CorruptRow(what, "its record is of tenant '" + token->tenant + "', its row of '" +
                                  std::string(rows.ColumnText(2)) + "'");
    }
    if (token->sha256 != rows.ColumnText(1)) {
      return CorruptRow(what, "its record and its row disagree on the token's sha256");
    }
    state->tokens.push_back(std::move(token).value());
  }
  return status;
}

Status LoadGrants(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db.get(), "SELECT id, tenant, record FROM grants ORDER BY id", false));
  Status status;
  while (rows.Step(&status, "loading grants")) {
    int64_t id = rows.ColumnInt(0);
    const std::string what = "grant " + std::to_string(id);
    SHARC_ASSIGN_OR_RETURN(protocol::Json json, ParseRecord(rows.ColumnText(2), what));
    StatusOr<Grant> grant = protocol::DecodeGrant(json, "grant");
    if (!grant.ok()) return CorruptRow(what, grant.status().message());
    if (grant->id != id || grant->tenant != rows.ColumnText(1)) {
      return CorruptRow(what, "its record is of grant " + std::to_string(grant->id) +
                                  " of tenant '" + grant->tenant + "'");
    }
    state->grants.push_back(std::move(grant).value());
  }
  return status;
}

Status LoadNextGrantId(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(
      Statement row,
      Statement::Prepare(db.get(), "SELECT value FROM meta WHERE key = 'next_grant_id'", false));
  Status status;
  int64_t next = 1;
  if (row.Step(&status, "loading next_grant_id")) next = row.ColumnInt(0);
  SHARC_RETURN_IF_ERROR(status);
  if (!state->grants.empty() && state->grants.back().id < INT64_MAX) {
    next = std::max(next, state->grants.back().id + 1);
  }
  state->next_grant_id = std::max<int64_t>(next, 1);
  return Status::Ok();
}

// Per (job, attempt, grant): reserved minus charged minus released, where not zero.
constexpr std::string_view kOpenReservationsSql = R"sql(
  SELECT job_id, attempt, grant_id, min(tenant),
         sum(CASE kind WHEN 'reserve' THEN amount ELSE -amount END) AS held
  FROM ledger
  WHERE kind IN ('reserve', 'charge', 'release')
  GROUP BY job_id, attempt, grant_id
  HAVING held <> 0
  ORDER BY job_id, attempt, grant_id
)sql";

Status LoadOpenReservations(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(Statement rows, Statement::Prepare(db.get(), kOpenReservationsSql, false));
  Status status;
  while (rows.Step(&status, "loading open credit reservations")) {
    OpenReservation open;
    open.attempt.job.value = rows.ColumnInt(0);
    int64_t attempt = rows.ColumnInt(1);
    if (attempt < 0 || attempt > INT32_MAX) {
      return CorruptRow("ledger", "an entry of job " + std::to_string(open.attempt.job.value) +
                                      " has attempt " + std::to_string(attempt));
    }
    open.attempt.attempt = static_cast<int32_t>(attempt);
    open.grant_id = rows.ColumnInt(2);
    open.tenant = std::string(rows.ColumnText(3));
    open.amount = rows.ColumnInt(4);
    state->open_reservations.push_back(std::move(open));
  }
  return status;
}

Status LoadJoinTokens(SqliteDb& db, StoredState* state) {
  SHARC_ASSIGN_OR_RETURN(
      Statement rows,
      Statement::Prepare(db.get(),
                         "SELECT node, sha256, created, expires, issued_by FROM join_tokens "
                         "ORDER BY node",
                         false));
  Status status;
  while (rows.Step(&status, "loading join tokens")) {
    JoinTokenRecord token;
    token.node = std::string(rows.ColumnText(0));
    token.sha256 = std::string(rows.ColumnText(1));
    token.created = rows.ColumnInt(2);
    token.expires = rows.ColumnInt(3);
    token.issued_by = std::string(rows.ColumnText(4));
    state->join_tokens.push_back(std::move(token));
  }
  return status;
}

Status LoadAll(SqliteDb& db, const LoadOptions& options, StoredState* state) {
  SHARC_RETURN_IF_ERROR(LoadJobs(db, options, state));
  SHARC_RETURN_IF_ERROR(LoadNodes(db, state));
  SHARC_RETURN_IF_ERROR(LoadNextJobId(db, state));
  SHARC_RETURN_IF_ERROR(LoadTenants(db, state));
  SHARC_RETURN_IF_ERROR(LoadTokens(db, state));
  SHARC_RETURN_IF_ERROR(LoadGrants(db, state));
  SHARC_RETURN_IF_ERROR(LoadNextGrantId(db, state));
  SHARC_RETURN_IF_ERROR(LoadOpenReservations(db, state));
  SHARC_ASSIGN_OR_RETURN(state->last_audit, ReadLastAuditRecord(db));
  SHARC_RETURN_IF_ERROR(LoadJoinTokens(db, state));
  return LoadAccounting(db, state);
}

}  // namespace

StatusOr<StoredState> LoadState(SqliteDb& db, const LoadOptions& options) {
  SHARC_RETURN_IF_ERROR(db.Exec("BEGIN", "loading the store"));
  StoredState state;
  Status status = LoadAll(db, options, &state);
  if (sqlite3_get_autocommit(db.get()) == 0) (void)db.Exec("COMMIT", "loading the store");
  SHARC_RETURN_IF_ERROR(status);
  return state;
}

StatusOr<std::vector<Grant>> LoadStoredGrants(SqliteDb& db) {
  StoredState state;
  SHARC_RETURN_IF_ERROR(LoadGrants(db, &state));
  return std::move(state.grants);
}

}  // namespace sharc::store
