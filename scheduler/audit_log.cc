#include "scheduler/audit_log.h"

#include "core/host_port.h"
#include "core/log.h"
#include "scheduler/auth.h"

namespace sharc::scheduler {
namespace {

constexpr UnixMillis kUnauthenticatedWindowMs = 1000;
constexpr size_t kMaxPeersTracked = 10000;
constexpr int64_t kVerifyPage = 10000;

void AddField(std::string* out, std::string_view field) {
  *out += std::to_string(field.size());
  *out += ':';
  *out += field;
}

// The address of "1.2.3.4:5678" or "[::1]:5678", without the port (the whole text if it is
// not such a pair).
std::string HostOf(const std::string& peer) {
  std::string host;
  uint16_t port = 0;
  return ParseHostPort(peer, &host, &port).ok() ? host : peer;
}

}  // namespace

std::string AuditLog::HashOf(const std::string& previous_hash, const store::AuditRecord& record) {
  std::string text;
  AddField(&text, previous_hash);
  AddField(&text, std::to_string(record.seq));
  AddField(&text, std::to_string(record.time));
  AddField(&text, record.actor);
  AddField(&text, record.action);
  AddField(&text, record.request);
  AddField(&text, record.peer);
  AddField(&text, std::to_string(record.status));
  AddField(&text, record.detail);
  return Sha256Hex(text);
}

void AuditLog::Restore(const store::StoredState& stored) {
  if (!stored.last_audit) return;
  last_seq_ = durable_seq_ = stored.last_audit->seq;
  last_hash_ = durable_hash_ = stored.last_audit->hash;
  LogInfo("audit", "the audit log continues after entry " + std::to_string(last_seq_) + " (hash " +
                       last_hash_ + ")");
}

bool AuditLog::Thin(const std::string& peer, std::string* detail) {
  const UnixMillis now = context_.Now();
  if (unauthenticated_.size() >= kMaxPeersTracked) unauthenticated_.clear();
  PeerWindow& window = unauthenticated_[HostOf(peer)];
  if (window.written != 0 && now >= window.written &&
      now - window.written < kUnauthenticatedWindowMs) {
    ++window.left_out;
    return false;
  }
  if (window.left_out > 0) {
    *detail += " (and " + std::to_string(window.left_out) +
               " more failures from this address since the entry before, not written)";
  }
  window = PeerWindow{now, 0};
  return true;
}

void AuditLog::Append(AuditEvent event, std::function<void()> durable) {
  if (!durable) durable = [] {};
  if (event.unauthenticated && !Thin(event.peer, &event.detail)) return durable();
  if (!context_.deps.store->CheckRoom().ok()) {
    ++dropped_;
    return durable();
  }
  store::AuditRecord record;
  record.seq = last_seq_ + 1;
  record.time = context_.Now();
  record.actor = std::move(event.actor);
  record.action = std::move(event.action);
  record.request = std::move(event.request);
  record.peer = std::move(event.peer);
  record.status = event.status;
  record.detail = std::move(event.detail);
  record.hash = HashOf(last_hash_, record);
  last_seq_ = record.seq;
  last_hash_ = record.hash;
  context_.commits.CommitOrDie(
      {store::AppendAudit{std::move(record)}},
      [this, seq = last_seq_, hash = last_hash_, durable = std::move(durable)] {
        durable_seq_ = seq;
        durable_hash_ = hash;
        durable();
      });
}

void AuditLog::Read(const store::AuditQuery& query,
                    Reply<std::vector<store::AuditRecord>> done) const {
  store::Store* store = context_.deps.store;
  InBackground<std::vector<store::AuditRecord>>(
      context_, [store, query] { return store->ReadAudit(query); }, std::move(done));
}

void AuditLog::Verify(Reply<AuditVerification> done) const {
  store::Store* store = context_.deps.store;
  InBackground<AuditVerification>(
      context_,
      [store, head_seq = durable_seq_, head_hash = durable_hash_]() -> StatusOr<AuditVerification> {
        AuditVerification result;
        auto broken = [&](int64_t seq, std::string problem) {
          result.ok = false;
          result.broken_at = seq;
          result.problem = std::move(problem);
          return result;
        };
        for (;;) {
          SHARC_ASSIGN_OR_RETURN(
              std::vector<store::AuditRecord> page,
              store->ReadAudit({.after_seq = result.last_seq, .limit = kVerifyPage}));
          for (const store::AuditRecord& record : page) {
            ++result.entries;
            if (record.seq != result.last_seq + 1) {
              return broken(record.seq, "entry " + std::to_string(result.last_seq + 1) +
                                            " is missing (the next one is " +
                                            std::to_string(record.seq) + ")");
            }
            if (record.hash != HashOf(result.last_hash, record)) {
              return broken(record.seq,
                            "entry " + std::to_string(record.seq) +
                                " does not match its hash: it or an entry before it was changed");
            }
            if (record.seq == head_seq && record.hash != head_hash) {
              return broken(record.seq, "entry " + std::to_string(record.seq) +
                                            " is not the one this scheduler stored: the chain "
                                            "was rewritten up to it");
            }
            result.last_seq = record.seq;
            result.last_hash = record.hash;
          }
          if (static_cast<int64_t>(page.size()) < kVerifyPage) break;
        }
        if (result.last_seq < head_seq) {
          return broken(result.last_seq + 1,
                        "entries " + std::to_string(result.last_seq + 1) + " to " +
                            std::to_string(head_seq) +
                            " are missing: this scheduler stored the log up to entry " +
                            std::to_string(head_seq) + ", and it now ends before");
        }
        return result;
      },
      std::move(done));
}

}  // namespace sharc::scheduler
