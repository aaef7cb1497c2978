// The JSON of a job spec: one codec for every place a spec is written down. Its fields (names
// in core/job.h, namespace spec_field) sit flat in the REST job object and the submit body,
// and nested under "spec" in the store's job record and the agent's launch message:
//
//   {"name":"train","command":["python","train.py"],"env":{},"cpus":2,"mem_bytes":1073741824,
//    "gpus":1,"gpu_model":"","time_limit_seconds":3600,"labels":{},"requeue":true}
//
// Readers check JSON types only. What a valid spec is (ranges, sizes, names) is core's
// ValidateJobSpec / ValidateSubmittedJobSpec, applied to what was read; its errors name the
// field the same way a type error does ("[3].cpus: must be between 1 and 65536").
#ifndef SHARC_PROTOCOL_JOB_SPEC_CODEC_H_
#define SHARC_PROTOCOL_JOB_SPEC_CODEC_H_

#include <string>
#include <vector>

#include "core/job.h"
#include "protocol/json_fields.h"

namespace sharc::protocol {

// Writes every field of `spec` into `object` (a JSON object).
void WriteJobSpecFields(const JobSpec& spec, Json* object);
Json EncodeJobSpec(const JobSpec& spec);

// Reads a spec's fields from `reader`, checking their JSON types; fields left out keep
// JobSpec's defaults, and "command" is required. The caller checks the result against core's
// rules with reader.Check(...) once every field of its object was read.
void ReadJobSpecFields(FieldReader& reader, JobSpec* spec);

// A complete spec nested in another object (the store's record, a launch): unknown fields,
// wrong types and a spec ValidateJobSpec refuses are errors prefixed by `where`.
StatusOr<JobSpec> DecodeJobSpec(const Json& json, const std::string& where);

// One job of a submit request. Fields the client left out stay at JobSpec's defaults: name ""
// (the program's name), memory_bytes and time_limit_seconds 0 (the scheduler's defaults).
struct SubmitItem {
  JobSpec spec;
  std::string idempotency_key;  // "" if none
};

// What a client may submit: ValidateSubmittedJobSpec and ValidateIdempotencyKey.
Status ValidateSubmitItem(const SubmitItem& item);

// A submit body for one job. Fields left for the scheduler to fill in (see SubmitItem) and an
// empty idempotency key are left out.
Json EncodeSubmitItem(const SubmitItem& item);

inline constexpr size_t kMaxJobsPerSubmit = 10000;

// A submit body is one job object or a JSON array of them (bulk). Every item is read and
// checked with ValidateSubmitItem; the first error names its index ("[3].cpus: ..."). `bulk`
// reports which form was used.
StatusOr<std::vector<SubmitItem>> DecodeSubmitBody(const Json& body, bool* bulk);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_JOB_SPEC_CODEC_H_
