// Job arrays: the task indices of an array job, in Slurm's `--array` syntax, and the compact
// sets of indices the scheduler keeps (an array's tasks that have not started yet).
//
//   array   := list [ "%" K ]          e.g. "0-999", "0-999:2%50", "1,3,10-20:5"
//   list    := item { "," item }       items ascending, none overlapping the one before
//   item    := N | A "-" B [ ":" S ]   A <= B, step S >= 1 (default 1)
//
// Indices are 0..kMaxArrayIndex, an array has 1..kMaxArrayTasks tasks, and K (at most K tasks
// run at once) is 1..kMaxArrayTasks. Parse errors name the spec field ("array: ...").
#ifndef SHARC_CORE_JOB_ARRAY_H_
#define SHARC_CORE_JOB_ARRAY_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sharc {

inline constexpr int64_t kMaxArrayTasks = 1'000'000;
inline constexpr int64_t kMaxArrayIndex = 9'999'999;
inline constexpr size_t kMaxArraySpecBytes = 1024;

// first, first + step, ..., last (last - first is a multiple of step; a single index has
// first == last and step 1).
struct IndexRange {
  int64_t first = 0;
  int64_t last = 0;
  int64_t step = 1;
  friend bool operator==(const IndexRange&, const IndexRange&) = default;
};

// A set of task indices: ranges in ascending order, each starting after the one before ends.
using TaskIndices = std::vector<IndexRange>;

struct ArraySpec {
  TaskIndices indices;
  int64_t max_running = 0;  // K of "%K"; 0 = no limit
  friend bool operator==(const ArraySpec&, const ArraySpec&) = default;
};

// Parses an array spec. InvalidArgument starting with `field` ("array: ...") if it breaks a
// rule above.
StatusOr<ArraySpec> ParseArraySpec(std::string_view text, std::string_view field = "array");
// Parses a set of indices as FormatTaskIndices writes it ("" is the empty set); no "%K", any
// number of items. Errors start with `field`.
StatusOr<TaskIndices> ParseTaskIndices(std::string_view text, std::string_view field);
// "0-999:2,1001" (ranges normalized: last is an index of the range); "" for the empty set.
std::string FormatTaskIndices(const TaskIndices& indices);

int64_t CountTasks(const TaskIndices& indices);
bool ContainsTask(const TaskIndices& indices, int64_t index);
// Removes `index`, splitting its range; false (nothing changed) if it is not in the set.
bool RemoveTask(TaskIndices& indices, int64_t index);
// Calls `visit` with each index in ascending order until it returns false.
void ForEachTask(const TaskIndices& indices, const std::function<bool(int64_t)>& visit);

}  // namespace sharc

#endif  // SHARC_CORE_JOB_ARRAY_H_
