#include "agent/identity.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "core/tenant.h"

namespace sharc::agent {
namespace {

using Identity = LaunchSpec::Identity;

constexpr std::string_view kUserPrefix = "sharc-";
constexpr size_t kMaxUserNameLength = 32;  // useradd's limit
constexpr size_t kMaxToolOutput = 2000;    // of useradd's messages, kept for an error

std::string ErrnoText(int error) { return std::strerror(error); }

// "sharc-acme", and "sharc-acme.vision" for the project acme/vision ('.' is in no tenant name,
// so no two tenants share a user).
std::string DefaultUserName(const std::string& tenant) {
  std::string name = std::string(kUserPrefix) + tenant;
  std::replace(name.begin(), name.end(), '/', '.');
  return name;
}

// The user `name` with every group it belongs to; nullopt if there is no such user.
StatusOr<std::optional<Identity>> LookUpUser(const std::string& name) {
  long suggested = sysconf(_SC_GETPW_R_SIZE_MAX);
  std::vector<char> buffer(suggested > 0 ? static_cast<size_t>(suggested) : 1024);
  struct passwd entry = {};
  struct passwd* found = nullptr;
  int error = 0;
  while ((error = getpwnam_r(name.c_str(), &entry, buffer.data(), buffer.size(), &found)) ==
             ERANGE &&
         buffer.size() < (1u << 20)) {
    buffer.resize(buffer.size() * 2);
  }
  if (found == nullptr) {
    // Not found reads as 0 or, from some name services, one of these.
    if (error == 0 || error == ENOENT || error == ESRCH || error == EBADF || error == EPERM) {
      return std::optional<Identity>();
    }
    return InternalError("cannot look up user '" + name + "': " + ErrnoText(error));
  }
  Identity identity;
  identity.uid = found->pw_uid;
  identity.gid = found->pw_gid;
  std::vector<gid_t> groups(16);
  while (true) {
    int count = static_cast<int>(groups.size());
    if (getgrouplist(name.c_str(), identity.gid, groups.data(), &count) >= 0) {
      groups.resize(static_cast<size_t>(count));
      break;
    }
    // -1: too small; `count` now says how many there are.
    size_t needed = static_cast<size_t>(count);
    groups.resize(needed > groups.size() ? needed : groups.size() * 2);
  }
  identity.groups = std::move(groups);
  return std::optional<Identity>(std::move(identity));
}

bool ParseId(std::string_view text, uint32_t* out) {
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), *out);
  return !text.empty() && error == std::errc() && end == text.data() + text.size() &&
         *out != UINT32_MAX;  // (uid_t)-1 means "no change" to the kernel
}

// "<uid>:<gid>": those ids, with <gid> as the only group.
StatusOr<Identity> ParseNumericIdentity(const std::string& tenant, const std::string& value) {
  size_t colon = value.find(':');
  uint32_t uid = 0;
  uint32_t gid = 0;
  if (!ParseId(std::string_view(value).substr(0, colon), &uid) ||
      !ParseId(std::string_view(value).substr(colon + 1), &gid)) {
    return InvalidArgumentError("identities.users." + tenant + ": '" + value +
                                "' is neither a user name nor '<uid>:<gid>' (two decimal ids "
                                "below 4294967295)");
  }
  Identity identity;
  identity.uid = static_cast<uid_t>(uid);
  identity.gid = static_cast<gid_t>(gid);
  identity.groups = {identity.gid};
  return identity;
}

StatusOr<Identity> ResolveMapped(const std::string& tenant, const std::string& value) {
  if (value.find(':') != std::string::npos) return ParseNumericIdentity(tenant, value);
  if (value.empty() || value.find('\0') != std::string::npos) {
    return InvalidArgumentError("identities.users." + tenant + ": needs a user name");
  }
  SHARC_ASSIGN_OR_RETURN(std::optional<Identity> found, LookUpUser(value));
  if (!found.has_value()) {
    return FailedPreconditionError("identities.users maps tenant " + tenant + " to user '" + value +
                                   "', which does not exist on this node");
  }
  return *std::move(found);
}

// Default dispositions, nothing blocked: the agent's handlers must not run in the child.
void ResetSignals() {
  struct sigaction action = {};
  action.sa_handler = SIG_DFL;
  sigemptyset(&action.sa_mask);
  for (int sig = 1; sig < NSIG; ++sig) sigaction(sig, &action, nullptr);
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, nullptr);
}

// Runs `argv` (argv[0] an absolute path) with stdin on /dev/null and stdout and stderr both
// captured; returns its wait status and (the start of) what it printed.
StatusOr<std::pair<int, std::string>> RunTool(const std::vector<std::string>& argv) {
  std::vector<char*> argv_ptrs;
  for (const std::string& arg : argv) argv_ptrs.push_back(const_cast<char*>(arg.c_str()));
  argv_ptrs.push_back(nullptr);
  char path_var[] = "PATH=/usr/sbin:/usr/bin:/sbin:/bin";
  char locale_var[] = "LC_ALL=C";
  char* envp[] = {path_var, locale_var, nullptr};
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) return InternalError("pipe2: " + ErrnoText(errno));

  sigset_t all, previous;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &previous);
  pid_t child = fork();
  if (child == 0) {  // async-signal-safe calls only from here on
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd < 0 || dup2(null_fd, STDIN_FILENO) < 0 || dup2(out[1], STDOUT_FILENO) < 0 ||
        dup2(out[1], STDERR_FILENO) < 0) {
      _exit(126);
    }
    syscall(SYS_close_range, 3u, ~0u, 0u);  // best effort; the agent's fds are close-on-exec
    ResetSignals();
    execve(argv_ptrs[0], argv_ptrs.data(), envp);
    _exit(127);
  }
  int fork_errno = errno;
  pthread_sigmask(SIG_SETMASK, &previous, nullptr);
  close(out[1]);
  if (child < 0) {
    close(out[0]);
    return InternalError("fork: " + ErrnoText(fork_errno));
  }
  std::string output;
  char chunk[512];
  while (true) {
    ssize_t n = read(out[0], chunk, sizeof(chunk));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    // Read to the end so the tool never blocks on a full pipe; keep only the start.
    output.append(chunk, std::min(static_cast<size_t>(n), kMaxToolOutput - output.size()));
  }
  close(out[0]);
  int status = 0;
  while (waitpid(child, &status, 0) < 0) {
    if (errno != EINTR) return InternalError("waitpid: " + ErrnoText(errno));
  }
  while (!output.empty() && (output.back() == '\n' || output.back() == ' ')) output.pop_back();
  return std::make_pair(status, std::move(output));
}

std::string DescribeWaitStatus(int status) {
  if (WIFEXITED(status)) return "exited with " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return "was killed by signal " + std::to_string(WTERMSIG(status));
  return "ended with wait status " + std::to_string(status);
}

// Creates the system user `name` (with its own group, no home, no login shell). A user that
// appeared meanwhile (another thread or agent made it) is not an error: the caller looks again.
Status CreateUser(const std::string& name, const std::string& tenant, const IdentityHost& host) {
  if (access(host.useradd_path.c_str(), X_OK) != 0) {
    return FailedPreconditionError(
        "cannot create user " + name + " for tenant " + tenant + ": " + host.useradd_path +
        " is not an executable on this node (install the passwd package, or map the tenant in "
        "identities.users)");
  }
  SHARC_ASSIGN_OR_RETURN(auto result,
                         RunTool({host.useradd_path, "--system", "--no-create-home", "--home-dir",
                                  "/nonexistent", "--shell", "/usr/sbin/nologin", "--user-group",
                                  "--comment", "sharc jobs of tenant " + tenant, name}));
  auto [status, output] = std::move(result);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return Status::Ok();
  constexpr int kUserExists = 9;  // useradd: the user name is already in use
  if (WIFEXITED(status) && WEXITSTATUS(status) == kUserExists) return Status::Ok();
  return FailedPreconditionError("cannot create user " + name + " for tenant " + tenant + ": " +
                                 host.useradd_path + " " + DescribeWaitStatus(status) +
                                 (output.empty() ? "" : ": " + output));
}

StatusOr<Identity> ResolveDefault(const IdentityPolicy& policy, const std::string& tenant,
                                  const IdentityHost& host) {
  std::string name = DefaultUserName(tenant);
  if (name.size() > kMaxUserNameLength) {
    return FailedPreconditionError("no user for tenant " + tenant + " on this node: " + name +
                                   " is longer than a user name may be (" +
                                   std::to_string(kMaxUserNameLength) +
                                   "); map the tenant in identities.users");
  }
  SHARC_ASSIGN_OR_RETURN(std::optional<Identity> found, LookUpUser(name));
  if (found.has_value()) return *std::move(found);
  if (!policy.create_users) {
    return FailedPreconditionError("no user for tenant " + tenant +
                                   " on this node: map it in identities.users or set "
                                   "identities.create_users");
  }
  SHARC_RETURN_IF_ERROR(CreateUser(name, tenant, host));
  SHARC_ASSIGN_OR_RETURN(found, LookUpUser(name));
  if (!found.has_value()) {
    return FailedPreconditionError("cannot create user " + name + " for tenant " + tenant + ": " +
                                   host.useradd_path + " succeeded but the user cannot be found");
  }
  return *std::move(found);
}

}  // namespace

StatusOr<std::optional<LaunchSpec::Identity>> ResolveIdentity(const IdentityPolicy& policy,
                                                              const std::string& tenant,
                                                              const IdentityHost& host) {
  SHARC_RETURN_IF_ERROR(ValidateTenantName(tenant));
  if (!host.is_root.value_or(geteuid() == 0)) return std::optional<Identity>();
  Identity identity;
  if (auto mapped = policy.users.find(tenant); mapped != policy.users.end()) {
    SHARC_ASSIGN_OR_RETURN(identity, ResolveMapped(tenant, mapped->second));
  } else {
    SHARC_ASSIGN_OR_RETURN(identity, ResolveDefault(policy, tenant, host));
  }
  if (identity.uid == 0 && !policy.allow_root.contains(tenant)) {
    return PermissionDeniedError("tenant " + tenant +
                                 " would run as root (uid 0) on this node; map it to an "
                                 "unprivileged user, or add it to identities.allow_root");
  }
  return std::optional<Identity>(std::move(identity));
}

}  // namespace sharc::agent
