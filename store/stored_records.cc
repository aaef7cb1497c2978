#include "store/stored_records.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <type_traits>
#include <utility>

#include "protocol/json_fields.h"
#include "protocol/tenant_codec.h"
#include "store/job_record_codec.h"
#include "store/node_record_codec.h"

namespace sharc::store {
namespace {

// The last time an RFC 3339 string (four-digit year) can carry.
constexpr UnixMillis kMaxTime = kMaxRfc3339Millis;

Status Range(std::string_view field, int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return Status::Ok();
  std::string bounds = max == INT64_MAX
                           ? "at least " + std::to_string(min)
                           : "between " + std::to_string(min) + " and " + std::to_string(max);
  return InvalidArgumentError(std::string(field) + " (" + std::to_string(value) + ") must be " +
                              bounds);
}

// 0 means unset (stored as null); anything else must fit an RFC 3339 string.
Status Time(std::string_view field, UnixMillis t) { return Range(field, t, 0, kMaxTime); }

// Mirrors protocol::DecodeGrant's rules.
Status CheckGrant(const Grant& grant) {
  // PutGrant also stores next_grant_id = id + 1.
  SHARC_RETURN_IF_ERROR(Range("id", grant.id, 1, INT64_MAX - 1));
  SHARC_RETURN_IF_ERROR(ValidateTenantName(grant.tenant));
  SHARC_RETURN_IF_ERROR(Range("amount_micro", grant.amount, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("available_micro", grant.available, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("reserved_micro", grant.reserved, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("spent_micro", grant.spent, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("expired_micro", grant.expired, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Time("valid_from", grant.valid_from));
  SHARC_RETURN_IF_ERROR(Time("valid_until", grant.valid_until));
  SHARC_RETURN_IF_ERROR(Time("created", grant.created));
  if (grant.valid_from != 0 && grant.valid_until != 0 && grant.valid_until <= grant.valid_from) {
    return InvalidArgumentError("valid_until must be after valid_from");
  }
  return Status::Ok();
}

// What the ledger table's columns and CHECKs require, and what LedgerEntry means.
Status CheckLedgerEntry(const LedgerEntry& entry) {
  SHARC_RETURN_IF_ERROR(ValidateTenantName(entry.tenant));
  SHARC_RETURN_IF_ERROR(Range("grant_id", entry.grant_id, 1, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("amount", entry.amount, 1, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("attempt", entry.attempt.attempt, 0, INT32_MAX));
  SHARC_RETURN_IF_ERROR(Time("time", entry.time));
  bool per_job = entry.kind == LedgerKind::kReserve || entry.kind == LedgerKind::kCharge ||
                 entry.kind == LedgerKind::kRelease;
  if (per_job) return Range("job_id", entry.attempt.job.value, 1, INT64_MAX);
  return Range("job_id", entry.attempt.job.value, 0, 0);
}

// What the attempts table's CHECKs require.
Status CheckAttemptRecord(const AttemptRecord& r) {
  SHARC_RETURN_IF_ERROR(Range("job_id", r.attempt.job.value, 1, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("attempt", r.attempt.attempt, 1, INT32_MAX));
  SHARC_RETURN_IF_ERROR(Time("start_time", r.start_time));
  SHARC_RETURN_IF_ERROR(Range("end_time", r.end_time, r.start_time, kMaxTime));
  SHARC_RETURN_IF_ERROR(Range("millicpus", r.millicpus, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("gpus", r.gpus, 0, kMaxGpusPerJob));
  SHARC_RETURN_IF_ERROR(Range("memory_bytes", r.memory_bytes, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("cpu_time_ms", r.cpu_time_ms, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("cpu_energy_uj", r.cpu_energy_uj, 0, INT64_MAX));
  return Range("gpu_energy_uj", r.gpu_energy_uj, 0, INT64_MAX);
}

// What the node_energy table's CHECKs require, and what a bucket means.
Status CheckNodeEnergy(const NodeEnergyBucket& b) {
  if (b.node.empty()) return InvalidArgumentError("it names no node");
  SHARC_RETURN_IF_ERROR(Time("start", b.start));
  SHARC_RETURN_IF_ERROR(Range("covered_ms", b.covered_ms, 0, kEnergyBucketMillis));
  SHARC_RETURN_IF_ERROR(Range("millicpus", b.millicpus, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("gpus", b.gpus, 0, INT32_MAX));
  SHARC_RETURN_IF_ERROR(Range("cpu_energy_uj", b.cpu_energy_uj, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(Range("gpu_energy_uj", b.gpu_energy_uj, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(
      Range("idle_energy_uj", b.idle_energy_uj, 0,
            b.cpu_energy_uj + std::min(b.gpu_energy_uj, INT64_MAX - b.cpu_energy_uj)));
  return Status::Ok();
}

Status CheckSize(const std::string& record) {
  if (record.size() <= protocol::kDefaultMaxJsonBytes) return Status::Ok();
  return InvalidArgumentError("the record is " + std::to_string(record.size()) +
                              " bytes; the store keeps at most " +
                              std::to_string(protocol::kDefaultMaxJsonBytes));
}

// Serializes `json` after a cheap `check`.
StatusOr<std::string> Checked(Status check, const protocol::Json& json) {
  SHARC_RETURN_IF_ERROR(check);
  std::string record = protocol::DumpJson(json);
  SHARC_RETURN_IF_ERROR(CheckSize(record));
  return record;
}

// Serializes `json` after decoding it once more with `decode` (rare records only).
template <typename Decode>
StatusOr<std::string> Redecoded(const protocol::Json& json, Decode decode) {
  Status decodable = decode(json).status();
  if (!decodable.ok()) {
    return InvalidArgumentError("cannot be stored, it would not load again: " +
                                decodable.message());
  }
  return Checked(Status::Ok(), json);
}

StatusOr<std::string> Encode(const Mutation& mutation) {
  return std::visit(
      [](const auto& m) -> StatusOr<std::string> {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, PutJob>) {
          return Checked(ValidateJob(m.job), EncodeJobRecord(m.job));
        } else if constexpr (std::is_same_v<T, PutNode>) {
          return Redecoded(EncodeNodeRecord(m.node),
                           [](const protocol::Json& j) { return DecodeNodeRecord(j, "node"); });
        } else if constexpr (std::is_same_v<T, ReserveJobIds>) {
          SHARC_RETURN_IF_ERROR(Range("next_job_id", m.next_job_id, 1, INT64_MAX));
          return std::string();
        } else if constexpr (std::is_same_v<T, PutTenant>) {
          return Redecoded(protocol::EncodeTenant(m.tenant), [](const protocol::Json& j) {
            return protocol::DecodeTenant(j, "tenant");
          });
        } else if constexpr (std::is_same_v<T, PutToken>) {
          if (m.token.sha256.empty()) {
            return InvalidArgumentError("the store needs the token's sha256");
          }
          return Redecoded(
              protocol::EncodeToken(m.token, /*with_hash=*/true),
              [](const protocol::Json& j) { return protocol::DecodeToken(j, "token"); });
        } else if constexpr (std::is_same_v<T, PutGrant>) {
          return Checked(CheckGrant(m.grant), protocol::EncodeGrant(m.grant, /*for_people=*/false));
        } else if constexpr (std::is_same_v<T, AppendLedger>) {
          SHARC_RETURN_IF_ERROR(CheckLedgerEntry(m.entry));
          return std::string();
        } else if constexpr (std::is_same_v<T, PutAttempt>) {
          SHARC_RETURN_IF_ERROR(CheckAttemptRecord(m.record));
          return std::string();
        } else if constexpr (std::is_same_v<T, PutNodeEnergy>) {
          SHARC_RETURN_IF_ERROR(CheckNodeEnergy(m.bucket));
          return std::string();
        } else if constexpr (std::is_same_v<T, PutTenantUsage>) {
          SHARC_RETURN_IF_ERROR(ValidateTenantName(m.tenant));
          if (!std::isfinite(m.usage.value) || m.usage.value < 0) {
            return InvalidArgumentError("usage must be a finite number >= 0");
          }
          SHARC_RETURN_IF_ERROR(Time("as_of", m.usage.as_of));
          return std::string();
        } else if constexpr (std::is_same_v<T, AppendAudit>) {
          SHARC_RETURN_IF_ERROR(Range("seq", m.record.seq, 1, INT64_MAX));
          SHARC_RETURN_IF_ERROR(Time("time", m.record.time));
          return std::string();
        } else if constexpr (std::is_same_v<T, PutJoinToken>) {
          if (m.token.node.empty() || m.token.sha256.size() != 64) {
            return InvalidArgumentError("a join token needs its node and its SHA-256");
          }
          SHARC_RETURN_IF_ERROR(Time("expires", m.token.expires));
          return std::string();
        } else if constexpr (std::is_same_v<T, DeleteJoinToken>) {
          return std::string();
        } else {
          static_assert(std::is_same_v<T, PutFacilityReading>);
          SHARC_RETURN_IF_ERROR(Range("energy_wh", m.reading.energy_wh, 0, INT64_MAX));
          SHARC_RETURN_IF_ERROR(Time("time", m.reading.time));
          return std::string();
        }
      },
      mutation);
}

}  // namespace

StatusOr<std::string> EncodeStoredRecord(const Mutation& mutation) {
  StatusOr<std::string> record = Encode(mutation);
  if (!record.ok()) return record.status().WithPrefix(DescribeMutation(mutation));
  return record;
}

std::string DescribeMutation(const Mutation& mutation) {
  return std::visit(
      [](const auto& m) -> std::string {
        using T = std::decay_t<decltype(m)>;
        if constexpr (std::is_same_v<T, PutJob>) {
          return "job " + std::to_string(m.job.id.value);
        } else if constexpr (std::is_same_v<T, PutNode>) {
          return "node '" + m.node.inventory.name + "'";
        } else if constexpr (std::is_same_v<T, ReserveJobIds>) {
          return "next_job_id";
        } else if constexpr (std::is_same_v<T, PutTenant>) {
          return "tenant '" + m.tenant.name + "'";
        } else if constexpr (std::is_same_v<T, PutToken>) {
          return "token " + m.token.id;
        } else if constexpr (std::is_same_v<T, PutGrant>) {
          return "grant " + std::to_string(m.grant.id);
        } else if constexpr (std::is_same_v<T, PutAttempt>) {
          return "attempt record (job " + std::to_string(m.record.attempt.job.value) + " attempt " +
                 std::to_string(m.record.attempt.attempt) + ")";
        } else if constexpr (std::is_same_v<T, PutNodeEnergy>) {
          return "energy of node '" + m.bucket.node + "' at " + std::to_string(m.bucket.start);
        } else if constexpr (std::is_same_v<T, PutFacilityReading>) {
          return "facility reading at " + std::to_string(m.reading.time);
        } else if constexpr (std::is_same_v<T, PutTenantUsage>) {
          return "usage of tenant '" + m.tenant + "'";
        } else if constexpr (std::is_same_v<T, AppendAudit>) {
          return "audit log entry " + std::to_string(m.record.seq);
        } else if constexpr (std::is_same_v<T, PutJoinToken>) {
          return "join token of node '" + m.token.node + "'";
        } else if constexpr (std::is_same_v<T, DeleteJoinToken>) {
          return "join token of node '" + m.node + "'";
        } else {
          const LedgerEntry& e = m.entry;
          return "ledger entry (grant " + std::to_string(e.grant_id) + ", job " +
                 std::to_string(e.attempt.job.value) + " attempt " +
                 std::to_string(e.attempt.attempt) + ", " + std::string(LedgerKindName(e.kind)) +
                 ")";
        }
      },
      mutation);
}

}  // namespace sharc::store
