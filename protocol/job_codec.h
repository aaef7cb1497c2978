// The JSON of a job in the REST API: the stable contract of `sharc ... -o json` and of
// GET /v1/jobs. (The store keeps its own record, store/job_record_codec.h; a spec's fields
// are written by protocol/job_spec_codec.h.)
//
// A job encodes as a flat object: its spec's fields, then the job's own:
//   {"id":12,"tenant":"acme","name":"train","state":"RUNNING","reason":"","attempt":1,
//    "command":["python","train.py"],"env":{},"cpus":2,"mem_bytes":1073741824,"gpus":1,
//    "gpu_model":"","time_limit_seconds":3600,"labels":{},"requeue":true,
//    "allocation":[{"node":"gpu1","cpus":"0-1","gpus":[0],"mem_bytes":1073741824,
//                   "binding":"real"}],"nodes":["gpu1"],
//    "exit_code":null,"signal":null,"message":"","submit_time":"2026-11-30T06:03:40.123Z",
//    "start_time":"...","end_time":null,"cancel_requested":false,"idempotency_key":""}
// Times are RFC 3339 UTC strings, or null when unset. "allocation" is the last attempt's grant,
// one part per node (protocol/allocation_codec.h), null before the first launch; "nodes" lists
// its nodes' names, for listings ([] before the first launch). A gang job (num_nodes > 1)
// also has "ranks": [{"rank":0,"node":"gpu1","cpus":2,"gpus":[0],"state":"RUNNING",
// "exit_code":null,"signal":null}, ...], state RUNNING, ENDED (its exit) or STOPPED (still
// running when the attempt ended, then killed); [] for other jobs.
// Arrays: a task has "array_job_id" (its array's id) and "array_task_id" (its index), null for
// other jobs; an array job (its spec's "array" set) has "array_unstarted", the indices of its
// tasks that have not started ("40-999"; "" for other jobs), and the scheduler adds
// "array_tasks", its tasks' counts by state.
#ifndef SHARC_PROTOCOL_JOB_CODEC_H_
#define SHARC_PROTOCOL_JOB_CODEC_H_

#include "core/job.h"
#include "protocol/json_fields.h"

namespace sharc::protocol {

Json EncodeJob(const Job& job);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_JOB_CODEC_H_
