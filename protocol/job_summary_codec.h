// The compact shape of a job in listings (GET /v1/jobs?view=summary, what `sharc jobs` asks
// for): the fields a job table shows, written straight into the response text without building
// a JSON document, so that a page of thousands of jobs costs about a microsecond each.
//
//   {"id":12,"name":"train","tenant":"acme","state":"PENDING","reason":"RESOURCES",
//    "message":"","priority_class":"normal","cpus":4,"mem_bytes":4294967296,"gpus":0,
//    "num_nodes":1,"nodes":[],"exit_code":null,"signal":null,
//    "submit_time":"2026-12-05T10:00:00.000Z","start_time":null,"end_time":null,
//    "cancel_requested":false,"array_job_id":null,"array_task_id":null,
//    "array_unstarted":"","array_tasks":null,"expected_start":null}
//
// Field names and value formats are those of the full shape (protocol::EncodeJob); a summary
// is a subset of it plus the two fields the scheduler adds (array_tasks, expected_start).
// "array" (the spec's "0-999%50") is present only on an array job, as in the full shape.
#ifndef SHARC_PROTOCOL_JOB_SUMMARY_CODEC_H_
#define SHARC_PROTOCOL_JOB_SUMMARY_CODEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/job.h"

namespace sharc::protocol {

// What the scheduler knows of a job beyond its record.
struct JobSummaryExtras {
  std::optional<std::map<JobState, int64_t>> array_tasks;  // an array's tasks by state
  std::optional<UnixMillis> expected_start;                // a pending job's reservation
  std::vector<std::string> expected_nodes;
};

// Appends `job`'s summary object to `out`.
void AppendJobSummary(const Job& job, const JobSummaryExtras& extras, std::string* out);

// Appends `text` as a JSON string literal (quotes, backslashes and control characters
// escaped; other bytes as they are).
void AppendJsonString(std::string_view text, std::string* out);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_JOB_SUMMARY_CODEC_H_
