#include "agent/launch_failure.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdio>

#include "agent/path_access.h"
#include "core/file_util.h"

namespace sharc::agent {
namespace {

std::string Absolute(const std::string& path, const std::string& work_dir) {
  return !path.empty() && path[0] == '/' ? path : work_dir + "/" + path;
}

// The file the exec most likely meant: argv[0] itself when it has a '/', else the first
// entry of PATH where something by that name exists; "" if none.
std::string ProgramPath(const LaunchFailureContext& c) {
  if (c.program.find('/') != std::string::npos) return Absolute(c.program, c.work_dir);
  std::string path = c.path_env.empty() ? "/bin:/usr/bin" : c.path_env;
  for (size_t start = 0; start <= path.size();) {
    size_t colon = path.find(':', start);
    std::string entry = path.substr(start, colon == std::string::npos ? colon : colon - start);
    std::string candidate = Absolute(entry.empty() ? "." : entry, c.work_dir) + "/" + c.program;
    struct stat st;
    // Not found may also mean: found in a directory the agent may enter and the job may not.
    if (::stat(candidate.c_str(), &st) == 0) return candidate;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

// Why `path` could not be reached or opened by the job's user, or "".
std::string BlockedCause(const LaunchFailureContext& c, const std::string& what,
                         const std::string& path) {
  if (!c.identity) return "";
  std::optional<std::string> blocked = BlockingDirectory(DirectoryOf(path), *c.identity);
  return blocked ? ": " + UnreachableMessage(what, path, *c.identity, *blocked) : "";
}

std::string ExecFailure(const LaunchFailureContext& c, int error) {
  const std::string base = "cannot run '" + c.program + "'";
  std::string path = ProgramPath(c);
  if (path.empty()) {
    return base + ": " + ErrnoText(error) + " (no such program in PATH " +
           (c.path_env.empty() ? "/bin:/usr/bin" : c.path_env) + ")";
  }
  std::string text = base + " (" + path + "): " + ErrnoText(error);
  struct stat st;
  bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return text + ": it is a directory, not a program";
  if (error == EACCES) {
    if (std::string cause = BlockedCause(c, "the program", path); !cause.empty()) {
      return text + cause;
    }
    if (exists && (st.st_mode & 0111) == 0) {
      char mode[8];
      std::snprintf(mode, sizeof(mode), "%04o", static_cast<unsigned>(st.st_mode & 07777));
      return text + ": the file is not executable (mode " + mode + "; chmod +x it)";
    }
  }
  if (error == ENOEXEC) return text + ": not a program this machine runs (a script needs #!)";
  return text;
}

}  // namespace

std::string DescribeLaunchFailure(const LaunchFailureContext& c, LaunchStep step, int error) {
  const std::string why = ErrnoText(error);
  switch (step) {
    case LaunchStep::kExec:
      return ExecFailure(c, error);
    case LaunchStep::kWorkDir: {
      std::string text = "cannot enter the job's directory " + c.work_dir + ": " + why;
      if (error == EACCES && c.identity) {
        if (auto blocked = BlockingDirectory(c.work_dir, *c.identity)) {
          text +=
              ": " + UnreachableMessage("the job's directory", c.work_dir, *c.identity, *blocked);
        }
      }
      return text;
    }
    case LaunchStep::kOpenStdout:
    case LaunchStep::kOpenStderr: {
      const std::string& path = step == LaunchStep::kOpenStdout ? c.stdout_path : c.stderr_path;
      std::string text = "cannot open the job's output file " + path + ": " + why;
      return error == EACCES ? text + BlockedCause(c, "the output file", path) : text;
    }
    case LaunchStep::kIdentity:
      return "cannot become the job's user (uid " +
             (c.identity ? std::to_string(c.identity->uid) : std::string("?")) + "): " + why;
    case LaunchStep::kNamespaces:
      return "cannot give the job its own PID and mount namespaces (its own /proc and /tmp): " +
             why +
             " (the agent needs CAP_SYS_ADMIN; job_namespaces: false in its config runs "
             "jobs in the node's namespaces)";
    case LaunchStep::kJoinCgroups:
      return "cannot put the job into its cgroup: " + why;
    case LaunchStep::kUnknown:
      return "cannot run '" + c.program + "': " + why;
    default:
      return "the job's set-up failed at " + std::string(kLaunchStepNames[static_cast<int>(step)]) +
             ": " + why;
  }
}

}  // namespace sharc::agent
