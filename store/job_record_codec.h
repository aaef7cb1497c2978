// The JSON record the store keeps for a job (the `record` column of the `jobs` table). It is
// the store's own format, versioned apart from the REST shape (protocol::EncodeJob), so the
// public JSON and the file format change independently:
//
//   {"v":1,"id":12,"tenant":"acme","state":"RUNNING","reason":"","attempt":1,
//    "spec":<protocol::EncodeJobSpec>,"allocation":<protocol::EncodeAllocation> | null,
//    "exit_code":null,"signal":null,"message":"",
//    "submit_time":1796018620123,"start_time":1796018621000,"end_time":0,
//    "cancel_requested":false,"preempt_requested":false,"cpu_time_ms":0,
//    "peak_memory_bytes":0,"cpu_energy_uj":0,"gpu_energy_uj":0,"idempotency_key":""}
//
// An array job's record adds "array_unstarted":"40-999" (core/job_array.h syntax) while some
// of its tasks have not started; a task's adds "array_job":12,"array_task":5.
//
// Times are Unix milliseconds (0 = unset). Adding a job field means one line in each of
// EncodeJobRecord and DecodeJobRecord, and its rule in core's ValidateJob; a field that is
// absent (or null) reads as its default, so older records load unchanged. A change that old
// readers cannot take raises kJobRecordVersion and comes with a migration step
// (store/sqlite_schema.cc), as version 1 did for the REST-shaped records of schema 3.
//
// Thread-safe (pure functions).
#ifndef SHARC_STORE_JOB_RECORD_CODEC_H_
#define SHARC_STORE_JOB_RECORD_CODEC_H_

#include <string>

#include "core/job.h"
#include "protocol/json_fields.h"

namespace sharc::store {

inline constexpr int kJobRecordVersion = 1;

// Encodes every field. Does not check the job: the writer calls ValidateJob first, the same
// rules DecodeJobRecord applies, so what is written loads again.
protocol::Json EncodeJobRecord(const Job& job);
// Strict: a version other than kJobRecordVersion, unknown fields, wrong types and a job
// ValidateJob refuses are errors naming the field, prefixed by `where` (e.g. "record").
StatusOr<Job> DecodeJobRecord(const protocol::Json& json, const std::string& where);

}  // namespace sharc::store

#endif  // SHARC_STORE_JOB_RECORD_CODEC_H_
