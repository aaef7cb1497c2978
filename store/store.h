// The scheduler's durable state, behind one interface so that a PostgreSQL backend can be
// added without touching scheduling code. The embedded default is SQLite (sqlite_store.h).
//
// Contract:
//   - Load() returns everything committed so far (finished jobs beyond
//     LoadOptions::records_ended_since without their records). Call it once, before the first
//     Commit.
//   - Commit() queues a batch of mutations. Batches commit in the order Commit was called;
//     several batches may share one transaction (group commit), but a batch is never split
//     across transactions. `done` runs exactly once, on the store's writer thread, after
//     the transaction holding the batch has committed (OK: the batch is durable) or failed
//     (then nothing of the batch was applied).
//   - CommitWaitingForSpace() is Commit for the changes the caller has already made in memory
//     and cannot take back: a batch of it that meets a full disk is not failed but held, with
//     every batch queued after it, and written again until it commits (space came back) or the
//     store closes (then it fails). Plain Commit batches queued behind a held one fail at once
//     with Unavailable, having changed nothing; the order of what commits is kept.
//   - Each mutation is an idempotent upsert, so replaying a batch is harmless.
//   - Commit is thread-safe. Close() commits what is queued, then stops the writer; after
//     Close, Commit fails every batch with Unavailable.
#ifndef SHARC_STORE_STORE_H_
#define SHARC_STORE_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/accounting.h"
#include "core/clock.h"
#include "core/credit.h"
#include "core/job.h"
#include "core/node.h"
#include "core/status.h"
#include "core/tenant.h"

namespace sharc::store {

// A node as the scheduler remembers it across restarts.
// NodeRecord::credential_sha256 of a revoked node: not hex, so no credential's hash equals it.
inline constexpr std::string_view kRevokedCredential = "revoked";

struct NodeRecord {
  NodeInventory inventory;
  NodeState state = NodeState::kUp;
  std::string reason;        // why DOWN or DRAIN
  UnixMillis last_seen = 0;  // last heartbeat (wall time), for people
  // Hex SHA-256 of the credential issued to the node's agent at its first join; "" until
  // then; kRevokedCredential once an operator revoked it (no hash matches it, and only a new
  // join token brings the node back). Only the holder of the credential may register as it.
  std::string credential_sha256;
  friend bool operator==(const NodeRecord&, const NodeRecord&) = default;
};

// A tenant's fair-share usage (dominant-share seconds, decayed) as of a time.
struct TenantUsageRecord {
  double value = 0;
  UnixMillis as_of = 0;
  friend bool operator==(const TenantUsageRecord&, const TenantUsageRecord&) = default;
};

// Credit a job attempt still holds in reserve on one grant: the sum of its reserve entries
// minus its charge and release entries, where that is not zero.
struct OpenReservation {
  AttemptId attempt;
  int64_t grant_id = 0;
  std::string tenant;
  MicroCredits amount = 0;
  friend bool operator==(const OpenReservation&, const OpenReservation&) = default;
};

// A finished job loaded without its record (LoadOptions::records_ended_since): enough to say
// that it exists, whose it is and how it ended. Its record stays readable with ReadJob.
struct EndedJob {
  JobId id;
  std::string tenant;
  JobState state = JobState::kCompleted;
  friend bool operator==(const EndedJob&, const EndedJob&) = default;
};

struct LoadOptions {
  // Jobs that ended before this time load as EndedJob entries only, unless they are tasks of an
  // array that loads whole. 0: every job loads whole.
  UnixMillis records_ended_since = 0;
  // And of those that ended since then, at most this many (the latest ended) load whole.
  int64_t max_ended_records = INT64_MAX;
};

// A one-time token that lets an agent join as `node` and get the node's own credential
// (scheduler/join_tokens.h). Only its SHA-256 is kept.
struct JoinTokenRecord {
  std::string node;
  std::string sha256;
  UnixMillis created = 0;
  UnixMillis expires = 0;
  std::string issued_by;
  friend bool operator==(const JoinTokenRecord&, const JoinTokenRecord&) = default;
};

// One entry of the audit log (scheduler/audit_log.h): appended, never changed. The entries form
// a hash chain: each one's hash covers the previous entry's hash and its own fields, so an entry
// changed, removed or inserted afterwards breaks every hash after it.
struct AuditRecord {
  int64_t seq = 0;      // 1, 2, 3, ... in the order of appending
  UnixMillis time = 0;  // wall time
  std::string actor;    // "admin:ops", "tenant:acme/ci", "anonymous"
  std::string action;   // the roles table's action ("manage_tenants"), or "authenticate"
  std::string request;  // "POST /v1/tenants/acme/disable"
  std::string peer;     // the client's address
  int status = 0;       // the HTTP status it was answered with
  std::string detail;   // what was refused and why, or what changed
  std::string hash;     // lower-case hex SHA-256 (scheduler/audit_log.h says of what)
  friend bool operator==(const AuditRecord&, const AuditRecord&) = default;
};

struct StoredState {
  std::vector<Job> jobs;             // sorted by id
  std::vector<EndedJob> ended_jobs;  // sorted by id; disjoint from `jobs`
  std::vector<NodeRecord> nodes;     // sorted by name
  int64_t next_job_id = 1;           // never reused, even for jobs whose insert failed
  std::vector<Tenant> tenants;       // sorted by name
  std::vector<ApiToken> tokens;      // sorted by id; revoked ones included
  std::vector<Grant> grants;         // sorted by id, with their stored balances
  int64_t next_grant_id = 1;
  std::vector<OpenReservation> open_reservations;         // sorted by (job, attempt, grant)
  std::map<std::string, AccountingTotals> tenant_totals;  // over every stored attempt
  std::vector<FacilityReading> facility_readings;         // sorted by time
  std::map<std::string, TenantUsageRecord> tenant_usage;  // by tenant
  std::optional<AuditRecord> last_audit;                  // the audit log's last entry
  std::vector<JoinTokenRecord> join_tokens;               // unused ones, by node
};

// Inserts or replaces the job with this id.
struct PutJob {
  Job job;
};
// Inserts or replaces the node with this name.
struct PutNode {
  NodeRecord node;
};
// Raises the id counter (never lowers it).
struct ReserveJobIds {
  int64_t next_job_id = 1;
};
// Inserts or replaces the tenant with this name.
struct PutTenant {
  Tenant tenant;
};
// Inserts or replaces the token with this id.
struct PutToken {
  ApiToken token;
};
// Inserts or replaces the grant with this id (balances included), and raises the grant id
// counter past it.
struct PutGrant {
  Grant grant;
};
// Appends one ledger entry (its seq is assigned by the store; the entry's own is ignored).
// Never updated or deleted. Idempotence: the caller never replays ledger entries.
struct AppendLedger {
  LedgerEntry entry;
};
// Inserts or replaces the record of this attempt (job id, attempt).
struct PutAttempt {
  AttemptRecord record;
};
// Inserts or replaces the bucket of this (node, start).
struct PutNodeEnergy {
  NodeEnergyBucket bucket;
};
// Inserts or replaces the reading at this time.
struct PutFacilityReading {
  FacilityReading reading;
};
// Inserts or replaces a tenant's decayed fair-share usage.
struct PutTenantUsage {
  std::string tenant;
  TenantUsageRecord usage;
};
// Inserts one audit log entry, or replaces the entry of the same seq.
struct AppendAudit {
  AuditRecord record;
};
// Inserts a node's join token, replacing the one it had.
struct PutJoinToken {
  JoinTokenRecord token;
};
// Removes a node's join token (used, or replaced by the node's credential); none is fine.
struct DeleteJoinToken {
  std::string node;
};
using Mutation = std::variant<PutJob, PutNode, ReserveJobIds, PutTenant, PutToken, PutGrant,
                              AppendLedger, PutAttempt, PutNodeEnergy, PutFacilityReading,
                              PutTenantUsage, AppendAudit, PutJoinToken, DeleteJoinToken>;

// Which ledger entries to read.
struct LedgerQuery {
  std::string tenant;   // "" = every tenant
  UnixMillis from = 0;  // entries with from <= time < to
  UnixMillis to = INT64_MAX;
};

// Every grant's balances recomputed from the ledger alone (by replaying its entries in seq
// order), next to the grants as stored, both read in one read transaction, for
// `sharc admin ledger verify`.
struct LedgerReplay {
  std::map<int64_t, Grant> grants;         // id -> amount and balances from the entries
  std::map<int64_t, Grant> stored_grants;  // id -> the grants table, as committed
  int64_t entries = 0;
  std::vector<std::string> problems;  // e.g. "entry 17 names grant 4, which does not exist"
};

// The accounting records that overlap [from, to): attempts that ran in it (start < to and
// end > from) and node energy buckets that cover part of it, for efficiency reports.
struct AccountingQuery {
  UnixMillis from = 0;
  UnixMillis to = INT64_MAX;
};
struct AccountingRecords {
  std::vector<AttemptRecord> attempts;    // by (job, attempt)
  std::vector<NodeEnergyBucket> buckets;  // by (start, node)
};

// Which job records to read (ReadJobs): those with id > after, in id order, at most `limit`,
// that match every filter given.
struct JobQuery {
  JobId after{0};
  int64_t limit = 1000;
  std::string tenant;                         // "" = every tenant
  std::vector<JobState> states;               // empty = any
  std::string name;                           // "" = any
  std::map<std::string, std::string> labels;  // each must be on the job with this value
  UnixMillis ended_from = 0;                  // with ended_to: only jobs that ended in
  UnixMillis ended_to = 0;                    // [ended_from, ended_to); 0 = no such filter
};

// Which audit log entries to read (ReadAudit): seq > after_seq, in seq order, at most `limit`,
// at or after `since`, of `actor` when it is not "".
struct AuditQuery {
  int64_t after_seq = 0;
  int64_t limit = 1000;
  UnixMillis since = 0;
  std::string actor;
};

// What a commit cost, for metrics: observed once per transaction on the writer thread.
struct CommitStats {
  std::chrono::nanoseconds duration{0};  // BEGIN to COMMIT done (fsync included)
  size_t batches = 0;
  size_t mutations = 0;
  bool ok = true;
  bool disk_full = false;  // failed because the disk (or max_database_bytes) is full
};

class Store {
 public:
  using Done = std::function<void(Status)>;

  virtual ~Store() = default;

  virtual StatusOr<StoredState> Load(const LoadOptions& options) = 0;
  StatusOr<StoredState> Load() { return Load(LoadOptions{}); }
  virtual void Commit(std::vector<Mutation> batch, Done done) = 0;
  // A store that cannot tell a full disk from other failures commits these like Commit.
  virtual void CommitWaitingForSpace(std::vector<Mutation> batch, Done done) {
    Commit(std::move(batch), std::move(done));
  }
  virtual void Close() = 0;
  // OK while there is room for changes; Unavailable, with a message for people, when the
  // disk is so full that changes people ask for must be refused before they are made.
  virtual Status CheckRoom() { return Status::Ok(); }

  // Reads what is committed, on the calling thread, from a separate read-only connection
  // (WAL lets it read while the writer writes). Thread-safe.
  virtual StatusOr<std::vector<LedgerEntry>> ReadLedger(const LedgerQuery& query) = 0;
  virtual StatusOr<LedgerReplay> ReplayLedger() = 0;
  virtual StatusOr<AccountingRecords> ReadAccounting(const AccountingQuery& query) = 0;
  // The committed record of one job; nullopt if there is none.
  virtual StatusOr<std::optional<Job>> ReadJob(JobId id) = 0;
  virtual StatusOr<std::vector<Job>> ReadJobs(const JobQuery& query) = 0;
  virtual StatusOr<std::vector<AuditRecord>> ReadAudit(const AuditQuery& query) = 0;
};

}  // namespace sharc::store

#endif  // SHARC_STORE_STORE_H_
