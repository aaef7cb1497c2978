#include "agent/attempt_exit.h"

#include <sys/wait.h>

#include "agent/launch_failure.h"
#include "core/file_util.h"

namespace sharc::agent {
namespace {

using protocol::AttemptEnding;

// Why a monitor left no status: the status file's read error, else how the monitor itself
// ended (when this agent process started it); "" when neither is known.
std::string MissingStatusCause(const Status& read, int monitor_wait_status) {
  if (!read.ok()) return " (" + read.message() + ")";
  if (monitor_wait_status < 0) return "";
  if (WIFSIGNALED(monitor_wait_status)) {
    return " (the monitor was killed by signal " + std::to_string(WTERMSIG(monitor_wait_status)) +
           ")";
  }
  if (WIFEXITED(monitor_wait_status) && WEXITSTATUS(monitor_wait_status) != 0) {
    return " (the monitor could not write the status file: " +
           ErrnoText(WEXITSTATUS(monitor_wait_status)) + ")";
  }
  return "";
}

// What the attempt's launch asked for, rebuilt from its record (the agent may have
// restarted since), for DescribeLaunchFailure.
LaunchFailureContext LaunchContextOf(const SetupOptions& setup, const protocol::LaunchMsg& launch) {
  LaunchFailureContext context;
  context.program = launch.spec.command.empty() ? "" : launch.spec.command[0];
  auto path = launch.spec.env.find("PATH");
  context.path_env = path != launch.spec.env.end() ? path->second : setup.job_path;
  context.work_dir = AttemptDirPath(setup.state_dir, launch.attempt);
  context.stdout_path = context.work_dir + "/stdout";
  context.stderr_path = context.work_dir + "/stderr";
  if (setup.switch_users && setup.identity_cache != nullptr) {
    StatusOr<std::optional<LaunchSpec::Identity>> who =
        setup.identity_cache->Resolve(launch.tenant);
    if (who.ok()) context.identity = *who;
  }
  return context;
}

}  // namespace

std::string ApplyExitStatus(const StatusOr<std::optional<ExitStatus>>& status,
                            int monitor_wait_status, const SetupOptions& setup,
                            const protocol::LaunchMsg& launch, UnixMillis now,
                            protocol::AttemptReport* report) {
  if (!status.ok() || !status->has_value()) {
    report->end_time = now;
    if (report->ending == AttemptEnding::kNone) report->ending = AttemptEnding::kKilled;
    const std::string missing = "the job's monitor ended without recording an exit status" +
                                MissingStatusCause(status.status(), monitor_wait_status);
    if (report->message.empty()) report->message = missing;
    return missing;
  }
  const ExitStatus& exit = **status;
  report->end_time = exit.end_time;
  switch (exit.kind) {
    case ExitStatus::Kind::kExited:
      report->exit_code = exit.value;
      break;
    case ExitStatus::Kind::kSignaled:
      report->signal = exit.value;
      break;
    case ExitStatus::Kind::kFenced:
      if (report->ending == AttemptEnding::kNone) report->ending = AttemptEnding::kKilled;
      if (report->message.empty()) {
        report->message =
            "killed on the node by its monitor: the agent had not heard from the "
            "scheduler for " +
            std::to_string(exit.value) +
            " ms (fence_after), so the job may have been requeued elsewhere";
      }
      break;
    case ExitStatus::Kind::kLaunchFailed:
      report->ending = AttemptEnding::kLaunchFailed;
      report->message =
          DescribeLaunchFailure(LaunchContextOf(setup, launch), exit.launch_step, exit.value);
      break;
  }
  return "";
}

}  // namespace sharc::agent
