// JSON shapes of jobs: the stable contract `sharc ... -o json` and the REST API expose, the
// same record the store keeps, and the REST submit body.
//
// A job encodes as a flat object:
//   {"id":12,"tenant":"acme","name":"train","state":"RUNNING","reason":"","attempt":1,
//    "command":["python","train.py"],"env":{},"cpus":2,"mem_bytes":1073741824,"gpus":1,
//    "gpu_model":"","time_limit_seconds":3600,"labels":{},"requeue":true,
//    "node":"gpu1","allocated_cpus":"0-1","allocated_gpus":[0],"binding":"real",
//    "exit_code":null,"signal":null,"message":"","submit_time":"2026-11-30T06:03:40.123Z",
//    "start_time":"...","end_time":null,"cancel_requested":false,"idempotency_key":""}
// Times are RFC 3339 UTC strings, or null when unset; node/allocation fields are null before
// the first launch.
#ifndef SHARC_PROTOCOL_JOB_CODEC_H_
#define SHARC_PROTOCOL_JOB_CODEC_H_

#include <string>
#include <vector>

#include "core/job.h"
#include "protocol/json_fields.h"

namespace sharc::protocol {

Json EncodeJob(const Job& job);
StatusOr<Job> DecodeJob(const Json& json);

Json EncodeJobSpec(const JobSpec& spec);  // the spec's fields only
// Reads a spec's fields from `reader` (shared by DecodeJob and the submit body).
void ReadJobSpecFields(FieldReader& reader, JobSpec* spec);

// One job of a submit request. Fields the client left out stay at JobSpec's defaults
// (memory_bytes and time_limit_seconds 0 = "use the scheduler's default").
struct SubmitItem {
  JobSpec spec;
  std::string idempotency_key;  // "" if none; at most 128 printable characters
};

inline constexpr size_t kMaxJobsPerSubmit = 10000;

// A submit body is one job object or a JSON array of them (bulk). Every item is checked;
// the first error names its index ("[3].cpus: ..."). `bulk` reports which form was used.
StatusOr<std::vector<SubmitItem>> DecodeSubmitBody(const Json& body, bool* bulk);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_JOB_CODEC_H_
