// Starts a job attempt as real processes and learns how it ended, in a way that survives the
// agent's own restarts.
//
// Process shape:
//   agent ──vfork-style clone + exec──> monitor (sharc-job-monitor; own session via setsid)
//                      └──vfork-style clone──> job (own process group; binds CPUs; execvp's
//                                                  the command)
// Neither start copies the parent's memory: the child runs in it until its exec, with the
// parent's thread waiting. The monitor only waits for the job and writes its exit status to
// `status_path` (atomically, via a temporary file and rename), then exits. It holds only
// /dev/null on fds 0-2, and blocks every signal it can (SIGKILL still ends it). Because
// it is not the job, killing the job's process group never loses the status, and because it
// has its own session, an agent crash or restart does not end the job. The monitor keeps the
// caller's identity and cgroups: only the job joins `join_files` and switches to `identity`.
//
// The status file holds one line: "exited <code> <end_unix_millis>", "signaled <signal>
// <end_unix_millis>", "launch_failed:<step> <errno> <end_unix_millis>" (exec or a set-up
// step failed; the step as kLaunchStepNames names it), or "fenced <ms> <end_unix_millis>" (the
// monitor killed the job: the agent's lease had stood still for <ms>; see LaunchSpec).
#ifndef SHARC_AGENT_PROCESS_LAUNCHER_H_
#define SHARC_AGENT_PROCESS_LAUNCHER_H_

#include <sys/types.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/status.h"

namespace sharc::agent {

struct LaunchSpec {
  // Who the job runs as: the job switches to these before it opens its output files.
  struct Identity {
    uid_t uid = 0;
    gid_t gid = 0;              // primary group
    std::vector<gid_t> groups;  // the complete supplementary list (empty = none)
  };

  std::vector<std::string> argv;           // argv[0] is searched in the env's PATH
  std::map<std::string, std::string> env;  // the job's complete environment
  std::string work_dir;                    // must exist; the job's cwd
  std::string stdout_path;                 // created (O_NOFOLLOW, 0640), truncated, by the job
  std::string stderr_path;                 // (as `identity`, so the files belong to it)
  // Written by the monitor (as the caller, mode 0600) when the job ends. Its directory must
  // not be writable by the job's user: a job that can create files there could forge its own
  // exit status.
  std::string status_path;
  std::vector<int> bind_cpus;  // PU OS indices; empty = do not bind
  // Files the job writes its own pid into (decimal, no newline) before anything else: the
  // procs files of its cgroups. Each must exist (opened O_WRONLY, never created).
  std::vector<std::string> join_files;
  // The job and everything it starts can never gain privileges (prctl PR_SET_NO_NEW_PRIVS):
  // setuid and file-capability programs run without them.
  bool no_new_privs = true;
  // nullopt: the job keeps the caller's identity. Switching needs the caller to be root
  // (CAP_SETUID and CAP_SETGID); otherwise the launch fails with EPERM.
  std::optional<Identity> identity;
  // The job runs in a PID namespace and a mount namespace of its own, under an init that
  // stands for it (its pid is job_pid; it forwards the signals sent to it to every process
  // of the job): its own /proc, so that it sees no other process of the node, and an empty
  // tmpfs on /tmp (charged to the job's memory cgroup; a work_dir under /tmp is bound back at
  // its own path in it, so that the job's absolute paths to it hold). Needs CAP_SYS_ADMIN. Output
  // paths inside work_dir are opened relative to it, so work_dir may lie under /tmp.
  bool own_namespaces = false;
  // Fencing when the agent is gone (agent_lease.h): the monitor reads the lease at lease_path
  // and kills the job's process group once it has not been renewed for fence_after_ms; the
  // status then says "fenced". 0: the job runs on however long the agent is away.
  std::string lease_path;
  int64_t fence_after_ms = 0;
  // The monitor program; "" means sharc-job-monitor in the directory of the calling
  // process's executable (where the build and the install put it, next to sharc-agent).
  std::string monitor_program;
};

struct LaunchedJob {
  pid_t monitor_pid = -1;  // a child of the calling process
  pid_t job_pid = -1;      // also the job's process group id
  UnixMillis start_time = 0;
  // The caller's end of the channel to the monitor (close-on-exec), for ConfirmRecorded;
  // -1 when the job failed to launch (nothing to confirm: the monitor has exited).
  int record_fd = -1;
};

// Starts the monitor, which starts the job, and returns once the job has exec'd (or failed to: then
// the status file already says launch_failed and the monitor has exited; the call still succeeds,
// so the failure is reported like any other ending). Internal only if clone or pipe fail, the
// monitor program cannot be run, or the monitor cannot start the job or write the launch_failed
// status; InvalidArgument for a malformed spec (empty argv, a NUL byte, an empty or '='-containing
// variable name, an empty path (join files included), a CPU index outside [0, CPU_SETSIZE)),
// and Internal if the caller's cwd cannot be read for a relative output path.
//
// The job sets itself up in this order: own process group; write its pid into each join
// file; chdir to work_dir; if `identity`: setgroups, setgid, setuid (then checks that real,
// effective and saved ids all are the new ones, and that it cannot get root back); open
// stdout/stderr; stdin from /dev/null; bind CPUs; reset signals; no_new_privs; close other fds;
// exec.
//
// Details: a failure to set the job up (write a join file, chdir to work_dir, switch
// identity, open its output files, bind) is reported as launch_failed with that errno, like
// an exec failure; ids the kernel refuses (e.g. uid -1, more than NGROUPS_MAX groups) end
// there too (EINVAL). argv[0] without a '/' is
// looked up like execvpe does, in the env's PATH ("/bin:/usr/bin" if it has none; an empty
// entry means work_dir), trying each entry with execve in the job itself; there is no shell
// fallback for a file without a #! line (ENOEXEC). argv[0] with a '/' and relative PATH
// entries are relative to work_dir; relative stdout/stderr/status/join paths are relative to
// the caller's cwd. stdout_path == stderr_path shares one file. The job starts with default
// signal dispositions, an empty signal mask, stdin on /dev/null and only fds 0-2 open.
// Thread-safe; blocks the calling thread until the exec.
//
// The job then runs on only once the caller has recorded it (ConfirmRecorded): should the
// caller die first, the monitor sees its end of the channel close, kills the job's process
// group, writes no status and exits, so that a launch nobody recorded never runs on unknown
// beside the launch of the same attempt that a restarted agent makes anew.
StatusOr<LaunchedJob> LaunchJob(const LaunchSpec& spec);

// LaunchJob in two halves, for a caller that starts other launches while a job sets itself up
// (the agent's event loop): StartLaunch returns once the monitor runs, FinishLaunch once the
// monitor has reported the job's exec (at once when report_fd() is readable). Destroying a
// StartedLaunch that was not finished closes the channel: the monitor then kills the job, as
// for any launch that was never confirmed, and exits; it is the caller's child, to reap
// (TryReapMonitor).
class StartedLaunch {
 public:
  StartedLaunch(StartedLaunch&& other) noexcept;
  StartedLaunch& operator=(StartedLaunch&& other) noexcept;
  ~StartedLaunch();

  pid_t monitor_pid() const { return monitor_pid_; }
  // Readable once the monitor has reported (or exited); owned by this object. For waiting on
  // only (poll, an event loop on a duplicate): FinishLaunch reads the report.
  int report_fd() const { return channel_fd_; }

 private:
  friend StatusOr<StartedLaunch> StartLaunch(const LaunchSpec& spec);
  friend StatusOr<LaunchedJob> FinishLaunch(StartedLaunch launch);
  StartedLaunch() = default;

  pid_t monitor_pid_ = -1;
  int channel_fd_ = -1;
  UnixMillis start_time_ = 0;
  std::string program_;          // the job's argv[0], for messages
  std::string monitor_program_;  // for messages
};

// LaunchJob's first half: the same checks and errors, up to the monitor's start.
StatusOr<StartedLaunch> StartLaunch(const LaunchSpec& spec);
// LaunchJob's second half: waits for the monitor's report and returns what LaunchJob does.
// The channel is made blocking again first (an event loop watching a duplicate of it may have
// set O_NONBLOCK, which duplicates share); the returned record_fd is blocking.
StatusOr<LaunchedJob> FinishLaunch(StartedLaunch launch);

// Tells the monitor that the caller has recorded the job (so that a caller restarted later
// re-adopts it), and closes the channel. Closing the channel without confirming has the job
// killed. A no-op when record_fd is -1; sets it to -1.
void ConfirmRecorded(LaunchedJob& job);

// The step of the job's set-up (in LaunchJob's order) that failed, for launch_failed.
enum class LaunchStep : int {
  kUnknown = 0,  // a status file written before steps were recorded
  kProcessGroup,
  kNamespaces,  // the job's own PID and mount namespaces, /proc and /tmp (own_namespaces)
  kJoinCgroups,
  kWorkDir,  // chdir to work_dir
  kIdentity,
  kOpenStdout,
  kOpenStderr,
  kStdin,
  kBindCpus,
  kSignalMask,
  kNoNewPrivs,
  kExec,
};
inline constexpr int kLaunchStepCount = static_cast<int>(LaunchStep::kExec) + 1;
// The names the status file uses ("chdir", "exec", ...), indexed by LaunchStep.
inline constexpr const char* kLaunchStepNames[kLaunchStepCount] = {
    "unknown",     "setpgid",      "namespaces",  "join_cgroups", "chdir",
    "identity",    "open_stdout",  "open_stderr", "open_stdin",   "bind_cpus",
    "sigprocmask", "no_new_privs", "exec"};

struct ExitStatus {
  enum class Kind { kExited, kSignaled, kLaunchFailed, kFenced } kind = Kind::kExited;
  int value = 0;  // exit code, signal number, errno, or how long the lease stood still (ms)
  UnixMillis end_time = 0;
  LaunchStep launch_step = LaunchStep::kUnknown;  // for kLaunchFailed
};

// Reads a status file: nullopt if it does not exist yet, InvalidArgument if it is malformed,
// Internal if it cannot be read (a symlink is not followed).
StatusOr<std::optional<ExitStatus>> ReadExitStatus(const std::string& status_path);

// Sends `signal` to the job's whole process group. OK if the group no longer exists;
// InvalidArgument for a group id <= 1 (kill would reach other processes) or a bad signal.
Status SignalJob(pid_t job_pgid, int signal);

// Reaps the monitor if it is our child and has exited; true once it has. Non-blocking.
// Also true when it is not (or no longer) our child, e.g. after an agent restart: there is
// nothing to reap then, and the status file is the only record. When it reaps the monitor
// and `wait_status` is given, stores the monitor's own wait status there.
bool TryReapMonitor(pid_t monitor_pid, int* wait_status = nullptr);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_PROCESS_LAUNCHER_H_
