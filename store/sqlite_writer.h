// Writes groups of batches to the sharc tables, one transaction per group (the store's group
// commit), with prepared statements kept for the life of the writer.
//
// Threading: not thread-safe; only the store's writer thread uses it. Ownership: borrows the
// connection, which must outlive the writer.
#ifndef SHARC_STORE_SQLITE_WRITER_H_
#define SHARC_STORE_SQLITE_WRITER_H_

#include <functional>
#include <optional>
#include <span>
#include <vector>

#include "core/status.h"
#include "store/sqlite_statement.h"
#include "store/store.h"

namespace sharc::store {

// One Commit() call waiting for the writer.
struct PendingBatch {
  std::vector<Mutation> mutations;
  Store::Done done;
  bool wait_for_space = false;  // from CommitWaitingForSpace: a full disk holds it
};

class SqliteWriter {
 public:
  // Prepares the statements. Precondition: the schema is current (sqlite_schema.h).
  // `on_disk_full` (may be empty) is called when a transaction fails because the disk is full;
  // if it returns true (it freed space), the transaction is tried again.
  static StatusOr<SqliteWriter> Create(sqlite3* db, std::function<bool()> on_disk_full = {});

  // Writes `batches` (their mutations, in order) in one transaction and sets (*results)[i]
  // to the outcome of batches[i]:
  //   - a batch that would store something Load could not read back fails alone with
  //     InvalidArgument, before the transaction (store/stored_records.h);
  //   - a batch that violates a constraint fails alone: the transaction is rolled back and run
  //     again without it;
  //   - a full disk, after on_disk_full freed space, runs the transaction again;
  //   - any other failure, or a full disk with no space freed (the stats then say disk_full),
  //     rolls the transaction back and fails every remaining batch.
  // Returns the transaction's stats, or nullopt when no transaction ran (every batch failed
  // its checks).
  std::optional<CommitStats> Write(std::span<const PendingBatch> batches,
                                   std::vector<Status>* results);

 private:
  // A mutation with its record already encoded (empty for the ones stored as columns only).
  struct Encoded {
    const Mutation* mutation;
    std::string record;
  };

  explicit SqliteWriter(sqlite3* db) : db_(db) {}
  static StatusOr<std::vector<Encoded>> Encode(const std::vector<Mutation>& batch);
  Status Apply(const Encoded& encoded);
  // Apply of a PutAttempt, PutNodeEnergy or PutFacilityReading.
  Status ApplyAccountingRow(const Encoded& encoded);
  // Apply of an AppendAudit, PutJoinToken or DeleteJoinToken.
  Status ApplySecurityRow(const Encoded& encoded);
  void RollbackIfActive();

  sqlite3* db_ = nullptr;
  std::function<bool()> on_disk_full_;
  Statement begin_;
  Statement commit_;
  Statement rollback_;
  Statement put_job_;
  Statement put_node_;
  Statement reserve_job_ids_;
  Statement put_tenant_;
  Statement put_token_;
  Statement put_grant_;
  Statement reserve_grant_ids_;
  Statement append_ledger_;
  Statement put_attempt_;
  Statement put_node_energy_;
  Statement put_facility_reading_;
  Statement put_tenant_usage_;
  Statement append_audit_;
  Statement put_join_token_;
  Statement delete_join_token_;
};

}  // namespace sharc::store

#endif  // SHARC_STORE_SQLITE_WRITER_H_
