// Internal to the process launcher: the monitor's plan (job_monitor.h) on the command line of
// sharc-job-monitor, and back. The job's environment travels as the monitor's own.
//   argv[0]    the program
//   argv[1]    "<report_fd> <max_fd> <switch_identity> <uid> <gid> <stderr_is_stdout>
//              <bind_cpus> <no_new_privs> <own_namespaces> <fence_after_ms>" (decimal)
//   argv[2..7] work_dir, stdout_path, stderr_path, status_path, status_tmp_path, lease_path
//   then five counted lists, each "<n>" and n arguments: the groups, the CPUs to bind (one
//   decimal number each), the job's arguments, its exec candidates, its join files.
// The exec pipe is the monitor's own (it makes it); report_fd must be open in it.
#ifndef SHARC_AGENT_JOB_MONITOR_ARGS_H_
#define SHARC_AGENT_JOB_MONITOR_ARGS_H_

#include <string>
#include <vector>

#include "agent/job_monitor.h"

namespace sharc::agent::internal {

// The strings of the command line, argv[0] = `program` included; `plan`'s own descriptors
// (exec pipe, keep_fds) are not part of it.
std::vector<std::string> EncodeMonitorArgs(const std::string& program, const MonitorPlan& plan);

// A plan whose pointers point into argv and envp, and into the vectors here.
struct DecodedMonitorArgs {
  MonitorPlan plan;
  std::vector<gid_t> groups;
  std::vector<char*> argv;
  std::vector<const char*> candidates;
  std::vector<const char*> join_files;
};

// False for a command line EncodeMonitorArgs did not make.
bool DecodeMonitorArgs(int argc, char** argv, char** envp, DecodedMonitorArgs* out);

}  // namespace sharc::agent::internal

#endif  // SHARC_AGENT_JOB_MONITOR_ARGS_H_
