// Starts a job attempt as real processes and learns how it ended, in a way that survives the
// agent's own restarts.
//
// Process shape:
//   agent ──fork──> monitor (a fork of the agent, no exec; own session via setsid)
//                      └──fork──> job (own process group; binds CPUs; execvp's the command)
// The monitor only waits for the job and writes its exit status to `status_path` (atomically,
// via a temporary file and rename), then exits. It uses only async-signal-safe calls. Because
// it is not the job, killing the job's process group never loses the status, and because it
// has its own session, an agent crash or restart does not end the job.
//
// The status file holds one line: "exited <code> <end_unix_millis>", "signaled <signal>
// <end_unix_millis>", or "launch_failed <errno> <end_unix_millis>" (exec or set-up failed).
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
  std::vector<std::string> argv;            // argv[0] is searched in the env's PATH
  std::map<std::string, std::string> env;   // the job's complete environment
  std::string work_dir;                     // must exist; the job's cwd
  std::string stdout_path;                  // created (O_NOFOLLOW, 0640), truncated
  std::string stderr_path;
  std::string status_path;                  // written by the monitor when the job ends
  std::vector<int> bind_cpus;               // PU OS indices; empty = do not bind
};

struct LaunchedJob {
  pid_t monitor_pid = -1;   // a child of the calling process
  pid_t job_pid = -1;       // also the job's process group id
  UnixMillis start_time = 0;
};

// Forks the monitor and the job and returns once the job has exec'd (or failed to: then the
// status file already says launch_failed and the monitor has exited; the call still
// succeeds, so the failure is reported like any other ending). Internal only if fork or
// pipe fail.
StatusOr<LaunchedJob> LaunchJob(const LaunchSpec& spec);

struct ExitStatus {
  enum class Kind { kExited, kSignaled, kLaunchFailed } kind = Kind::kExited;
  int value = 0;             // exit code, signal number, or errno
  UnixMillis end_time = 0;
};

// Reads a status file: nullopt if it does not exist yet, InvalidArgument if it is malformed.
StatusOr<std::optional<ExitStatus>> ReadExitStatus(const std::string& status_path);

// Sends `signal` to the job's whole process group. OK if the group no longer exists.
Status SignalJob(pid_t job_pgid, int signal);

// Reaps the monitor if it is our child and has exited; true once it has. Non-blocking.
bool TryReapMonitor(pid_t monitor_pid);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_PROCESS_LAUNCHER_H_
