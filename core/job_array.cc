#include "core/job_array.h"

#include <algorithm>
#include <charconv>
#include <optional>

namespace sharc {
namespace {

Status Error(std::string_view field, const std::string& message) {
  return InvalidArgumentError(std::string(field) + ": " + message);
}

// A decimal number of at most 7 digits (no sign), or nullopt.
std::optional<int64_t> ParseNumber(std::string_view text) {
  if (text.empty() || text.size() > 7) return std::nullopt;
  int64_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t at = text.find(separator, start);
    parts.push_back(text.substr(start, at - start));
    if (at == std::string_view::npos) return parts;
    start = at + 1;
  }
}

StatusOr<IndexRange> ParseItem(std::string_view item, std::string_view field) {
  auto bad = [&] {
    return Error(field, "'" + std::string(item) +
                            "' is not an index, A-B or A-B:STEP (indices 0 to " +
                            std::to_string(kMaxArrayIndex) + ")");
  };
  IndexRange range;
  std::string_view bounds = item;
  if (size_t colon = item.find(':'); colon != std::string_view::npos) {
    std::optional<int64_t> step = ParseNumber(item.substr(colon + 1));
    if (!step) return bad();
    if (*step < 1) return Error(field, "'" + std::string(item) + "': the step must be at least 1");
    range.step = *step;
    bounds = item.substr(0, colon);
  }
  size_t dash = bounds.find('-');
  std::optional<int64_t> first = ParseNumber(bounds.substr(0, dash));
  std::optional<int64_t> last =
      dash == std::string_view::npos ? first : ParseNumber(bounds.substr(dash + 1));
  if (!first || !last || *first > kMaxArrayIndex || *last > kMaxArrayIndex) return bad();
  if (dash == std::string_view::npos && range.step != 1) return bad();
  if (*first > *last) {
    return Error(field, "'" + std::string(item) + "': the range ends before it starts");
  }
  range.first = *first;
  range.last = *last - (*last - *first) % range.step;
  if (range.first == range.last) range.step = 1;
  return range;
}

}  // namespace

StatusOr<TaskIndices> ParseTaskIndices(std::string_view text, std::string_view field) {
  TaskIndices indices;
  if (text.empty()) return indices;
  int64_t count = 0;
  for (std::string_view item : Split(text, ',')) {
    SHARC_ASSIGN_OR_RETURN(IndexRange range, ParseItem(item, field));
    if (!indices.empty() && range.first <= indices.back().last) {
      return Error(field, "'" + std::string(item) +
                              "' overlaps or precedes the item before it: list indices in "
                              "ascending order, each once");
    }
    count += (range.last - range.first) / range.step + 1;
    if (count > kMaxArrayTasks) {
      return Error(field, "at most " + std::to_string(kMaxArrayTasks) + " tasks");
    }
    indices.push_back(range);
  }
  return indices;
}

StatusOr<ArraySpec> ParseArraySpec(std::string_view text, std::string_view field) {
  if (text.size() > kMaxArraySpecBytes) {
    return Error(field, "at most " + std::to_string(kMaxArraySpecBytes) + " characters");
  }
  ArraySpec spec;
  std::string_view list = text;
  if (size_t percent = text.find('%'); percent != std::string_view::npos) {
    list = text.substr(0, percent);
    std::optional<int64_t> k = ParseNumber(text.substr(percent + 1));
    if (!k || *k < 1 || *k > kMaxArrayTasks) {
      return Error(field, "'%" + std::string(text.substr(percent + 1)) +
                              "': the most tasks running at once must be between 1 and " +
                              std::to_string(kMaxArrayTasks));
    }
    spec.max_running = *k;
  }
  if (list.empty()) return Error(field, "lists no task indices (e.g. 0-99 or 0-99%10)");
  SHARC_ASSIGN_OR_RETURN(spec.indices, ParseTaskIndices(list, field));
  return spec;
}

std::string FormatTaskIndices(const TaskIndices& indices) {
  std::string out;
  for (const IndexRange& r : indices) {
    if (!out.empty()) out += ',';
    out += std::to_string(r.first);
    if (r.last == r.first) continue;
    out += '-' + std::to_string(r.last);
    if (r.step != 1) out += ':' + std::to_string(r.step);
  }
  return out;
}

int64_t CountTasks(const TaskIndices& indices) {
  int64_t count = 0;
  for (const IndexRange& r : indices) count += (r.last - r.first) / r.step + 1;
  return count;
}

namespace {

// The range that would hold `index` (the first ending at or after it), or end.
TaskIndices::const_iterator RangeAt(const TaskIndices& indices, int64_t index) {
  return std::lower_bound(indices.begin(), indices.end(), index,
                          [](const IndexRange& r, int64_t i) { return r.last < i; });
}

bool Holds(const IndexRange& r, int64_t index) {
  return index >= r.first && index <= r.last && (index - r.first) % r.step == 0;
}

}  // namespace

bool ContainsTask(const TaskIndices& indices, int64_t index) {
  auto it = RangeAt(indices, index);
  return it != indices.end() && Holds(*it, index);
}

bool RemoveTask(TaskIndices& indices, int64_t index) {
  auto found = RangeAt(indices, index);
  if (found == indices.end() || !Holds(*found, index)) return false;
  auto it = indices.begin() + (found - indices.cbegin());
  IndexRange before{it->first, index - it->step, it->step};
  IndexRange after{index + it->step, it->last, it->step};
  std::vector<IndexRange> parts;
  if (index > it->first) parts.push_back(before);
  if (index < it->last) parts.push_back(after);
  for (IndexRange& part : parts) {
    if (part.first == part.last) part.step = 1;
  }
  it = indices.erase(it);
  indices.insert(it, parts.begin(), parts.end());
  return true;
}

void ForEachTask(const TaskIndices& indices, const std::function<bool(int64_t)>& visit) {
  for (const IndexRange& r : indices) {
    for (int64_t i = r.first; i <= r.last; i += r.step) {
      if (!visit(i)) return;
    }
  }
}

}  // namespace sharc
