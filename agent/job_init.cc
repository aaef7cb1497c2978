#include "agent/job_init.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "agent/process_launcher.h"  // LaunchStep

// Every call below must stay async-signal-safe (see job_monitor.h).
namespace sharc::agent::internal {
namespace {

// The init's stack until it waits for signals: its set-up and SpawnJob's frame (whose own
// stack holds the job's until its exec) need little more than the job's.
constexpr size_t kInitStackBytes = 128 * 1024;

struct InitStart {
  const MonitorPlan* plan;
  int status_read_fd;   // the monitor's end, closed in the init
  int status_write_fd;  // the init's end
};

// `path` relative to `dir` when it lies inside it, else `path` unchanged.
const char* InsideDir(const char* path, const char* dir) {
  size_t length = strlen(dir);
  if (strncmp(path, dir, length) == 0 && path[length] == '/' && path[length + 1] != '\0') {
    return path + length + 1;
  }
  return path;
}

// A job directory under /tmp (the agent's state_dir lies there) is bound back at its own path
// in the job's new /tmp, so that the paths the job is given ($HOME, $SHARC_HOSTFILE) lead to it;
// only the directories on the way are made, root's and empty. The source is the init's cwd,
// the directory itself, taken before /tmp was covered. Returns 0 or an errno.
int BindWorkDirUnderTmp(const char* work_dir) {
  constexpr char kTmp[] = "/tmp/";
  if (strncmp(work_dir, kTmp, sizeof(kTmp) - 1) != 0) return 0;
  char path[4096];
  size_t length = strlen(work_dir);
  if (length >= sizeof(path)) return ENAMETOOLONG;
  memcpy(path, work_dir, length + 1);
  for (size_t i = sizeof(kTmp) - 1; i <= length; ++i) {
    if (path[i] != '/' && path[i] != '\0') continue;
    const char kept = path[i];
    path[i] = '\0';
    if (mkdir(path, 0755) != 0 && errno != EEXIST) return errno;
    path[i] = kept;
  }
  return mount(".", work_dir, nullptr, MS_BIND, nullptr) == 0 ? 0 : errno;
}

// In order: the init's own process group, mounts made private to the namespace, the job's
// /proc, cwd at the job's directory, the private /tmp and the job's directory in it.
LaunchFailure SetUpNamespaces(const MonitorPlan& plan) {
  auto failed = [](LaunchStep step, int error) {
    return LaunchFailure{static_cast<int>(step), error};
  };
  if (setpgid(0, 0) != 0) return failed(LaunchStep::kProcessGroup, errno);
  // Nothing mounted here may show on the node, whatever the propagation of its mounts.
  if (mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return failed(LaunchStep::kNamespaces, errno);
  }
  if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, nullptr) != 0) {
    return failed(LaunchStep::kNamespaces, errno);
  }
  if (chdir(plan.work_dir) != 0) return failed(LaunchStep::kWorkDir, errno);
  if (mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777") != 0) {
    return failed(LaunchStep::kNamespaces, errno);
  }
  if (int error = BindWorkDirUnderTmp(plan.work_dir); error != 0) {
    return failed(LaunchStep::kNamespaces, error);
  }
  return LaunchFailure{};
}

// Forwards signals sent from outside to every process of the namespace and reaps every
// child, until the job itself has ended. Returns its wait status.
int ForwardSignalsUntilTheJobEnds(pid_t job) {
  sigset_t all;
  sigfillset(&all);  // blocked already (the monitor's mask), so they queue for sigwaitinfo
  while (true) {
    siginfo_t info;
    int signal = sigwaitinfo(&all, &info);
    if (signal < 0) continue;  // EINTR
    if (signal != SIGCHLD) {
      // kill(-1) from PID 1 reaches every other process of the namespace.
      if (info.si_code == SI_USER || info.si_code == SI_QUEUE) kill(-1, signal);
      continue;
    }
    int status = 0;
    pid_t reaped;
    while ((reaped = waitpid(-1, &status, WNOHANG)) > 0) {
      if (reaped == job) return status;
    }
  }
}

[[noreturn]] void RunInit(const InitStart& start) {
  const MonitorPlan& plan = *start.plan;
  close(start.status_read_fd);
  close(plan.report_fd);
  close(plan.exec_read_fd);
  LaunchFailure failure = SetUpNamespaces(plan);
  pid_t job = -1;
  if (failure.error == 0) {
    MonitorPlan job_plan = plan;
    job_plan.work_dir = ".";  // the init's cwd, which the job inherits
    job_plan.stdout_path = InsideDir(plan.stdout_path, plan.work_dir);
    job_plan.stderr_path = InsideDir(plan.stderr_path, plan.work_dir);
    job = SpawnJob(job_plan);
    if (job < 0) failure = LaunchFailure{static_cast<int>(LaunchStep::kNamespaces), errno};
  }
  if (failure.error != 0) {
    WriteAll(plan.exec_write_fd, &failure, sizeof(failure));
    _exit(127);
  }
  close(plan.exec_write_fd);  // the job's exec result is the monitor's to read now
  int status = ForwardSignalsUntilTheJobEnds(job);
  WriteAll(start.status_write_fd, &status, sizeof(status));
  _exit(0);  // the kernel kills what is left of the namespace
}

int RunInitEntry(void* start) { RunInit(*static_cast<const InitStart*>(start)); }

}  // namespace

pid_t SpawnJobUnderInit(const MonitorPlan& plan, int* status_fd) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return -1;
  InitStart start = {&plan, fds[0], fds[1]};
  // Not CLONE_VM: the init runs beside the monitor, on a copy of this (small) process.
  alignas(64) char stack[kInitStackBytes];
  pid_t init =
      clone(RunInitEntry, stack + sizeof(stack), CLONE_NEWPID | CLONE_NEWNS | SIGCHLD, &start);
  int error = errno;
  close(fds[1]);
  if (init < 0) {
    close(fds[0]);
    errno = error;
    return -1;
  }
  *status_fd = fds[0];
  return init;
}

int JobWaitStatus(int status_fd, int init_status) {
  int status = 0;
  bool reported = ReadAll(status_fd, &status, sizeof(status)) == sizeof(status);
  close(status_fd);
  return reported ? status : init_status;
}

}  // namespace sharc::agent::internal
