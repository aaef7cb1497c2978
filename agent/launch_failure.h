// Says why a job could not start, in words for the job's owner: the step that failed
// (LaunchStep), the path it failed on, and, where the cause is a directory the job's user
// cannot get through or a program that is not one, that cause.
#ifndef SHARC_AGENT_LAUNCH_FAILURE_H_
#define SHARC_AGENT_LAUNCH_FAILURE_H_

#include <optional>
#include <string>
#include <vector>

#include "agent/process_launcher.h"

namespace sharc::agent {

// What the launch was asked to do (from the attempt's LaunchSpec, or rebuilt after a restart).
struct LaunchFailureContext {
  std::string program;   // argv[0]
  std::string path_env;  // the job's PATH
  std::string work_dir;
  std::string stdout_path;
  std::string stderr_path;
  std::optional<LaunchSpec::Identity> identity;  // nullopt: the job ran as the agent
};

// E.g. "cannot run 'tool' (/root/bin/tool): Permission denied: /root (mode 0700, owned by uid
// 0 gid 0) does not let the job's user (uid 1001) through; ...", or "cannot enter the job's
// directory /s/jobs/3.1: ...". Examines the file system as it is now.
std::string DescribeLaunchFailure(const LaunchFailureContext& context, LaunchStep step, int error);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_LAUNCH_FAILURE_H_
