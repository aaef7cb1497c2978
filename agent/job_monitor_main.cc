// sharc-job-monitor: the job monitor as a program of its own (see process_launcher.h). The
// agent starts it vfork-style, so the agent's memory is neither copied nor write-protected
// for as long as a job runs. It takes its plan on the command line (EncodeMonitorArgs in
// job_monitor_args.h) and the job's environment as its own, reports on descriptor 3 and
// awaits the launcher's confirmation on it.
// Not meant to be run by hand: a malformed command line exits with 2 and no report.
#include <fcntl.h>
#include <unistd.h>

#include <vector>

#include "agent/job_monitor.h"
#include "agent/job_monitor_args.h"

int main(int argc, char** argv) {
  using sharc::agent::internal::DecodedMonitorArgs;
  DecodedMonitorArgs decoded;
  if (!sharc::agent::internal::DecodeMonitorArgs(argc, argv, environ, &decoded)) return 2;
  sharc::agent::internal::MonitorPlan& plan = decoded.plan;
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return 2;
  // Both ends above 2 (0-2 are open, if only on /dev/null, since the agent's own were), and
  // above the report descriptor.
  plan.exec_read_fd = fds[0];
  plan.exec_write_fd = fds[1];
  plan.keep_fds[0] = plan.report_fd;
  plan.keep_fds[1] = fds[0] < fds[1] ? fds[0] : fds[1];
  plan.keep_fds[2] = fds[0] < fds[1] ? fds[1] : fds[0];
  if (plan.keep_fds[0] <= 2 || plan.keep_fds[1] <= plan.keep_fds[0]) return 2;
  sharc::agent::internal::RunMonitor(plan);
}
