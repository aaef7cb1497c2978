// Internal to the job monitor: a job in namespaces of its own (MonitorPlan::own_namespaces).
// The monitor starts an init, PID 1 of a new PID namespace, in a new mount namespace with
// its own /proc (so `ps` in the job shows the job's processes only) and an empty tmpfs on
// /tmp (holding only the job's own directory, bound back at its path, when that lies under
// /tmp). The init starts the job (SpawnJob) with cwd at the job's directory, taken before
// /tmp is covered (the directory may lie under /tmp). Output paths inside the job's
// directory are opened relative to it; everything else resolves in the job's mounts.
//
// The init stands for the job in the monitor's and the agent's eyes: its pid is the job's
// pid, and it leads its own process group. It forwards every signal sent to it from outside
// (kill(2), sigqueue(3)) to every process of its namespace, reaps orphans, and once the job
// has ended reports the job's wait status and exits, which has the kernel kill whatever is
// left in the namespace. As the rest of the monitor, the init only makes async-signal-safe
// calls.
#ifndef SHARC_AGENT_JOB_INIT_H_
#define SHARC_AGENT_JOB_INIT_H_

#include <sys/types.h>

#include "agent/job_monitor.h"

namespace sharc::agent::internal {

// Starts the init, which starts the job, and returns the init's pid (or -1 with errno) at
// once; the job's exec result arrives on plan.exec_read_fd as with SpawnJob (a failure to
// set up the namespaces as LaunchStep::kNamespaces). *status_fd gets the read end of the pipe
// on which the init reports the job's wait status (close-on-exec).
pid_t SpawnJobUnderInit(const MonitorPlan& plan, int* status_fd);

// The job's wait status as its init reported it on `status_fd`, which it closes; the init's
// own `init_status` if it reported none (it was killed, and the whole namespace with it).
int JobWaitStatus(int status_fd, int init_status);

}  // namespace sharc::agent::internal

#endif  // SHARC_AGENT_JOB_INIT_H_
