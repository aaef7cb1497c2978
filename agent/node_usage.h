// What the whole node uses, from the kernel's own counters (not only the jobs'):
//   <proc>/stat     the aggregate "cpu" line, in USER_HZ ticks: busy = total - idle - iowait
//                   (steal and guest counted as busy, as top does); the "cpuN" lines give the
//                   number of CPUs online.
//   <proc>/meminfo  MemTotal and MemAvailable (kB): used = total - available.
// The proc root is configurable so tests read fixture files.
#ifndef SHARC_AGENT_NODE_USAGE_H_
#define SHARC_AGENT_NODE_USAGE_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sharc::agent {

// The "cpu" line of /proc/stat: cumulative since boot, in ticks, over all CPUs.
struct CpuTicks {
  int64_t busy = 0;
  int64_t total = 0;
  int cpus = 0;  // the "cpuN" lines
};
// InvalidArgument naming `where` when there is no well-formed "cpu" line.
StatusOr<CpuTicks> ParseProcStat(std::string_view text, std::string_view where);

struct MemoryFigures {
  int64_t total_bytes = 0;
  int64_t available_bytes = 0;
};
// InvalidArgument naming `where` when MemTotal or MemAvailable is missing.
StatusOr<MemoryFigures> ParseMemInfo(std::string_view text, std::string_view where);

struct NodeUsage {
  int64_t cpu_busy_ms = 0;  // cumulative since boot, all CPUs together (CPU-milliseconds)
  int64_t memory_total_bytes = 0;
  int64_t memory_used_bytes = 0;
  // Over the interval since the previous Sample (absent on the first): CPUs busy in
  // milli-CPUs, and the fraction of the node's CPU capacity busy, in permille (0..1000).
  std::optional<int64_t> cpu_used_millis;
  std::optional<int64_t> cpu_busy_permille;
};

class NodeUsageSampler {
 public:
  // `ticks_per_second` is sysconf(_SC_CLK_TCK) when 0.
  explicit NodeUsageSampler(std::string proc_root = "/proc", int64_t ticks_per_second = 0);

  // Reads both files; interval figures come from the difference to the previous call.
  StatusOr<NodeUsage> Sample();

 private:
  std::string proc_root_;
  int64_t ticks_per_second_;
  std::optional<CpuTicks> previous_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_NODE_USAGE_H_
