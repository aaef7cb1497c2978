#include "core/directory_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <utility>

#include "core/file_util.h"

namespace sharc {
namespace {

// The pid the holder wrote, or "" if the file holds none yet.
std::string HolderOf(int fd) {
  char text[32] = {};
  ssize_t n = pread(fd, text, sizeof(text) - 1, 0);
  if (n <= 0) return "";
  std::string pid(text, static_cast<size_t>(n));
  while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
  return pid;
}

Status InUse(const std::string& setting, const std::string& dir, const std::string& holder) {
  return FailedPreconditionError(setting + " " + dir + " is in use by another process" +
                                 (holder.empty() ? "" : " (pid " + holder + ")") +
                                 ": stop it first, or give this one a directory of its own");
}

}  // namespace

StatusOr<DirectoryLock> DirectoryLock::AcquireItself(const std::string& dir,
                                                     const std::string& setting) {
  UniqueFd fd(open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
  if (fd.get() < 0)
    return InternalError(setting + ": cannot open " + dir + ": " + ErrnoText(errno));
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    if (errno != EWOULDBLOCK) {
      return InternalError(setting + ": cannot lock " + dir + ": " + ErrnoText(errno));
    }
    return InUse(setting, dir, "");
  }
  return DirectoryLock(std::move(fd));
}

StatusOr<DirectoryLock> DirectoryLock::Acquire(const std::string& dir, const std::string& setting) {
  const std::string path = dir + "/lock";
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (fd.get() < 0) {
    return InternalError(setting + ": cannot open " + path + ": " + ErrnoText(errno));
  }
  if (flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
    const int error = errno;
    const std::string holder = error == EWOULDBLOCK ? HolderOf(fd.get()) : "";
    if (error != EWOULDBLOCK) {
      return InternalError(setting + ": cannot lock " + path + ": " + ErrnoText(error));
    }
    return InUse(setting, dir, holder);
  }
  const std::string pid = std::to_string(getpid()) + "\n";
  if (ftruncate(fd.get(), 0) != 0 || pwrite(fd.get(), pid.data(), pid.size(), 0) < 0) {
    // The lock holds all the same; only the next process's message would lack the pid.
  }
  return DirectoryLock(std::move(fd));
}

}  // namespace sharc
