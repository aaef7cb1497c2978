#include "store/job_record_codec.h"

#include <cstdint>
#include <optional>

#include "protocol/allocation_codec.h"
#include "protocol/job_spec_codec.h"

namespace sharc::store {
namespace {

using protocol::Json;

Json IntOrNull(const std::optional<int32_t>& value) { return value ? Json(*value) : Json(nullptr); }

// An optional int32 field: absent or null leaves `out` unset.
void ReadOptionalInt32(protocol::FieldReader& r, std::string_view key,
                       std::optional<int32_t>* out) {
  if (!r.OptionalRaw(key)) return;
  int32_t value = 0;
  r.OptionalClampedInt32(key, &value);
  *out = value;
}

void ReadState(protocol::FieldReader& r, JobState* out) {
  std::string state;
  r.RequiredString("state", &state);
  if (!r.ok()) return;
  std::optional<JobState> parsed = ParseJobState(state);
  if (!parsed) return r.Fail("state", "unknown state '" + state + "'");
  *out = *parsed;
}

Json EncodeRankExits(const std::vector<RankExit>& ranks) {
  Json list = Json::array();
  for (const RankExit& r : ranks) {
    list.push_back({{"rank", r.rank},
                    {"exit_code", IntOrNull(r.exit_code)},
                    {"signal", IntOrNull(r.exit_signal)},
                    {"end_time", r.end_time}});
  }
  return list;
}

void ReadRankExits(protocol::FieldReader& r, std::vector<RankExit>* out) {
  const Json* list = r.OptionalRaw("rank_exits");
  if (!list) return;
  if (!list->is_array()) return r.Fail("rank_exits", "must be a list");
  for (size_t i = 0; i < list->size(); ++i) {
    protocol::FieldReader item((*list)[i], "rank_exits[" + std::to_string(i) + "]");
    RankExit rank;
    item.OptionalClampedInt32("rank", &rank.rank);
    ReadOptionalInt32(item, "exit_code", &rank.exit_code);
    ReadOptionalInt32(item, "signal", &rank.exit_signal);
    item.OptionalInt("end_time", &rank.end_time);
    if (Status s = item.Finish(); !s.ok()) return r.Check(s);
    out->push_back(rank);
  }
}

}  // namespace

Json EncodeJobRecord(const Job& job) {
  Json record{
      {"v", kJobRecordVersion},
      {"id", job.id.value},
      {"tenant", job.tenant},
      {"state", JobStateName(job.state)},
      {"reason", job.reason},
      {"attempt", job.attempt},
      {"node_failures", job.node_failures},
      {"spec", protocol::EncodeJobSpec(job.spec)},
      {"allocation", job.allocation ? protocol::EncodeAllocation(*job.allocation) : Json()},
      {"exit_code", IntOrNull(job.exit_code)},
      {"signal", IntOrNull(job.exit_signal)},
      {"rank_exits", EncodeRankExits(job.rank_exits)},
      {"message", job.message},
      {"submit_time", job.submit_time},
      {"start_time", job.start_time},
      {"end_time", job.end_time},
      {"requeue_time", job.requeue_time},
      {"cancel_requested", job.cancel_requested},
      {"preempt_requested", job.preempt_requested},
      {"preempted_by", job.preempted_by.value},
      {"cpu_time_ms", job.cpu_time_ms},
      {"peak_memory_bytes", job.peak_memory_bytes},
      {"cpu_energy_uj", job.cpu_energy_uj},
      {"gpu_energy_uj", job.gpu_energy_uj},
      {kIdempotencyKeyField, job.idempotency_key},
  };
  if (!job.array_unstarted.empty())
    record["array_unstarted"] = FormatTaskIndices(job.array_unstarted);
  if (job.is_array_task()) {
    record["array_job"] = job.array_job.value;
    record["array_task"] = job.array_task;
  }
  return record;
}

StatusOr<Job> DecodeJobRecord(const Json& json, const std::string& where) {
  protocol::FieldReader r(json, where);
  int64_t version = 0;
  r.RequiredInt("v", &version);
  if (r.ok() && version != kJobRecordVersion) {
    r.Fail("v", "record version " + std::to_string(version) + " is not one this sharc reads (" +
                    std::to_string(kJobRecordVersion) + ")");
  }
  Job job;
  r.RequiredInt("id", &job.id.value);
  r.RequiredString("tenant", &job.tenant);
  ReadState(r, &job.state);
  r.OptionalString("reason", &job.reason);
  r.OptionalClampedInt32("attempt", &job.attempt);
  r.OptionalClampedInt32("node_failures", &job.node_failures);  // 0 in older records
  const Json* spec = r.RequiredRaw("spec");
  const Json* allocation = r.OptionalRaw("allocation");
  ReadOptionalInt32(r, "exit_code", &job.exit_code);
  ReadOptionalInt32(r, "signal", &job.exit_signal);
  ReadRankExits(r, &job.rank_exits);
  r.OptionalString("message", &job.message);
  r.OptionalInt("submit_time", &job.submit_time);
  r.OptionalInt("start_time", &job.start_time);
  r.OptionalInt("end_time", &job.end_time);
  r.OptionalInt("requeue_time", &job.requeue_time);  // 0 in older records
  r.OptionalBool("cancel_requested", &job.cancel_requested);
  r.OptionalBool("preempt_requested", &job.preempt_requested);
  r.OptionalInt("preempted_by", &job.preempted_by.value);
  r.OptionalInt("cpu_time_ms", &job.cpu_time_ms);
  r.OptionalInt("peak_memory_bytes", &job.peak_memory_bytes);
  r.OptionalInt("cpu_energy_uj", &job.cpu_energy_uj);
  r.OptionalInt("gpu_energy_uj", &job.gpu_energy_uj);
  r.OptionalString(kIdempotencyKeyField, &job.idempotency_key);
  std::string unstarted;
  r.OptionalString("array_unstarted", &unstarted);
  r.OptionalInt("array_job", &job.array_job.value);
  r.OptionalInt("array_task", &job.array_task);
  SHARC_RETURN_IF_ERROR(r.Finish());
  SHARC_ASSIGN_OR_RETURN(job.array_unstarted,
                         ParseTaskIndices(unstarted, r.Path("array_unstarted")));
  SHARC_ASSIGN_OR_RETURN(job.spec, protocol::DecodeJobSpec(*spec, r.Path("spec")));
  if (allocation) {
    SHARC_ASSIGN_OR_RETURN(job.allocation,
                           protocol::DecodeAllocation(*allocation, r.Path("allocation")));
  }
  SHARC_RETURN_IF_ERROR(protocol::AtPath(where, ValidateJob(job)));
  return job;
}

}  // namespace sharc::store
