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
#include <memory>
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

// A table read back: cells by row, columns by name. Cells are views into the text it owns, so
// reading thousands of lines allocates little.
class JobTable {
 public:
  static constexpr size_t kNoColumn = static_cast<size_t>(-1);

  // The table in `text` (header line first). InvalidArgument naming the line if a line's cell
  // count differs from the header's.
  static StatusOr<JobTable> Parse(std::string text);
  // The same table from jobs in the JSON shapes (full or as the REST API answers).
  static JobTable FromJson(const Json& jobs);

  size_t size() const { return columns_.empty() ? 0 : cells_.size() / columns_.size(); }
  // The index of `name`, or kNoColumn.
  size_t Column(std::string_view name) const;
  // The cell at (`row`, `column`); "" for kNoColumn.
  std::string_view Cell(size_t row, size_t column) const {
    return column == kNoColumn ? std::string_view() : cells_[row * columns_.size() + column];
  }
  std::string_view Cell(size_t row, std::string_view column) const {
    return Cell(row, Column(column));
  }
  // Appends the rows of `other` (its columns matched by name).
  void Append(JobTable other);

 private:
  std::vector<std::string> columns_;
  // What cells_ point into: each string stays where it is, whatever moves the table.
  std::vector<std::unique_ptr<const std::string>> text_;
  const std::string& Keep(std::string text) {
    return *text_.emplace_back(std::make_unique<const std::string>(std::move(text)));
  }
  std::vector<std::string_view> cells_;  // row by row, columns_.size() a row
};

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_JOB_TABLE_CODEC_H_
