#include "agent/job_monitor_args.h"

#include <cstdint>
#include <cstdlib>

namespace sharc::agent::internal {
namespace {

template <typename T>
void AppendList(std::vector<std::string>* args, const T* const* list) {
  size_t count = 0;
  while (list[count] != nullptr) ++count;
  args->push_back(std::to_string(count));
  for (size_t i = 0; i < count; ++i) args->push_back(list[i]);
}

// Reads decimal numbers from one string, in turn.
class Numbers {
 public:
  explicit Numbers(const char* text) : next_(text) {}
  bool Next(long long* value) {
    char* end = nullptr;
    *value = std::strtoll(next_, &end, 10);
    if (end == next_ || (*end != ' ' && *end != '\0')) return false;
    next_ = end;
    return true;
  }
  bool AtEnd() const { return *next_ == '\0'; }

 private:
  const char* next_;
};

// Reads "<n>" and n strings from argv[*index]; out gets them and a terminating null.
template <typename T>
bool ReadList(int argc, char** argv, int* index, std::vector<T>* out) {
  if (*index >= argc) return false;
  char* end = nullptr;
  long long count = std::strtoll(argv[*index], &end, 10);
  if (*end != '\0' || count < 0 || count > argc - *index - 1) return false;
  ++*index;
  for (long long i = 0; i < count; ++i) out->push_back(argv[(*index)++]);
  out->push_back(nullptr);
  return true;
}

// One decimal number in [low, high].
bool ParseNumber(const char* text, long long low, long long high, long long* value) {
  char* end = nullptr;
  *value = std::strtoll(text, &end, 10);
  return end != text && *end == '\0' && *value >= low && *value <= high;
}

bool DecodeNumbers(const char* text, DecodedMonitorArgs* out) {
  MonitorPlan& plan = out->plan;
  Numbers numbers(text);
  long long v[10] = {};
  for (long long& value : v) {
    if (!numbers.Next(&value)) return false;
  }
  plan.report_fd = static_cast<int>(v[0]);
  plan.max_fd = static_cast<int>(v[1]);
  plan.switch_identity = v[2] != 0;
  plan.uid = static_cast<uid_t>(v[3]);
  plan.gid = static_cast<gid_t>(v[4]);
  plan.stderr_is_stdout = v[5] != 0;
  plan.bind_cpus = v[6] != 0;
  plan.no_new_privs = v[7] != 0;
  plan.own_namespaces = v[8] != 0;
  plan.fence_after_ms = v[9];
  return v[9] >= 0 && numbers.AtEnd();
}

// The counted lists of groups and CPUs (one argument each: a process may have 65536 groups).
bool DecodeIdLists(int argc, char** argv, int* index, DecodedMonitorArgs* out) {
  std::vector<const char*> groups, cpus;
  if (!ReadList(argc, argv, index, &groups) || !ReadList(argc, argv, index, &cpus)) return false;
  long long value = 0;
  for (size_t i = 0; i + 1 < groups.size(); ++i) {
    if (!ParseNumber(groups[i], 0, UINT32_MAX, &value)) return false;
    out->groups.push_back(static_cast<gid_t>(value));
  }
  CPU_ZERO(&out->plan.cpus);
  for (size_t i = 0; i + 1 < cpus.size(); ++i) {
    if (!ParseNumber(cpus[i], 0, CPU_SETSIZE - 1, &value)) return false;
    CPU_SET(static_cast<int>(value), &out->plan.cpus);
  }
  return true;
}

}  // namespace

std::vector<std::string> EncodeMonitorArgs(const std::string& program, const MonitorPlan& plan) {
  std::string numbers = std::to_string(plan.report_fd) + " " + std::to_string(plan.max_fd) + " " +
                        (plan.switch_identity ? "1 " : "0 ") + std::to_string(plan.uid) + " " +
                        std::to_string(plan.gid) + " " + (plan.stderr_is_stdout ? "1 " : "0 ") +
                        (plan.bind_cpus ? "1 " : "0 ") + (plan.no_new_privs ? "1 " : "0 ") +
                        (plan.own_namespaces ? "1 " : "0 ") + std::to_string(plan.fence_after_ms);
  std::vector<std::string> args = {
      program,          numbers,          plan.work_dir,        plan.stdout_path,
      plan.stderr_path, plan.status_path, plan.status_tmp_path, plan.lease_path};
  args.push_back(std::to_string(plan.group_count));
  for (size_t i = 0; i < plan.group_count; ++i) args.push_back(std::to_string(plan.groups[i]));
  std::vector<std::string> cpus;
  for (int cpu = 0; plan.bind_cpus && cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &plan.cpus)) cpus.push_back(std::to_string(cpu));
  }
  args.push_back(std::to_string(cpus.size()));
  args.insert(args.end(), cpus.begin(), cpus.end());
  AppendList(&args, plan.argv);
  AppendList(&args, plan.exec_candidates);
  AppendList(&args, plan.join_files);
  return args;
}

bool DecodeMonitorArgs(int argc, char** argv, char** envp, DecodedMonitorArgs* out) {
  if (argc < 8 || !DecodeNumbers(argv[1], out)) return false;
  MonitorPlan& plan = out->plan;
  plan.work_dir = argv[2];
  plan.stdout_path = argv[3];
  plan.stderr_path = argv[4];
  plan.status_path = argv[5];
  plan.status_tmp_path = argv[6];
  plan.lease_path = argv[7];
  int index = 8;
  if (!DecodeIdLists(argc, argv, &index, out) || !ReadList(argc, argv, &index, &out->argv) ||
      out->argv.size() < 2 || !ReadList(argc, argv, &index, &out->candidates) ||
      !ReadList(argc, argv, &index, &out->join_files) || index != argc) {
    return false;
  }
  plan.argv = out->argv.data();
  plan.envp = envp;
  plan.exec_candidates = out->candidates.data();
  plan.join_files = out->join_files.data();
  plan.groups = out->groups.data();
  plan.group_count = out->groups.size();
  return true;
}

}  // namespace sharc::agent::internal
