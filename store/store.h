// The scheduler's durable state, behind one interface so that a PostgreSQL backend can be
// added without touching scheduling code. The embedded default is SQLite (sqlite_store.h).
//
// Contract:
//   - Load() returns everything committed so far. Call it once, before the first Commit.
//   - Commit() queues a batch of mutations. Batches commit in the order Commit was called;
//     several batches may share one transaction (group commit), but a batch is never split
//     across transactions. `done` runs exactly once, on the store's writer thread, after
//     the transaction holding the batch has committed (OK: the batch is durable) or failed
//     (then nothing of the batch was applied).
//   - Each mutation is an idempotent upsert, so replaying a batch is harmless.
//   - Commit is thread-safe. Close() commits what is queued, then stops the writer; after
//     Close, Commit fails every batch with Unavailable.
#ifndef SHARC_STORE_STORE_H_
#define SHARC_STORE_STORE_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <variant>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "core/node.h"
#include "core/status.h"

namespace sharc::store {

// A node as the scheduler remembers it across restarts.
struct NodeRecord {
  NodeInventory inventory;
  NodeState state = NodeState::kUp;
  std::string reason;          // why DOWN or DRAIN
  UnixMillis last_seen = 0;    // last heartbeat (wall time), for people
  friend bool operator==(const NodeRecord&, const NodeRecord&) = default;
};

struct StoredState {
  std::vector<Job> jobs;          // sorted by id
  std::vector<NodeRecord> nodes;  // sorted by name
  int64_t next_job_id = 1;        // never reused, even for jobs whose insert failed
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
using Mutation = std::variant<PutJob, PutNode, ReserveJobIds>;

// What a commit cost, for metrics: observed once per transaction on the writer thread.
struct CommitStats {
  std::chrono::nanoseconds duration{0};  // BEGIN to COMMIT done (fsync included)
  size_t batches = 0;
  size_t mutations = 0;
  bool ok = true;
};

class Store {
 public:
  using Done = std::function<void(Status)>;

  virtual ~Store() = default;

  virtual StatusOr<StoredState> Load() = 0;
  virtual void Commit(std::vector<Mutation> batch, Done done) = 0;
  virtual void Close() = 0;
};

}  // namespace sharc::store

#endif  // SHARC_STORE_STORE_H_
