// One process's exclusive hold on a directory: flock(2) on <dir>/lock, which holds the holder's
// pid for the message the next process gets. The kernel drops the lock when the holder ends,
// however it ends, so a crash never leaves a directory locked. Two schedulers on one data_dir
// (or two agents on one state_dir) would each overwrite what the other acknowledged.
#ifndef SHARC_CORE_DIRECTORY_LOCK_H_
#define SHARC_CORE_DIRECTORY_LOCK_H_

#include <string>

#include "core/status.h"
#include "core/unique_fd.h"

namespace sharc {

class DirectoryLock {
 public:
  // Takes the lock, or fails at once: FailedPrecondition "<setting> <dir> is in use by another
  // process (pid N)..." when another holds it (the pid as that process wrote it), Internal when
  // the lock file cannot be opened. `setting` names the directory for the person reading it.
  static StatusOr<DirectoryLock> Acquire(const std::string& dir, const std::string& setting);
  // The same on the directory itself (flock on its own descriptor), for a directory where no
  // file can be made, such as a cgroup; the message then names no pid.
  static StatusOr<DirectoryLock> AcquireItself(const std::string& dir, const std::string& setting);

  // Destroying it releases the lock.

 private:
  explicit DirectoryLock(UniqueFd fd) : fd_(std::move(fd)) {}
  UniqueFd fd_;
};

}  // namespace sharc

#endif  // SHARC_CORE_DIRECTORY_LOCK_H_
