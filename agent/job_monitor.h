// Internal to the process launcher: the code of the job monitor (the sharc-job-monitor
// program, job_monitor_main.cc) and of the job it starts. The monitor starts the job
// vfork-style (clone with CLONE_VM | CLONE_VFORK): until its exec the job runs in the
// monitor's memory, so the job's code may only make async-signal-safe calls (no allocation,
// no locks, no stdio, no exceptions) and writes nothing but its own stack; the monitor waits
// meanwhile. Everything either needs is prepared beforehand in a MonitorPlan.
#ifndef SHARC_AGENT_JOB_MONITOR_H_
#define SHARC_AGENT_JOB_MONITOR_H_

#include <sched.h>
#include <sys/types.h>

#include <cstddef>

namespace sharc::agent::internal {

// What the monitor and the job need (job_monitor_args.h carries it to the monitor). The
// pointers point into storage the monitor owns.
struct MonitorPlan {
  char* const* argv = nullptr;                   // null-terminated
  char* const* envp = nullptr;                   // null-terminated
  const char* const* exec_candidates = nullptr;  // paths to execve in turn, null-terminated
  const char* const* join_files = nullptr;       // pid files to write, null-terminated
  const char* work_dir = nullptr;
  bool switch_identity = false;  // then become uid/gid/groups
  uid_t uid = 0;
  gid_t gid = 0;
  const gid_t* groups = nullptr;
  size_t group_count = 0;
  const char* stdout_path = nullptr;  // absolute (the job opens it after its chdir)
  const char* stderr_path = nullptr;  // ignored if stderr_is_stdout
  bool stderr_is_stdout = false;
  const char* status_path = nullptr;
  const char* status_tmp_path = nullptr;  // created exclusively, written, renamed over status_path
  bool bind_cpus = false;
  cpu_set_t cpus;
  bool no_new_privs = false;
  // The job gets a PID namespace and a mount namespace of its own, under an init (job_init.h).
  bool own_namespaces = false;
  // The agent's lease (agent_lease.h): once the counter at lease_path has stood still for
  // fence_after_ms, the monitor kills the job's process group and the status file says
  // "fenced". No lease when fence_after_ms is 0.
  const char* lease_path = "";
  long long fence_after_ms = 0;
  int report_fd = -1;      // the monitor's end of the channel: the report out, "recorded" in
  int exec_read_fd = -1;   // read end of the job -> monitor pipe (exec errno; EOF = exec'd)
  int exec_write_fd = -1;  // its write end, close-on-exec
  int keep_fds[3] = {-1, -1, -1};  // the three descriptors above, ascending, all above 2
  int max_fd = 1024;               // highest fd to close() one by one if close_range is unavailable
};

// What the monitor tells the launcher, in one write. monitor_errno != 0 means the monitor
// failed at `failed_step` and no job runs (job_pid is -1 if the job could not be forked).
struct MonitorReport {
  enum Step : int { kNone = 0, kDevNull = 1, kForkJob = 2, kWriteStatus = 3, kStartMonitor = 4 };
  pid_t job_pid = -1;
  int launch_errno = 0;  // the job's set-up or exec failed with this errno
  int launch_step = 0;   // at this LaunchStep (process_launcher.h)
  int monitor_errno = 0;
  int failed_step = kNone;
};

// What the job (or its init) sends the monitor when its set-up or exec fails.
struct LaunchFailure {
  int step = 0;   // a LaunchStep
  int error = 0;  // errno; 0: none (the job exec'd)
};

// Starts the job vfork-style (see the top of this file) and returns once it has exec'd or
// failed to (then it has written a LaunchFailure to plan.exec_write_fd). The job's pid, or
// -1 with errno.
pid_t SpawnJob(const MonitorPlan& plan);

// write(2) until all of `data` is written; false on an error other than EINTR.
bool WriteAll(int fd, const void* data, size_t size);
// read(2) until `size` bytes, EOF or an error other than EINTR; returns how many it read.
size_t ReadAll(int fd, void* data, size_t size);

// The monitor's whole life (sharc-job-monitor's main calls it). Never returns: once the job
// has run it exits 0 after writing the status file, or with the errno that prevented it.
[[noreturn]] void RunMonitor(const MonitorPlan& plan);

}  // namespace sharc::agent::internal

#endif  // SHARC_AGENT_JOB_MONITOR_H_
