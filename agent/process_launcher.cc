#include "agent/process_launcher.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <string_view>
#include <utility>

#include "agent/job_monitor.h"
#include "agent/job_monitor_args.h"
#include "agent/vfork_stack.h"
#include "core/unique_fd.h"

namespace sharc::agent {
namespace {

using internal::MonitorPlan;
using internal::MonitorReport;

// What execvp uses when the environment has no PATH.
constexpr std::string_view kDefaultPath = "/bin:/usr/bin";
constexpr std::string_view kMonitorProgramName = "sharc-job-monitor";
// Where the monitor finds its end of the report pipe (job_monitor_main.cc).
constexpr int kMonitorReportFd = 3;
// The stack the starting monitor uses until its exec (a few system calls).
constexpr size_t kSpawnStackBytes = 32 * 1024;

std::string ErrnoText(int error) { return std::strerror(error); }

// A close-on-exec stream socket pair (the monitor reports on one end and awaits the record
// confirmation on it) whose ends are both above the standard descriptors, so the monitor can
// point 0-2 at /dev/null without clobbering them even if the agent runs with 0-2 closed.
Status MakeChannel(UniqueFd* launcher_end, UniqueFd* monitor_end) {
  int fds[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, fds) != 0) {
    return InternalError("socketpair: " + ErrnoText(errno));
  }
  UniqueFd ends[2] = {UniqueFd(fds[0]), UniqueFd(fds[1])};
  for (UniqueFd& end : ends) {
    if (end.get() > STDERR_FILENO) continue;
    int moved = fcntl(end.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (moved < 0) return InternalError("fcntl(F_DUPFD_CLOEXEC): " + ErrnoText(errno));
    end.Reset(moved);
  }
  *launcher_end = std::move(ends[0]);
  *monitor_end = std::move(ends[1]);
  return Status::Ok();
}

Status CheckNoNul(std::string_view what, const std::string& value) {
  if (value.find('\0') != std::string::npos) {
    return InvalidArgumentError(std::string(what) + ": must not contain a NUL character");
  }
  return Status::Ok();
}

Status CheckPath(std::string_view what, const std::string& path) {
  if (path.empty()) return InvalidArgumentError(std::string(what) + ": must not be empty");
  return CheckNoNul(what, path);
}

Status ValidateSpec(const LaunchSpec& spec) {
  if (spec.argv.empty() || spec.argv[0].empty()) {
    return InvalidArgumentError("argv: needs a program name");
  }
  for (const std::string& arg : spec.argv) SHARC_RETURN_IF_ERROR(CheckNoNul("argv", arg));
  for (const auto& [key, value] : spec.env) {
    if (key.empty() || key.find('=') != std::string::npos) {
      return InvalidArgumentError("env: variable name '" + key +
                                  "' must be non-empty and without '='");
    }
    SHARC_RETURN_IF_ERROR(CheckNoNul("env " + key, key + value));
  }
  SHARC_RETURN_IF_ERROR(CheckPath("work_dir", spec.work_dir));
  SHARC_RETURN_IF_ERROR(CheckPath("stdout_path", spec.stdout_path));
  SHARC_RETURN_IF_ERROR(CheckPath("stderr_path", spec.stderr_path));
  SHARC_RETURN_IF_ERROR(CheckPath("status_path", spec.status_path));
  SHARC_RETURN_IF_ERROR(CheckNoNul("lease_path", spec.lease_path));
  for (const std::string& path : spec.join_files) {
    SHARC_RETURN_IF_ERROR(CheckPath("join_files", path));
  }
  for (int cpu : spec.bind_cpus) {
    if (cpu < 0 || cpu >= CPU_SETSIZE) {
      return InvalidArgumentError("bind_cpus: " + std::to_string(cpu) + " is not a CPU index");
    }
  }
  return Status::Ok();
}

// The paths execve tries, in order. A program name with a '/' is used as it is; otherwise
// each entry of the job's PATH in turn, where an empty entry means the current directory.
// Relative results are resolved by execve against work_dir, the job's cwd by then.
std::vector<std::string> ExecCandidates(const LaunchSpec& spec) {
  const std::string& program = spec.argv[0];
  if (program.find('/') != std::string::npos) return {program};
  auto path_it = spec.env.find("PATH");
  std::string_view path = path_it != spec.env.end() ? path_it->second : kDefaultPath;
  std::vector<std::string> candidates;
  size_t start = 0;
  while (true) {
    size_t end = std::min(path.find(':', start), path.size());
    std::string_view dir = path.substr(start, end - start);
    candidates.push_back(dir.empty() ? program : std::string(dir) + "/" + program);
    if (end == path.size()) break;
    start = end + 1;
  }
  return candidates;
}

UnixMillis NowUnixMillis() {
  struct timespec now = {};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<UnixMillis>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

// `path` made absolute against the caller's cwd: the job opens its output files after it
// has changed to work_dir.
StatusOr<std::string> AbsolutePath(std::string_view what, const std::string& path) {
  if (path.front() == '/') return path;
  std::error_code error;
  std::filesystem::path cwd = std::filesystem::current_path(error);
  if (error) {
    return InternalError(
        std::string(what) + " '" + path +
        "' is relative and the current directory cannot be read: " + error.message());
  }
  return (cwd / path).string();
}

// Owns every string and array the monitor's start reads.
struct PreparedLaunch {
  std::vector<std::string> argv;
  std::vector<std::string> env;
  std::vector<std::string> candidates;
  std::vector<char*> argv_ptrs;
  std::vector<char*> env_ptrs;
  std::vector<const char*> candidate_ptrs;
  std::vector<const char*> join_ptrs;
  std::vector<gid_t> groups;
  std::string stdout_path;
  std::string stderr_path;
  std::string status_tmp;
  MonitorPlan plan;
  std::string monitor_program;
  std::vector<std::string> monitor_args;  // EncodeMonitorArgs
  std::vector<char*> monitor_argv;
};

// sharc-job-monitor in the directory of this process's executable.
StatusOr<std::string> DefaultMonitorProgram() {
  std::error_code error;
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe", error);
  if (error)
    return InternalError("cannot find sharc-job-monitor: /proc/self/exe: " + error.message());
  return (self.parent_path() / kMonitorProgramName).string();
}

Status Prepare(const LaunchSpec& spec, PreparedLaunch& out) {
  if (!spec.monitor_program.empty()) {
    out.monitor_program = spec.monitor_program;
  } else {
    static const StatusOr<std::string> kDefault = DefaultMonitorProgram();
    SHARC_ASSIGN_OR_RETURN(out.monitor_program, kDefault);
  }
  SHARC_ASSIGN_OR_RETURN(out.stdout_path, AbsolutePath("stdout_path", spec.stdout_path));
  SHARC_ASSIGN_OR_RETURN(out.stderr_path, AbsolutePath("stderr_path", spec.stderr_path));
  for (const std::string& path : spec.join_files) out.join_ptrs.push_back(path.c_str());
  out.join_ptrs.push_back(nullptr);
  out.argv = spec.argv;
  for (const auto& [key, value] : spec.env) out.env.push_back(key + "=" + value);
  out.candidates = ExecCandidates(spec);
  for (std::string& arg : out.argv) out.argv_ptrs.push_back(arg.data());
  out.argv_ptrs.push_back(nullptr);
  for (std::string& var : out.env) out.env_ptrs.push_back(var.data());
  out.env_ptrs.push_back(nullptr);
  for (const std::string& path : out.candidates) out.candidate_ptrs.push_back(path.c_str());
  out.candidate_ptrs.push_back(nullptr);
  out.status_tmp = spec.status_path + ".tmp";

  MonitorPlan& plan = out.plan;
  plan.argv = out.argv_ptrs.data();
  plan.envp = out.env_ptrs.data();
  plan.exec_candidates = out.candidate_ptrs.data();
  plan.join_files = out.join_ptrs.data();
  plan.work_dir = spec.work_dir.c_str();
  if (spec.identity.has_value()) {
    out.groups = spec.identity->groups;
    plan.switch_identity = true;
    plan.uid = spec.identity->uid;
    plan.gid = spec.identity->gid;
    plan.groups = out.groups.data();
    plan.group_count = out.groups.size();
  }
  plan.stdout_path = out.stdout_path.c_str();
  plan.stderr_path = out.stderr_path.c_str();
  plan.stderr_is_stdout = spec.stderr_path == spec.stdout_path;
  plan.status_path = spec.status_path.c_str();
  plan.status_tmp_path = out.status_tmp.c_str();
  plan.bind_cpus = !spec.bind_cpus.empty();
  plan.no_new_privs = spec.no_new_privs;
  plan.own_namespaces = spec.own_namespaces;
  plan.lease_path = spec.lease_path.c_str();
  plan.fence_after_ms =
      std::max<int64_t>(0, spec.fence_after_ms);  // no lease_path: no fence (the monitor)
  CPU_ZERO(&plan.cpus);
  for (int cpu : spec.bind_cpus) CPU_SET(cpu, &plan.cpus);
  struct rlimit files = {};
  if (getrlimit(RLIMIT_NOFILE, &files) == 0 && files.rlim_cur != RLIM_INFINITY) {
    plan.max_fd = static_cast<int>(std::min<rlim_t>(files.rlim_cur, 1 << 20));
  }
  plan.report_fd = kMonitorReportFd;
  out.monitor_args = internal::EncodeMonitorArgs(out.monitor_program, plan);
  for (std::string& arg : out.monitor_args) out.monitor_argv.push_back(arg.data());
  out.monitor_argv.push_back(nullptr);
  return Status::Ok();
}

struct MonitorStart {
  const char* program;
  char* const* argv;
  char* const* envp;
  int report_fd;  // the monitor's end of the channel, moved to kMonitorReportFd
};

// Runs in the launching process's memory until its exec (see SpawnMonitor): raw system calls
// only, nothing written but this stack and errno.
int ExecMonitor(void* arg) {
  const MonitorStart& start = *static_cast<const MonitorStart*>(arg);
  int report_fd = start.report_fd;
  bool moved = report_fd == kMonitorReportFd ? fcntl(report_fd, F_SETFD, 0) == 0
                                             : dup2(report_fd, kMonitorReportFd) >= 0;
  if (moved) {
    report_fd = kMonitorReportFd;
    execve(start.program, start.argv, start.envp);
  }
  MonitorReport report;
  report.monitor_errno = errno;
  report.failed_step = MonitorReport::kStartMonitor;
  ssize_t ignored = write(report_fd, &report, sizeof(report));
  (void)ignored;
  _exit(127);
}

// Starts sharc-job-monitor vfork-style: the child shares this process's memory (not its
// descriptors) until it execs, and this thread waits meanwhile, so nothing of the agent is
// copied or write-protected. The child's stack is this frame's. Returns its pid, or -1.
pid_t SpawnMonitor(const PreparedLaunch& prepared, int report_fd) {
  MonitorStart start = {prepared.monitor_program.c_str(), prepared.monitor_argv.data(),
                        prepared.env_ptrs.data(), report_fd};
  alignas(64) char stack[kSpawnStackBytes];
  pid_t pid = clone(ExecMonitor, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD, &start);
  ForgetChildFrames(stack, sizeof(stack));
  return pid;
}

// Reads the monitor's report; false if the monitor closed the pipe without one.
bool ReadReport(int fd, MonitorReport* report) {
  size_t got = 0;
  while (got < sizeof(*report)) {
    ssize_t n = read(fd, reinterpret_cast<char*>(report) + got, sizeof(*report) - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

void WaitForExit(pid_t pid) {
  while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
  }
}

std::string_view FailedStepName(int step) {
  switch (step) {
    case MonitorReport::kDevNull:
      return "open /dev/null";
    case MonitorReport::kForkJob:
      return "fork the job";
    case MonitorReport::kWriteStatus:
      return "write the status file";
    case MonitorReport::kStartMonitor:
      return "start";
    default:
      return "start";
  }
}

}  // namespace

StartedLaunch::StartedLaunch(StartedLaunch&& other) noexcept
    : monitor_pid_(std::exchange(other.monitor_pid_, -1)),
      channel_fd_(std::exchange(other.channel_fd_, -1)),
      start_time_(other.start_time_),
      program_(std::move(other.program_)),
      monitor_program_(std::move(other.monitor_program_)) {}

StartedLaunch& StartedLaunch::operator=(StartedLaunch&& other) noexcept {
  if (this != &other) {
    if (channel_fd_ >= 0) close(channel_fd_);
    monitor_pid_ = std::exchange(other.monitor_pid_, -1);
    channel_fd_ = std::exchange(other.channel_fd_, -1);
    start_time_ = other.start_time_;
    program_ = std::move(other.program_);
    monitor_program_ = std::move(other.monitor_program_);
  }
  return *this;
}

StartedLaunch::~StartedLaunch() {
  if (channel_fd_ >= 0) close(channel_fd_);
}

StatusOr<StartedLaunch> StartLaunch(const LaunchSpec& spec) {
  SHARC_RETURN_IF_ERROR(ValidateSpec(spec));
  PreparedLaunch prepared;
  SHARC_RETURN_IF_ERROR(Prepare(spec, prepared));
  UniqueFd channel, monitor_end;
  SHARC_RETURN_IF_ERROR(MakeChannel(&channel, &monitor_end));

  // Blocked across the start so that no handler of the agent runs in the child (in the
  // agent's memory); the monitor keeps them blocked, the job unblocks them.
  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  StartedLaunch started;
  started.start_time_ = NowUnixMillis();
  pid_t monitor = SpawnMonitor(prepared, monitor_end.get());
  int spawn_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  if (monitor < 0) return InternalError("start of the job monitor: " + ErrnoText(spawn_errno));
  started.monitor_pid_ = monitor;
  started.channel_fd_ = channel.Release();
  started.program_ = spec.argv[0];
  started.monitor_program_ = std::move(prepared.monitor_program);
  return started;
}

StatusOr<LaunchedJob> FinishLaunch(StartedLaunch launch) {
  UniqueFd channel(std::exchange(launch.channel_fd_, -1));
  // The caller's event loop may have made the channel non-blocking (a flag its own duplicate
  // shares): this read waits.
  int flags = fcntl(channel.get(), F_GETFL);
  if (flags >= 0 && (flags & O_NONBLOCK) != 0) fcntl(channel.get(), F_SETFL, flags & ~O_NONBLOCK);
  MonitorReport report;
  if (!ReadReport(channel.get(), &report)) {
    WaitForExit(launch.monitor_pid_);
    return InternalError("the job monitor exited before reporting the launch of '" +
                         launch.program_ + "'");
  }
  if (report.monitor_errno != 0) {
    WaitForExit(launch.monitor_pid_);
    return InternalError("the job monitor (" + launch.monitor_program_ + ") could not " +
                         std::string(FailedStepName(report.failed_step)) + " for '" +
                         launch.program_ + "': " + ErrnoText(report.monitor_errno));
  }
  LaunchedJob launched;
  launched.start_time = launch.start_time_;
  launched.monitor_pid = launch.monitor_pid_;
  launched.job_pid = report.job_pid;
  // After a launch failure the monitor has exited: there is nothing to confirm.
  if (report.launch_errno == 0) launched.record_fd = channel.Release();
  return launched;
}

StatusOr<LaunchedJob> LaunchJob(const LaunchSpec& spec) {
  SHARC_ASSIGN_OR_RETURN(StartedLaunch started, StartLaunch(spec));
  return FinishLaunch(std::move(started));
}

void ConfirmRecorded(LaunchedJob& job) {
  if (job.record_fd < 0) return;
  const char recorded = 1;
  // A failed write leaves the monitor to read EOF: it kills the job, as it must when the
  // launcher cannot vouch for the record.
  while (send(job.record_fd, &recorded, 1, MSG_NOSIGNAL) < 0 && errno == EINTR) {
  }
  close(job.record_fd);
  job.record_fd = -1;
}

Status SignalJob(pid_t job_pgid, int signal) {
  if (job_pgid <= 1) {
    return InvalidArgumentError("job process group " + std::to_string(job_pgid) +
                                " is not a job's (it must be above 1)");
  }
  if (kill(-job_pgid, signal) == 0 || errno == ESRCH) return Status::Ok();
  if (errno == EINVAL) return InvalidArgumentError("invalid signal " + std::to_string(signal));
  return InternalError("kill(-" + std::to_string(job_pgid) + ", " + std::to_string(signal) +
                       "): " + ErrnoText(errno));
}

bool TryReapMonitor(pid_t monitor_pid, int* wait_status) {
  if (monitor_pid <= 0) return true;
  while (true) {
    pid_t reaped = waitpid(monitor_pid, wait_status, WNOHANG);
    if (reaped == monitor_pid) return true;
    if (reaped == 0) return false;
    if (errno == EINTR) continue;
    return true;  // ECHILD: not (or no longer) our child; nothing to reap
  }
}

}  // namespace sharc::agent
