#include "agent/job_monitor.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>  // rename

#include "agent/agent_lease.h"
#include "agent/job_init.h"
#include "agent/process_launcher.h"  // LaunchStep
#include "agent/vfork_stack.h"

// Every call below must stay async-signal-safe (see job_monitor.h).
namespace sharc::agent::internal {
namespace {

// O_APPEND: after the agent cuts a file at its output_limit (output_limit.h), the job's
// writes go on at its new end instead of leaving a hole up to the old one.
constexpr int kOutputFlags = O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_NOFOLLOW | O_CLOEXEC;
constexpr mode_t kOutputMode = 0640;
// Never follows or reuses what is at the name: a fresh file or an error.
constexpr int kStatusFlags = O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC;
constexpr mode_t kStatusMode = 0600;
// The job's stack until its exec: SetUpJob and ExecAnyCandidate need a few KiB.
constexpr size_t kJobStackBytes = 64 * 1024;

// The job changes its ids with the raw system calls: they change only the calling task. It
// runs in the monitor's memory until its exec, and glibc's wrappers would go through the
// bookkeeping of the monitor's threads (setxid broadcasts), which is not the job's.
#ifdef SYS_setuid32  // 32-bit ABIs, where the plain calls take 16-bit ids
constexpr long kSysSetgroups = SYS_setgroups32;
constexpr long kSysSetgid = SYS_setgid32;
constexpr long kSysSetuid = SYS_setuid32;
#else
constexpr long kSysSetgroups = SYS_setgroups;
constexpr long kSysSetgid = SYS_setgid;
constexpr long kSysSetuid = SYS_setuid;
#endif

void CloseRange(int from, int to, int max_fd) {
  if (from > to) return;
#ifdef SYS_close_range
  if (syscall(SYS_close_range, static_cast<unsigned>(from), static_cast<unsigned>(to), 0u) == 0) {
    return;
  }
#endif
  for (int fd = from; fd <= to && fd <= max_fd; ++fd) close(fd);
}

// Closes every descriptor from 3 up except `keep` (ascending, each >= 3).
void CloseFdsExcept(const int* keep, int count, int max_fd) {
  int from = 3;
  for (int i = 0; i < count; ++i) {
    if (keep[i] < from) continue;
    CloseRange(from, keep[i] - 1, max_fd);
    from = keep[i] + 1;
  }
  CloseRange(from, 0x7fffffff, max_fd);
}

// Default disposition for every signal (SIGKILL and SIGSTOP, and the C library's internal
// signals, refuse; that is fine). The agent's ignored signals would otherwise reach the job.
void ResetSignalDispositions() {
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &action, nullptr);
}

// Reads the job's LaunchFailure; error 0 on EOF (it exec'd).
LaunchFailure ReadExecResult(int fd) {
  LaunchFailure value;
  size_t got = ReadAll(fd, &value, sizeof(value));
  if (got == 0) return LaunchFailure{};
  if (got != sizeof(value) || value.error == 0) value.error = EIO;
  if (value.step < 0 || value.step >= kLaunchStepCount) value.step = 0;
  return value;
}

bool WaitForJob(pid_t job, int* status) {
  while (waitpid(job, status, 0) < 0) {
    if (errno != EINTR) return false;
  }
  return true;
}

// Waits for the launcher's one-byte confirmation that it recorded the job (ConfirmRecorded);
// false on EOF or an error: the launcher is gone without it.
bool AwaitRecorded(int fd) {
  char recorded = 0;
  while (true) {
    ssize_t n = read(fd, &recorded, 1);
    if (n < 0 && errno == EINTR) continue;
    return n == 1;
  }
}

int64_t MonotonicMillis() {
  struct timespec now = {};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

// WaitForJob, watching the agent's lease meanwhile (agent_lease.h) when the plan has one: the
// lease is read every quarter of fence_after (50 ms to 1 s apart), and once it has stood still
// for fence_after the job's process group is killed and reaped; *fenced_after_ms then says how
// long it stood still. The job's end wakes the wait at once (SIGCHLD stays blocked in the
// monitor, so it waits pending for sigtimedwait).
bool WaitForJobOrFence(const MonitorPlan& plan, pid_t job, int* status, int64_t* fenced_after_ms) {
  if (plan.fence_after_ms <= 0 || plan.lease_path[0] == '\0') return WaitForJob(job, status);
  int64_t check_every = plan.fence_after_ms / 4;
  if (check_every < 50) check_every = 50;
  if (check_every > 1000) check_every = 1000;
  sigset_t child;
  sigemptyset(&child);
  sigaddset(&child, SIGCHLD);
  uint64_t seen = ReadLeaseCounter(plan.lease_path);
  int64_t renewed_at = MonotonicMillis();
  while (true) {
    pid_t ended = waitpid(job, status, WNOHANG);
    if (ended == job) return true;
    if (ended < 0 && errno != EINTR) return false;
    const struct timespec wait = {static_cast<time_t>(check_every / 1000),
                                  static_cast<long>(check_every % 1000) * 1'000'000};
    sigtimedwait(&child, nullptr, &wait);
    const uint64_t lease = ReadLeaseCounter(plan.lease_path);
    const int64_t now = MonotonicMillis();
    if (lease != seen) {
      seen = lease;
      renewed_at = now;
    } else if (now - renewed_at >= plan.fence_after_ms) {
      kill(-job, SIGKILL);
      kill(job, SIGKILL);
      *fenced_after_ms = now - renewed_at;
      return WaitForJob(job, status);
    }
  }
}

int64_t NowUnixMillis() {
  struct timespec now = {};
  clock_gettime(CLOCK_REALTIME, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000 + now.tv_nsec / 1'000'000;
}

char* AppendText(char* out, const char* text) {
  while (*text != '\0') *out++ = *text++;
  return out;
}

char* AppendDecimal(char* out, int64_t value) {
  if (value < 0) {
    *out++ = '-';
    value = -value;
  }
  char digits[20];
  int count = 0;
  do {
    digits[count++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value > 0);
  while (count > 0) *out++ = digits[--count];
  return out;
}

// Writes "<kind>[:<step>] <value> <end_unix_millis>\n" to the temporary file and renames it over
// the status file, so readers see all of it or nothing. No fsync: the status must survive the
// agent's crash (the page cache does), not the machine's (which ends the job anyway), and an
// fsync per job would dominate the cost of short jobs. Returns 0 or the errno of the failed
// step.
int WriteStatusFile(const MonitorPlan& plan, const char* kind, int value,
                    const char* step = nullptr) {
  char line[96];
  char* end = AppendText(line, kind);
  if (step != nullptr) {
    *end++ = ':';
    end = AppendText(end, step);
  }
  *end++ = ' ';
  end = AppendDecimal(end, value);
  *end++ = ' ';
  end = AppendDecimal(end, NowUnixMillis());
  *end++ = '\n';

  // A stale temporary file (a monitor killed mid-write) or anything planted there goes; the
  // name itself is removed, never what a symlink there points to.
  if (unlink(plan.status_tmp_path) != 0 && errno != ENOENT) return errno;
  int fd = open(plan.status_tmp_path, kStatusFlags, kStatusMode);
  if (fd < 0) return errno;
  bool written = WriteAll(fd, line, static_cast<size_t>(end - line));
  int error = written ? 0 : (errno != 0 ? errno : EIO);
  close(fd);
  if (error != 0) return error;
  if (rename(plan.status_tmp_path, plan.status_path) != 0) return errno;
  return 0;
}

// Writes the job's pid into each join file (a cgroup's procs file). Returns 0 or an errno.
int JoinGroups(const MonitorPlan& plan) {
  char pid_text[24];
  size_t size = static_cast<size_t>(AppendDecimal(pid_text, getpid()) - pid_text);
  for (const char* const* path = plan.join_files; *path != nullptr; ++path) {
    int fd = open(*path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return errno;
    bool written = WriteAll(fd, pid_text, size);
    int error = written ? 0 : (errno != 0 ? errno : EIO);
    if (close(fd) != 0 && error == 0 && errno != EINTR) error = errno;
    if (error != 0) return error;
  }
  return 0;
}

// Becomes plan.uid/gid/groups for good. Returns 0 or an errno (EPERM if the result is not
// exactly that identity).
int SwitchIdentity(const MonitorPlan& plan) {
  if (syscall(kSysSetgroups, plan.group_count, plan.groups) != 0) return errno;
  if (syscall(kSysSetgid, plan.gid) != 0) return errno;
  if (syscall(kSysSetuid, plan.uid) != 0) return errno;
  uid_t ruid, euid, suid;
  gid_t rgid, egid, sgid;
  if (getresuid(&ruid, &euid, &suid) != 0 || getresgid(&rgid, &egid, &sgid) != 0) return errno;
  if (ruid != plan.uid || euid != plan.uid || suid != plan.uid || rgid != plan.gid ||
      egid != plan.gid || sgid != plan.gid) {
    return EPERM;
  }
  // Root must be gone for good, not only set aside.
  if (plan.uid != 0 && syscall(kSysSetuid, 0) == 0) return EPERM;
  return 0;
}

// Set-up of the job process, in order (see LaunchJob). Returns the step that failed and its
// errno, or error 0.
LaunchFailure SetUpJob(const MonitorPlan& plan) {
  auto failed = [](LaunchStep step, int error) {
    return LaunchFailure{static_cast<int>(step), error};
  };
  if (setpgid(0, 0) != 0) return failed(LaunchStep::kProcessGroup, errno);
  if (int error = JoinGroups(plan); error != 0) return failed(LaunchStep::kJoinCgroups, error);
  if (chdir(plan.work_dir) != 0) return failed(LaunchStep::kWorkDir, errno);
  if (plan.switch_identity) {
    if (int error = SwitchIdentity(plan); error != 0) return failed(LaunchStep::kIdentity, error);
  }
  int out = open(plan.stdout_path, kOutputFlags, kOutputMode);
  if (out < 0) return failed(LaunchStep::kOpenStdout, errno);
  int err = plan.stderr_is_stdout ? out : open(plan.stderr_path, kOutputFlags, kOutputMode);
  if (err < 0) return failed(LaunchStep::kOpenStderr, errno);
  if (dup2(out, STDOUT_FILENO) < 0) return failed(LaunchStep::kOpenStdout, errno);
  if (dup2(err, STDERR_FILENO) < 0) return failed(LaunchStep::kOpenStderr, errno);
  close(out);
  if (err != out) close(err);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) return failed(LaunchStep::kStdin, errno);
  if (null_fd != STDIN_FILENO) {
    if (dup2(null_fd, STDIN_FILENO) < 0) return failed(LaunchStep::kStdin, errno);
    close(null_fd);
  }
  if (plan.bind_cpus && sched_setaffinity(0, sizeof(plan.cpus), &plan.cpus) != 0) {
    return failed(LaunchStep::kBindCpus, errno);
  }
  // Every disposition is the default already: the monitor reset them before starting the job.
  sigset_t none;
  sigemptyset(&none);
  if (sigprocmask(SIG_SETMASK, &none, nullptr) != 0) return failed(LaunchStep::kSignalMask, errno);
  if (plan.no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    return failed(LaunchStep::kNoNewPrivs, errno);
  }
  CloseFdsExcept(&plan.exec_write_fd, 1, plan.max_fd);
  return LaunchFailure{};
}

// Like execvpe: tries each candidate path; a missing file or directory moves on to the next,
// a permission error is remembered, anything else stops. Returns the errno to report.
int ExecAnyCandidate(const MonitorPlan& plan) {
  bool saw_eacces = false;
  int last = ENOENT;
  for (const char* const* path = plan.exec_candidates; *path != nullptr; ++path) {
    execve(*path, plan.argv, plan.envp);
    last = errno;
    if (last == EACCES) {
      saw_eacces = true;
    } else if (last != ENOENT && last != ENOTDIR && last != ESTALE && last != ENODEV &&
               last != ETIMEDOUT) {
      return last;
    }
  }
  return saw_eacces ? EACCES : last;
}

[[noreturn]] void RunJob(const MonitorPlan& plan) {
  close(plan.report_fd);
  close(plan.exec_read_fd);
  LaunchFailure failure = SetUpJob(plan);
  if (failure.error == 0) {
    failure = LaunchFailure{static_cast<int>(LaunchStep::kExec), ExecAnyCandidate(plan)};
  }
  WriteAll(plan.exec_write_fd, &failure, sizeof(failure));
  _exit(127);
}

int RunJobEntry(void* plan) { RunJob(*static_cast<const MonitorPlan*>(plan)); }

[[noreturn]] void Report(const MonitorPlan& plan, const MonitorReport& report, int exit_code) {
  WriteAll(plan.report_fd, &report, sizeof(report));
  _exit(exit_code);
}

}  // namespace

bool WriteAll(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

size_t ReadAll(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  size_t got = 0;
  while (got < size) {
    ssize_t n = read(fd, p + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  return got;
}

// Like vfork: the job shares the caller's memory (not its descriptors, ids, cwd or signal
// dispositions, which it gets copies of) and the caller waits until the job has exec'd or
// exited. No copy of the caller's page tables is made for a process that is about to exec.
// The job runs on `stack`, in this frame, which lives until the caller resumes.
pid_t SpawnJob(const MonitorPlan& plan) {
  alignas(64) char stack[kJobStackBytes];
  pid_t pid = clone(RunJobEntry, stack + sizeof(stack), CLONE_VM | CLONE_VFORK | SIGCHLD,
                    const_cast<MonitorPlan*>(&plan));
  ForgetChildFrames(stack, sizeof(stack));
  return pid;
}

void RunMonitor(const MonitorPlan& plan) {
  // Own session: the agent's terminal, process group and restarts do not reach it. Every
  // signal stays blocked (the launcher blocked them all before starting it) so that only SIGKILL
  // can lose a job's status; no handler of the agent stays installed.
  setsid();
  ResetSignalDispositions();
  MonitorReport report;
  // The agent's stdio may be a pipe someone reads to its end; the monitor must not hold it.
  // The pipes are all above 2 (see LaunchJob), so this cannot clobber them.
  int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
  if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(null_fd, STDOUT_FILENO) < 0 ||
      dup2(null_fd, STDERR_FILENO) < 0) {
    report.monitor_errno = errno;
    report.failed_step = MonitorReport::kDevNull;
    Report(plan, report, 1);
  }
  if (null_fd > STDERR_FILENO) close(null_fd);
  CloseFdsExcept(plan.keep_fds, 3, plan.max_fd);

  int init_status_fd = -1;
  pid_t job = plan.own_namespaces ? SpawnJobUnderInit(plan, &init_status_fd) : SpawnJob(plan);
  if (job < 0) {
    report.monitor_errno = errno;
    report.failed_step = MonitorReport::kForkJob;
    Report(plan, report, 1);
  }
  report.job_pid = job;
  setpgid(job, job);  // the job does the same; whichever runs first makes the group
  close(plan.exec_write_fd);
  LaunchFailure failure = ReadExecResult(plan.exec_read_fd);
  report.launch_errno = failure.error;
  report.launch_step = failure.step;
  close(plan.exec_read_fd);

  if (report.launch_errno != 0) {
    // The status file exists before LaunchJob returns: a launch failure is an ending.
    int ignored = 0;
    WaitForJob(job, &ignored);
    int error =
        WriteStatusFile(plan, "launch_failed", report.launch_errno, kLaunchStepNames[failure.step]);
    if (error != 0) {
      report.monitor_errno = error;
      report.failed_step = MonitorReport::kWriteStatus;
    }
    Report(plan, report, error != 0 ? 1 : 0);
  }
  WriteAll(plan.report_fd, &report, sizeof(report));
  if (!AwaitRecorded(plan.report_fd)) {
    // The launcher died (or gave up) before recording the job: nobody would ever learn of
    // it, and a restarted agent launches this attempt anew. It must not run on beside that
    // launch, nor write the status file that launch's monitor writes.
    kill(-job, SIGKILL);
    kill(job, SIGKILL);
    int ignored = 0;
    WaitForJob(job, &ignored);
    _exit(0);
  }
  close(plan.report_fd);

  int status = 0;
  int error = ECHILD;  // unreachable while SIGCHLD has its default disposition
  int64_t fenced_after_ms = -1;
  if (WaitForJobOrFence(plan, job, &status, &fenced_after_ms)) {
    if (plan.own_namespaces) status = JobWaitStatus(init_status_fd, status);
    if (fenced_after_ms >= 0) {
      error = WriteStatusFile(
          plan, "fenced",
          static_cast<int>(fenced_after_ms < INT32_MAX ? fenced_after_ms : INT32_MAX));
    } else if (WIFEXITED(status)) {
      error = WriteStatusFile(plan, "exited", WEXITSTATUS(status));
    } else if (WIFSIGNALED(status)) {
      error = WriteStatusFile(plan, "signaled", WTERMSIG(status));
    }
  }
  _exit(error & 0xff);  // 0, or the errno that kept the status from being written
}

}  // namespace sharc::agent::internal
