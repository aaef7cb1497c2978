// What an ended attempt's report says of its end, from what its monitor left behind: the
// status file (ReadExitStatus) and, when this agent process started the monitor, the
// monitor's own wait status. Used by AttemptRunner when an attempt's monitor exits.
#ifndef SHARC_AGENT_ATTEMPT_EXIT_H_
#define SHARC_AGENT_ATTEMPT_EXIT_H_

#include <optional>
#include <string>

#include "agent/attempt_setup.h"
#include "agent/process_launcher.h"
#include "core/clock.h"
#include "core/status.h"
#include "protocol/agent_messages.h"

namespace sharc::agent {

// Fills `report`'s end from `status` (ReadExitStatus's answer for the attempt):
//   exited / signaled: end_time and exit_code or signal;
//   launch_failed: ending launch_failed and a message naming the failed step and its cause,
//     rebuilt from `launch` and `setup` (DescribeLaunchFailure);
//   no status (or an unreadable one): end_time `now`, ending killed unless one was asked for,
//     and a message saying so (unless the report already has one, e.g. a fence's).
// `monitor_wait_status` is the monitor's wait status, or -1 when unknown (a monitor an
// earlier agent process started). Returns, for a missing status, the line to log ("the job's
// monitor ended without recording an exit status (...)"); "" otherwise.
std::string ApplyExitStatus(const StatusOr<std::optional<ExitStatus>>& status,
                            int monitor_wait_status, const SetupOptions& setup,
                            const protocol::LaunchMsg& launch, UnixMillis now,
                            protocol::AttemptReport* report);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ATTEMPT_EXIT_H_
