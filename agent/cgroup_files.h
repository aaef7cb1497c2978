// Small helpers shared by the cgroup v1 and v2 managers: reading and writing control files
// with errors that name the file and the errno text, group directories, names, and the bounded
// kill loop. Internal to agent/; callers use cgroup_manager.h.
#ifndef SHARC_AGENT_CGROUP_FILES_H_
#define SHARC_AGENT_CGROUP_FILES_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sharc::agent {

// How long KillAll waits for a group to empty, and Remove retries a busy rmdir.
inline constexpr std::chrono::milliseconds kCgroupKillTimeout{5000};
inline constexpr std::chrono::milliseconds kCgroupFreezeTimeout{1000};
inline constexpr std::chrono::milliseconds kCgroupRemoveTimeout{1000};

// Writes `value` with one write(2) on a fresh open(O_WRONLY | O_TRUNC) of an existing file
// (never created: control files exist or the controller is missing). The error names the
// file, the value and the errno text: "/sys/fs/cgroup/cpuset/x/cpuset.cpus: cannot write
// "9": Invalid argument". EINVAL and ERANGE -> InvalidArgument, EACCES/EPERM/EROFS ->
// PermissionDenied, ENOENT -> NotFound, anything else Internal.
Status WriteControlFile(const std::string& path, std::string_view value);

// Writes each line with its own write(2) on one open file description (truncated once): the
// kernel parses every write as one rule (devices.allow), and a plain file in a test ends up
// holding all the lines, newline-terminated.
Status WriteControlLines(const std::string& path, const std::vector<std::string>& lines);

// The whole file. NotFound if it does not exist; otherwise errors name the file.
StatusOr<std::string> ReadControlFile(const std::string& path);

// A file holding one integer (surrounding whitespace ignored). "max" is not accepted.
StatusOr<int64_t> ReadControlInt(const std::string& path);

// The value of the "key N" line of a flat-keyed file (memory.oom_control, cpu.stat,
// memory.events), or nullopt when there is no such line or N is not an integer.
std::optional<int64_t> FindKeyedValue(std::string_view text, std::string_view key);

// The pids listed one per line in a cgroup.procs file. NotFound if the file is missing.
StatusOr<std::vector<int>> ReadProcsFile(const std::string& path);

// `text` without leading and trailing whitespace.
std::string_view TrimSpace(std::string_view text);

bool PathExists(const std::string& path);

// mkdir with mode 0755; an existing directory is fine. `*created` says whether it was made.
Status MakeGroupDir(const std::string& path, bool* created);

// PermissionDenied ("<dir>: not writable: Read-only file system") unless this process may
// create groups in `dir` (access W_OK: also catches a read-only mount for root).
Status CheckWritable(const std::string& dir);

// rmdir; OK if already gone. EBUSY (processes still leaving) is retried until
// kCgroupRemoveTimeout.
Status RemoveGroupDir(const std::string& path);

// InvalidArgument unless `name` is one path component of [A-Za-z0-9._-] not starting with
// '.', at most 128 characters, e.g. "job-12.1".
Status ValidateGroupName(std::string_view name);
// The same for each '/'-separated component of a parent such as "sharc/n1".
Status ValidateParentPath(std::string_view parent);

// Sends SIGKILL to each pid (> 1, never this process); vanished ones are ignored.
void KillPids(const std::vector<int>& pids);

// Calls `list` until it returns no pids, SIGKILLing what it returns each time, for at most
// kCgroupKillTimeout. `what` names the group in the error, which is Unavailable: "cgroup
// sharc/job-1: 2 processes still in the group 5000 ms after SIGKILL (pids 12 13)". Errors of
// `list` are returned as they are.
Status KillUntilEmpty(const std::function<StatusOr<std::vector<int>>()>& list,
                      std::string_view what);

// Polls `done` every few milliseconds until it returns true (true) or `timeout` passes (false).
bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_CGROUP_FILES_H_
