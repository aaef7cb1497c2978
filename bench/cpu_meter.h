// CPU time of a set of processes through a cgroup v1 cpuacct group, for benchmarks: the
// processes started while the caller is Inside() the group (and all their descendants that
// stay there) are charged to it, whatever they do after the caller has left. Counters of
// another cpuacct group (e.g. an agent's job groups below its parent) are read with
// CpuacctNanos. Needs root and a mounted cpuacct hierarchy; otherwise every reading is -1.
#ifndef SHARC_BENCH_CPU_METER_H_
#define SHARC_BENCH_CPU_METER_H_

#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <string>

namespace sharc::bench {

inline constexpr const char* kCpuacctRoot = "/sys/fs/cgroup/cpuacct";

// cpuacct.usage of the group at `relative` below the cpuacct root, in nanoseconds; -1 if it
// cannot be read. A v1 group's usage includes its descendants', removed ones too.
inline int64_t CpuacctNanos(const std::string& relative) {
  std::ifstream in(std::string(kCpuacctRoot) + "/" + relative + "/cpuacct.usage");
  int64_t nanos = -1;
  if (!(in >> nanos)) return -1;
  return nanos;
}

class CpuacctGroup {
 public:
  // Creates (or reuses) <cpuacct>/<name>.
  explicit CpuacctGroup(std::string name) : name_(std::move(name)) {
    ::mkdir((std::string(kCpuacctRoot) + "/" + name_).c_str(), 0755);
  }
  ~CpuacctGroup() { ::rmdir((std::string(kCpuacctRoot) + "/" + name_).c_str()); }
  CpuacctGroup(const CpuacctGroup&) = delete;
  CpuacctGroup& operator=(const CpuacctGroup&) = delete;

  // Moves this process into the group; what it starts from now on is charged to the group.
  bool Enter() const { return Move(name_); }
  // Moves this process back to the root group; its children stay where they are.
  bool Leave() const { return Move(""); }
  int64_t Nanos() const { return CpuacctNanos(name_); }

 private:
  static bool Move(const std::string& relative) {
    std::ofstream out(std::string(kCpuacctRoot) + "/" + relative + "/cgroup.procs");
    out << ::getpid();
    out.flush();
    return static_cast<bool>(out);
  }
  std::string name_;
};

}  // namespace sharc::bench

#endif  // SHARC_BENCH_CPU_METER_H_
