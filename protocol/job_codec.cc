#include "protocol/job_codec.h"

#include "core/units.h"

namespace sharc::protocol {
namespace {

Json TimeOrNull(UnixMillis t) { return t == 0 ? Json(nullptr) : Json(FormatRfc3339(t)); }

void ReadTime(FieldReader& reader, std::string_view key, UnixMillis* out) {
  std::string text;
  reader.OptionalString(key, &text);
  if (text.empty() || !reader.ok()) return;
  StatusOr<UnixMillis> t = ParseRfc3339(text);
  if (!t.ok()) return reader.Fail(key, t.status().message());
  *out = *t;
}

}  // namespace

Json EncodeJobSpec(const JobSpec& spec) {
  return Json{
      {"name", spec.name},
      {"command", spec.command},
      {"env", spec.env},
      {"cpus", spec.cpus},
      {"mem_bytes", spec.memory_bytes},
      {"gpus", spec.gpus},
      {"gpu_model", spec.gpu_model},
      {"time_limit_seconds", spec.time_limit_seconds},
      {"labels", spec.labels},
      {"requeue", spec.requeue},
  };
}

void ReadJobSpecFields(FieldReader& reader, JobSpec* spec) {
  reader.OptionalString("name", &spec->name);
  reader.RequiredStringList("command", &spec->command);
  reader.OptionalStringMap("env", &spec->env);
  reader.OptionalInt32("cpus", &spec->cpus, 1, kMaxCpusPerJob);
  reader.OptionalInt("mem_bytes", &spec->memory_bytes, 1, INT64_MAX);
  reader.OptionalInt32("gpus", &spec->gpus, 0, kMaxGpusPerJob);
  reader.OptionalString("gpu_model", &spec->gpu_model);
  reader.OptionalInt("time_limit_seconds", &spec->time_limit_seconds, 1, kMaxTimeLimitSeconds);
  reader.OptionalStringMap("labels", &spec->labels);
  reader.OptionalBool("requeue", &spec->requeue);
}

Json EncodeJob(const Job& job) {
  Json j = EncodeJobSpec(job.spec);
  j["id"] = job.id.value;
  j["tenant"] = job.tenant;
  j["state"] = JobStateName(job.state);
  j["reason"] = job.reason;
  j["attempt"] = job.attempt;
  if (job.allocation) {
    j["node"] = job.allocation->node;
    j["allocated_cpus"] = FormatCpuList(job.allocation->cpus);
    j["allocated_gpus"] = job.allocation->gpus;
    j["binding"] = job.allocation->binding_simulated ? "simulated" : "real";
  } else {
    j["node"] = nullptr;
    j["allocated_cpus"] = nullptr;
    j["allocated_gpus"] = nullptr;
    j["binding"] = nullptr;
  }
  j["exit_code"] = job.exit_code ? Json(*job.exit_code) : Json(nullptr);
  j["signal"] = job.exit_signal ? Json(*job.exit_signal) : Json(nullptr);
  j["message"] = job.message;
  j["submit_time"] = TimeOrNull(job.submit_time);
  j["start_time"] = TimeOrNull(job.start_time);
  j["end_time"] = TimeOrNull(job.end_time);
  j["cancel_requested"] = job.cancel_requested;
  j["preempt_requested"] = job.preempt_requested;
  j["cpu_time_ms"] = job.cpu_time_ms;
  j["peak_memory_bytes"] = job.peak_memory_bytes;
  j["cpu_energy_uj"] = job.cpu_energy_uj;
  j["gpu_energy_uj"] = job.gpu_energy_uj;
  j["idempotency_key"] = job.idempotency_key;
  return j;
}

StatusOr<Job> DecodeJob(const Json& json) {
  FieldReader r(json, "job");
  Job job;
  ReadJobSpecFields(r, &job.spec);
  r.RequiredInt("id", &job.id.value, 1, INT64_MAX);
  r.RequiredString("tenant", &job.tenant);
  std::string state;
  r.RequiredString("state", &state);
  if (r.ok()) {
    std::optional<JobState> s = ParseJobState(state);
    if (!s) r.Fail("state", "unknown state '" + state + "'");
    if (s) job.state = *s;
  }
  r.OptionalString("reason", &job.reason);
  r.OptionalInt32("attempt", &job.attempt, 0, INT32_MAX);
  std::string node, cpus, binding;
  r.OptionalString("node", &node);
  r.OptionalString("allocated_cpus", &cpus);
  std::vector<int> gpus;
  r.OptionalIntList("allocated_gpus", &gpus, 0, kMaxGpusPerJob);
  r.OptionalString("binding", &binding);
  if (!node.empty() && r.ok()) {
    Allocation alloc;
    alloc.node = node;
    StatusOr<std::vector<int>> cpu_list = ParseCpuList(cpus);
    if (!cpu_list.ok()) r.Fail("allocated_cpus", cpu_list.status().message());
    if (cpu_list.ok()) alloc.cpus = *cpu_list;
    alloc.gpus = gpus;
    alloc.memory_bytes = job.spec.memory_bytes;
    alloc.binding_simulated = binding == "simulated";
    job.allocation = alloc;
  }
  int64_t exit_code = 0, signal = 0;
  if (r.OptionalRaw("exit_code")) {
    r.OptionalInt("exit_code", &exit_code, 0, 255);
    job.exit_code = static_cast<int32_t>(exit_code);
  }
  if (r.OptionalRaw("signal")) {
    r.OptionalInt("signal", &signal, 1, 128);
    job.exit_signal = static_cast<int32_t>(signal);
  }
  r.OptionalString("message", &job.message);
  ReadTime(r, "submit_time", &job.submit_time);
  ReadTime(r, "start_time", &job.start_time);
  ReadTime(r, "end_time", &job.end_time);
  r.OptionalBool("cancel_requested", &job.cancel_requested);
  r.OptionalBool("preempt_requested", &job.preempt_requested);
  r.OptionalInt("cpu_time_ms", &job.cpu_time_ms, 0, INT64_MAX);
  r.OptionalInt("peak_memory_bytes", &job.peak_memory_bytes, 0, INT64_MAX);
  r.OptionalInt("cpu_energy_uj", &job.cpu_energy_uj, 0, INT64_MAX);
  r.OptionalInt("gpu_energy_uj", &job.gpu_energy_uj, 0, INT64_MAX);
  r.OptionalString("idempotency_key", &job.idempotency_key);
  SHARC_RETURN_IF_ERROR(r.Finish());
  return job;
}

StatusOr<std::vector<SubmitItem>> DecodeSubmitBody(const Json& body, bool* bulk) {
  std::vector<SubmitItem> items;
  auto decode_one = [&](const Json& object, std::string where) -> Status {
    FieldReader r(object, where);
    SubmitItem item;
    ReadJobSpecFields(r, &item.spec);
    r.OptionalString("idempotency_key", &item.idempotency_key);
    if (r.ok() && item.idempotency_key.size() > 128) {
      r.Fail("idempotency_key", "at most 128 characters");
    }
    SHARC_RETURN_IF_ERROR(r.Finish());
    items.push_back(std::move(item));
    return Status::Ok();
  };
  *bulk = body.is_array();
  if (body.is_array()) {
    if (body.empty()) return InvalidArgumentError("body: an empty list submits nothing");
    if (body.size() > kMaxJobsPerSubmit) {
      return InvalidArgumentError("body: at most " + std::to_string(kMaxJobsPerSubmit) +
                                  " jobs per request");
    }
    items.reserve(body.size());
    for (size_t i = 0; i < body.size(); ++i) {
      SHARC_RETURN_IF_ERROR(decode_one(body[i], "[" + std::to_string(i) + "]"));
    }
  } else {
    SHARC_RETURN_IF_ERROR(decode_one(body, ""));
  }
  return items;
}

}  // namespace sharc::protocol
