// The audit log: every change an admin or operator makes (tokens issued and revoked included),
// and every authentication and authorization failure, appended to the store and never changed.
//
// Hash chain: entry n's hash is the hex SHA-256 of entry n-1's hash ("" for the first) and of
// entry n's fields, each written as "<length>:<bytes>" (HashOf). Verify recomputes the chain
// from the store, so an entry changed, removed or inserted afterwards is found, and names the
// first entry where the chain breaks. A chain is only as good as its head: Verify also checks
// the stored log against the newest entry this process knows it stored (seq and hash), so
// entries removed from the end, or a chain rewritten with fresh hashes, are found while the
// scheduler runs; and it reports the head, so that an auditor who kept it can tell later
// (the scheduler also logs it when it starts).
//
// Volume: failures of callers without a valid token cost a stranger nothing to send, so they
// are kept to one entry a second per peer address; the next entry from that address says how
// many were left out. While the disk is too full for changes (store::Store::CheckRoom), entries
// are not written (every change is refused then anyway) and are counted instead.
//
// Threading: the state thread only. Entries become durable with the scheduler's next commit; a
// staff change is answered only after its entry is (rest_api.h).
#ifndef SHARC_SCHEDULER_AUDIT_LOG_H_
#define SHARC_SCHEDULER_AUDIT_LOG_H_

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "scheduler/scheduler_context.h"
#include "store/store.h"

namespace sharc::scheduler {

// What happened, for Append; the log adds seq, time and hash.
struct AuditEvent {
  std::string actor;
  std::string action;
  std::string request;
  std::string peer;
  int status = 0;
  std::string detail;
  bool unauthenticated = false;  // thinned per peer (see above)
};

struct AuditVerification {
  int64_t entries = 0;  // checked
  bool ok = true;
  int64_t broken_at = 0;  // seq of the first entry whose hash or seq does not follow
  std::string problem;
  int64_t last_seq = 0;  // the head of the stored chain: its last entry (0: empty)
  std::string last_hash;
};

class AuditLog {
 public:
  explicit AuditLog(const SchedulerContext& context) : context_(context) {}

  // Continues the chain after the stored log's last entry.
  void Restore(const store::StoredState& stored);
  // Appends `event` to the next commit; runs `durable` (if given) on the state thread once
  // it is in the store, or at once when it is not written (thinned, or no room).
  void Append(AuditEvent event, std::function<void()> durable = nullptr);
  // Entries matching `query`, from the store (committed ones only), on the state thread.
  void Read(const store::AuditQuery& query, Reply<std::vector<store::AuditRecord>> done) const;
  // Recomputes the whole chain from the store and checks it reaches this process's head.
  void Verify(Reply<AuditVerification> done) const;

  int64_t dropped() const { return dropped_; }  // not written: no room, see above

  static std::string HashOf(const std::string& previous_hash, const store::AuditRecord& record);

 private:
  // Whether an unauthenticated failure from `peer` is written now; adds the count of those
  // left out since the last one to `detail`.
  bool Thin(const std::string& peer, std::string* detail);

  const SchedulerContext& context_;
  int64_t last_seq_ = 0;  // the chain's head, stored or on its way
  std::string last_hash_;
  int64_t durable_seq_ = 0;  // the newest entry known to be in the store
  std::string durable_hash_;
  int64_t dropped_ = 0;
  struct PeerWindow {
    UnixMillis written = 0;
    int64_t left_out = 0;
  };
  std::map<std::string, PeerWindow> unauthenticated_;  // by peer address (no port)
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_AUDIT_LOG_H_
