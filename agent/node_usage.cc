#include "agent/node_usage.h"

#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <vector>

#include "core/file_util.h"

namespace sharc::agent {
namespace {

std::vector<std::string_view> Fields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) fields.push_back(line.substr(start, i - start));
  }
  return fields;
}

bool ToInt(std::string_view text, int64_t* out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return error == std::errc() && end == text.data() + text.size() && *out >= 0;
}

// Calls `f` with each line of `text`.
template <typename F>
void ForEachLine(std::string_view text, F f) {
  while (!text.empty()) {
    size_t newline = text.find('\n');
    f(text.substr(0, newline));
    if (newline == std::string_view::npos) break;
    text.remove_prefix(newline + 1);
  }
}

}  // namespace

StatusOr<CpuTicks> ParseProcStat(std::string_view text, std::string_view where) {
  std::optional<CpuTicks> ticks;
  int cpus = 0;
  bool bad = false;
  ForEachLine(text, [&](std::string_view line) {
    std::vector<std::string_view> fields = Fields(line);
    if (fields.empty() || fields[0].rfind("cpu", 0) != 0) return;
    if (fields[0] != "cpu") {
      ++cpus;
      return;
    }
    // user nice system idle iowait irq softirq steal [guest guest_nice]; guest time is
    // already inside user and nice, so only the first eight are summed.
    if (fields.size() < 5) return void(bad = true);
    CpuTicks t;
    for (size_t i = 1; i < fields.size() && i <= 8; ++i) {
      int64_t value = 0;
      if (!ToInt(fields[i], &value)) return void(bad = true);
      t.total += value;
      if (i != 4 && i != 5) t.busy += value;  // idle, iowait
    }
    ticks = t;
  });
  if (bad || !ticks) {
    return InvalidArgumentError(std::string(where) + ": no well-formed aggregate \"cpu\" line");
  }
  ticks->cpus = cpus;
  return *ticks;
}

StatusOr<MemoryFigures> ParseMemInfo(std::string_view text, std::string_view where) {
  std::optional<int64_t> total_kb, available_kb;
  ForEachLine(text, [&](std::string_view line) {
    std::vector<std::string_view> fields = Fields(line);
    int64_t value = 0;
    if (fields.size() < 2 || !ToInt(fields[1], &value)) return;
    if (fields[0] == "MemTotal:") total_kb = value;
    if (fields[0] == "MemAvailable:") available_kb = value;
  });
  if (!total_kb || !available_kb) {
    return InvalidArgumentError(std::string(where) + ": needs MemTotal and MemAvailable lines");
  }
  return MemoryFigures{*total_kb * 1024, *available_kb * 1024};
}

NodeUsageSampler::NodeUsageSampler(std::string proc_root, int64_t ticks_per_second)
    : proc_root_(std::move(proc_root)),
      ticks_per_second_(ticks_per_second > 0 ? ticks_per_second : ::sysconf(_SC_CLK_TCK)) {}

StatusOr<NodeUsage> NodeUsageSampler::Sample() {
  const std::string stat_path = proc_root_ + "/stat";
  const std::string meminfo_path = proc_root_ + "/meminfo";
  SHARC_ASSIGN_OR_RETURN(std::string stat_text, ReadFile(stat_path));
  SHARC_ASSIGN_OR_RETURN(std::string meminfo_text, ReadFile(meminfo_path));
  SHARC_ASSIGN_OR_RETURN(CpuTicks ticks, ParseProcStat(stat_text, stat_path));
  SHARC_ASSIGN_OR_RETURN(MemoryFigures memory, ParseMemInfo(meminfo_text, meminfo_path));

  NodeUsage usage;
  usage.cpu_busy_ms = ticks.busy * 1000 / ticks_per_second_;
  usage.memory_total_bytes = memory.total_bytes;
  usage.memory_used_bytes = std::max<int64_t>(memory.total_bytes - memory.available_bytes, 0);
  if (previous_ && ticks.total > previous_->total) {
    // Ticks count for every CPU, so total ticks over the interval = CPUs x interval.
    const int64_t busy =
        std::clamp<int64_t>(ticks.busy - previous_->busy, 0, ticks.total - previous_->total);
    const int64_t total = ticks.total - previous_->total;
    usage.cpu_busy_permille = busy * 1000 / total;
    usage.cpu_used_millis = busy * 1000 * std::max(ticks.cpus, 1) / total;
  } else if (previous_) {
    usage.cpu_busy_permille = 0;  // no tick passed: nothing was busy
    usage.cpu_used_millis = 0;
  }
  previous_ = ticks;
  return usage;
}

}  // namespace sharc::agent
