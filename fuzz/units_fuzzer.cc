// The parsers of quantities people and files write (core/units.h, core/credit.h,
// core/tenant.h, core/job_array.h): sizes ("18446744073709551616K"), durations
// ("9223372036854775807s", "1-12:00:00"), CPU lists ("0-3,8"), credits, resource lists
// ("cpu=8,memory=64G") and job array specs ("0-999:2%50"). Each runs on the whole input.
//
// Invariants: results are in range (sizes >= 0, durations > 0, CPU lists sorted, unique and
// within kMaxCpuListIndex, arrays within kMaxArrayTasks), and each value written back in the
// parser's own syntax (FormatDuration, FormatCpuList, FormatCredits, FormatResourceList,
// FormatTaskIndices, a size in its largest exact unit) parses to the same value.
#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/credit.h"
#include "core/job_array.h"
#include "core/tenant.h"
#include "core/units.h"
#include "fuzz/fuzz_util.h"

namespace sharc::fuzz {
namespace {

void CheckSize(std::string_view text) {
  StatusOr<int64_t> size = ParseSize(text);
  if (!size.ok()) return;
  FUZZ_CHECK(*size >= 0, std::to_string(*size));
  // The largest unit that divides it exactly; a number ParseSize reads without overflow.
  static const char* kUnits[] = {"B", "K", "M", "G", "T", "P"};
  int unit = 0;
  while (unit < 5 && *size != 0 && *size % (int64_t{1} << (10 * (unit + 1))) == 0) ++unit;
  int64_t count = *size >> (10 * unit);
  if (count > INT64_MAX / 1000) return;
  std::string exact = std::to_string(count) + kUnits[unit];
  StatusOr<int64_t> again = ParseSize(exact);
  FUZZ_CHECK(again.ok() && *again == *size, exact + " != " + std::to_string(*size));
}

void CheckDuration(std::string_view text) {
  StatusOr<std::chrono::milliseconds> ms = ParseDurationMillis(text);
  StatusOr<std::chrono::seconds> s = ParseDuration(text);
  if (s.ok()) {
    FUZZ_CHECK(ms.ok() && ms->count() == s->count() * 1000, "ParseDuration disagrees");
  }
  if (!ms.ok()) return;
  FUZZ_CHECK(ms->count() > 0, std::to_string(ms->count()));
  std::string millis = std::to_string(ms->count()) + "ms";
  StatusOr<std::chrono::milliseconds> again = ParseDurationMillis(millis);
  FUZZ_CHECK(again.ok() && *again == *ms, millis);
  if (s.ok()) {
    std::string formatted = FormatDuration(*s);
    StatusOr<std::chrono::seconds> back = ParseDuration(formatted);
    FUZZ_CHECK(back.ok() && *back == *s, formatted + " != " + std::to_string(s->count()) + "s");
  }
}

void CheckCpuList(std::string_view text) {
  StatusOr<std::vector<int>> cpus = ParseCpuList(text);
  if (!cpus.ok()) return;
  for (size_t i = 0; i < cpus->size(); ++i) {
    FUZZ_CHECK((*cpus)[i] >= 0 && (*cpus)[i] <= kMaxCpuListIndex, std::to_string((*cpus)[i]));
    FUZZ_CHECK(i == 0 || (*cpus)[i - 1] < (*cpus)[i], "not sorted or not unique");
  }
  std::string formatted = FormatCpuList(*cpus);
  StatusOr<std::vector<int>> again = ParseCpuList(formatted);
  FUZZ_CHECK(again.ok() && *again == *cpus, formatted);
}

void CheckCredits(std::string_view text) {
  StatusOr<MicroCredits> credits = ParseCredits(text);
  if (!credits.ok()) return;
  FUZZ_CHECK(*credits >= 0, std::to_string(*credits));
  std::string formatted = FormatCredits(*credits);
  StatusOr<MicroCredits> again = ParseCredits(formatted);
  FUZZ_CHECK(again.ok() && *again == *credits, formatted);
}

void CheckResourceList(std::string_view text) {
  StatusOr<Resources> resources = ParseResourceList(text);
  if (!resources.ok()) return;
  for (const auto& [name, value] : resources->entries()) {
    FUZZ_CHECK(value > 0, name + "=" + std::to_string(value));
  }
  std::string formatted = FormatResourceList(*resources);
  StatusOr<Resources> again = ParseResourceList(formatted);
  FUZZ_CHECK(again.ok() && *again == *resources, formatted + " != " + resources->DebugString());
}

void CheckArray(std::string_view text) {
  StatusOr<ArraySpec> spec = ParseArraySpec(text);
  if (spec.ok()) {
    int64_t tasks = CountTasks(spec->indices);
    FUZZ_CHECK(tasks >= 1 && tasks <= kMaxArrayTasks, std::to_string(tasks));
    FUZZ_CHECK(spec->max_running >= 0 && spec->max_running <= kMaxArrayTasks,
               std::to_string(spec->max_running));
  }
  StatusOr<TaskIndices> indices = ParseTaskIndices(text, "array");
  if (!indices.ok()) return;
  int64_t previous = -1;
  for (const IndexRange& r : *indices) {
    FUZZ_CHECK(r.first > previous && r.first <= r.last && r.last <= kMaxArrayIndex && r.step >= 1,
               FormatTaskIndices(*indices));
    FUZZ_CHECK((r.last - r.first) % r.step == 0, FormatTaskIndices(*indices));
    previous = r.last;
  }
  FUZZ_CHECK(CountTasks(*indices) <= kMaxArrayTasks, std::to_string(CountTasks(*indices)));
  std::string formatted = FormatTaskIndices(*indices);
  StatusOr<TaskIndices> again = ParseTaskIndices(formatted, "array");
  FUZZ_CHECK(again.ok() && *again == *indices, formatted);
}

}  // namespace
}  // namespace sharc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc::fuzz;
  std::string_view text = AsText(data, size);
  CheckSize(text);
  CheckDuration(text);
  CheckCpuList(text);
  CheckCredits(text);
  CheckResourceList(text);
  CheckArray(text);
  return 0;
}
