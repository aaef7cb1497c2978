// The job listing as a table (GET /v1/jobs?view=table, what `sharc jobs` reads): tab-separated
// text, a header line of column names (kJobTableColumns) and one line per job. It is what a
// listing of thousands of jobs costs least to write and to read: no JSON document on either
// side, a few hundred bytes a job.
//
//   id\tname\ttenant\tstate\t...\n
//   12\ttrain\tacme\tPENDING\t...\n
//
// Cells: the full shape's value (protocol::EncodeJob) as text: strings as they are, numbers
// and booleans as JSON writes them, null as the empty cell, lists comma-joined (nodes),
// times RFC 3339. Added by the scheduler: array_tasks ("COMPLETED=10,PENDING=990"),
// expected_start (the time) and expected_nodes. In cells a backslash, tab, newline and
// carriage return are written as the two characters \\ \t \n \r. A reader finds columns by
// name, so columns may be added at the end without breaking older readers.
//
// Thread-safe (pure functions).
#ifndef SHARC_PROTOCOL_JOB_TABLE_CODEC_H_
#define SHARC_PROTOCOL_JOB_TABLE_CODEC_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/job.h"
#include "core/status.h"
#include "protocol/json_fields.h"

namespace sharc::protocol {

inline constexpr std::string_view kJobTableColumns[] = {"id",
                                                        "name",
                                                        "tenant",
                                                        "state",
                                                        "reason",
                                                        "message",
                                                        "priority_class",
                                                        "cpus",
                                                        "mem_bytes",
                                                        "gpus",
                                                        "num_nodes",
                                                        "nodes",
                                                        "exit_code",
                                                        "signal",
                                                        "submit_time",
                                                        "start_time",
                                                        "end_time",
                                                        "cancel_requested",
                                                        "array",
                                                        "array_job_id",
                                                        "array_task_id",
                                                        "array_unstarted",
                                                        "array_tasks",
                                                        "expected_start",
                                                        "expected_nodes"};

// What the scheduler knows of a job beyond its record.
struct JobListingExtras {
  std::optional<std::map<JobState, int64_t>> array_tasks;  // an array's tasks by state
  std::optional<UnixMillis> expected_start;                // a pending job's reservation
  std::vector<std::string> expected_nodes;
};

// Appends the header line / `job`'s line to `out`.
void AppendJobTableHeader(std::string* out);
void AppendJobTableRow(const Job& job, const JobListingExtras& extras, std::string* out);

// A table read back: cells by row, columns by name.
class JobTable {
 public:
  // The table in `text` (header line first). InvalidArgument naming the line if a line's cell
  // count differs from the header's.
  static StatusOr<JobTable> Parse(std::string_view text);
  // The same table from jobs in the JSON shapes (full or as the REST API answers).
  static JobTable FromJson(const Json& jobs);

  size_t size() const { return rows_.size(); }
  // The cell of `column` in row `row`; "" if there is no such column.
  std::string_view Cell(size_t row, std::string_view column) const;
  // Appends the rows of `other` (same columns by name).
  void Append(const JobTable& other);

 private:
  void SetColumns(std::vector<std::string> columns);

  std::vector<std::string> columns_;
  std::map<std::string, size_t, std::less<>> index_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_JOB_TABLE_CODEC_H_
