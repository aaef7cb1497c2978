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

// A table read back, columns found by name. It keeps the text it read and one line view per
// row; a row is split into cells (and unescaped) only when it is read, so reading thousands of
// lines allocates and touches little memory beyond the text itself.
class JobTable {
 public:
  static constexpr size_t kNoColumn = static_cast<size_t>(-1);

  // One row's cells, split once: for reading several cells of a row.
  class Row {
   public:
    Row() = default;
    Row(Row&&) = default;
    Row& operator=(Row&&) = default;
    Row(const Row&) = delete;  // a copy's views would point into the original's strings
    // The cell in `column` (an index of the table's Column); "" for kNoColumn.
    std::string_view operator[](size_t column) const {
      return column < cells_.size() ? cells_[column] : std::string_view();
    }

   private:
    friend class JobTable;
    std::vector<std::string_view> cells_;  // by the table's columns
    std::vector<std::string> unescaped_;   // reserved before use: views into it stay valid
  };

  // The table in `text` (header line first). InvalidArgument naming the line if a line's cell
  // count differs from the header's.
  static StatusOr<JobTable> Parse(std::string text);
  // The same table from jobs in the JSON shapes (full or as the REST API answers).
  static JobTable FromJson(const Json& jobs);

  size_t size() const { return rows_.size(); }
  // The index of `name`, or kNoColumn.
  size_t Column(std::string_view name) const;
  Row ReadRow(size_t row) const;
  // One cell ("" for kNoColumn or a column the table lacks); ReadRow for several.
  std::string Cell(size_t row, size_t column) const { return std::string(ReadRow(row)[column]); }
  std::string Cell(size_t row, std::string_view column) const { return Cell(row, Column(column)); }
  // Appends the rows of `other` (its columns matched by name).
  void Append(JobTable other);

 private:
  // One text read: its lines' cells are in its own column order.
  struct Page {
    std::unique_ptr<const std::string> text;  // stays where it is, whatever moves the table
    size_t cells_per_line = 0;
    std::vector<size_t> cell_of_column;  // the table's column i is cell_of_column[i] of a line
  };
  struct LineRef {
    std::string_view line;
    size_t page = 0;
  };

  std::vector<std::string> columns_;
  std::vector<Page> pages_;
  std::vector<LineRef> rows_;
};

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_JOB_TABLE_CODEC_H_
