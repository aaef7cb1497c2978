#include "protocol/job_spec_codec.h"

namespace sharc::protocol {

void WriteJobSpecFields(const JobSpec& spec, Json* object) {
  using namespace spec_field;
  Json& j = *object;
  j[kName] = spec.name;
  j[kCommand] = spec.command;
  j[kEnv] = spec.env;
  j[kCpus] = spec.cpus;
  j[kMemoryBytes] = spec.memory_bytes;
  j[kGpus] = spec.gpus;
  j[kGpuModel] = spec.gpu_model;
  j[kTimeLimitSeconds] = spec.time_limit_seconds;
  j[kLabels] = spec.labels;
  j[kRequeue] = spec.requeue;
  j[kPriorityClass] = spec.priority_class;
  auto write_ids = [&](std::string_view key, const std::vector<JobId>& ids) {
    if (ids.empty()) return;
    Json& list = j[key] = Json::array();
    for (JobId id : ids) list.push_back(id.value);
  };
  write_ids(kAfterOk, spec.after_ok);
  write_ids(kAfterAny, spec.after_any);
  write_ids(kAfterNotOk, spec.after_not_ok);
  if (spec.keep_on_unsatisfied) j[kKeepOnUnsatisfied] = true;
  j[kNumNodes] = spec.num_nodes;
  if (!spec.topology_group.empty()) j[kTopologyGroup] = spec.topology_group;
  if (spec.wait_all_ranks) j[kWaitAllRanks] = true;
  if (!spec.array.empty()) j[kArray] = spec.array;
}

Json EncodeJobSpec(const JobSpec& spec) {
  Json j = Json::object();
  WriteJobSpecFields(spec, &j);
  return j;
}

void ReadJobSpecFields(FieldReader& reader, JobSpec* spec) {
  using namespace spec_field;
  reader.OptionalString(kName, &spec->name);
  reader.RequiredStringList(kCommand, &spec->command);
  reader.OptionalStringMap(kEnv, &spec->env);
  reader.OptionalClampedInt32(kCpus, &spec->cpus);
  reader.OptionalInt(kMemoryBytes, &spec->memory_bytes);
  reader.OptionalClampedInt32(kGpus, &spec->gpus);
  reader.OptionalString(kGpuModel, &spec->gpu_model);
  reader.OptionalInt(kTimeLimitSeconds, &spec->time_limit_seconds);
  reader.OptionalStringMap(kLabels, &spec->labels);
  reader.OptionalBool(kRequeue, &spec->requeue);
  reader.OptionalString(kPriorityClass, &spec->priority_class);
  reader.OptionalJobIdList(kAfterOk, &spec->after_ok);
  reader.OptionalJobIdList(kAfterAny, &spec->after_any);
  reader.OptionalJobIdList(kAfterNotOk, &spec->after_not_ok);
  reader.OptionalBool(kKeepOnUnsatisfied, &spec->keep_on_unsatisfied);
  reader.OptionalClampedInt32(kNumNodes, &spec->num_nodes);
  reader.OptionalString(kTopologyGroup, &spec->topology_group);
  reader.OptionalBool(kWaitAllRanks, &spec->wait_all_ranks);
  reader.OptionalString(kArray, &spec->array);
}

StatusOr<JobSpec> DecodeJobSpec(const Json& json, const std::string& where) {
  FieldReader reader(json, where);
  JobSpec spec;
  ReadJobSpecFields(reader, &spec);
  reader.Check(ValidateJobSpec(spec));
  SHARC_RETURN_IF_ERROR(reader.Finish());
  return spec;
}

Status ValidateSubmitItem(const SubmitItem& item) {
  SHARC_RETURN_IF_ERROR(ValidateSubmittedJobSpec(item.spec));
  return ValidateIdempotencyKey(item.idempotency_key);
}

Json EncodeSubmitItem(const SubmitItem& item) {
  using namespace spec_field;
  Json j = EncodeJobSpec(item.spec);
  if (item.spec.name.empty()) j.erase(kName);
  if (item.spec.memory_bytes == 0) j.erase(kMemoryBytes);
  if (item.spec.time_limit_seconds == 0) j.erase(kTimeLimitSeconds);
  if (item.spec.priority_class.empty()) j.erase(kPriorityClass);
  if (item.spec.num_nodes == 1) j.erase(kNumNodes);
  if (!item.idempotency_key.empty()) j[kIdempotencyKeyField] = item.idempotency_key;
  return j;
}

StatusOr<std::vector<SubmitItem>> DecodeSubmitBody(const Json& body, bool* bulk) {
  std::vector<SubmitItem> items;
  auto decode_one = [&](const Json& object, std::string where) -> Status {
    FieldReader r(object, std::move(where));
    SubmitItem item;
    ReadJobSpecFields(r, &item.spec);
    r.OptionalString(kIdempotencyKeyField, &item.idempotency_key);
    r.Check(ValidateSubmitItem(item));
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
