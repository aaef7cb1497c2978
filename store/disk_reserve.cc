#include "store/disk_reserve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/file_util.h"
#include "core/log.h"
#include "core/units.h"

namespace sharc::store {

DiskReserve::DiskReserve(std::string reserve_path, int64_t min_free_bytes, int64_t reserve_bytes)
    : path_(std::move(reserve_path)),
      directory_(DirectoryOf(path_)),
      min_free_bytes_(min_free_bytes),
      reserve_bytes_(reserve_bytes) {
  std::lock_guard lock(mu_);
  if (reserve_bytes_ <= 0) {
    ::unlink(path_.c_str());  // a reserve left by an earlier configuration
    return;
  }
  struct stat st;
  if (::stat(path_.c_str(), &st) == 0 && st.st_blocks * 512 >= reserve_bytes_) {
    held_ = true;  // left by an earlier run
    return;
  }
  const int64_t available = AvailableBytes();
  if (available >= reserve_bytes_ + min_free_bytes_) {
    AllocateLocked();
  } else if (available >= 0) {
    WarnNotHeldLocked("the filesystem has " + FormatSize(available) +
                      " free, less than the reserve and store.min_free (" +
                      FormatSize(min_free_bytes_) + ") together");
  }
}

void DiskReserve::WarnNotHeldLocked(const std::string& why) {
  if (warned_) return;  // once: it is tried again at every change
  warned_ = true;
  LogWarning("store", "store.reserve: could not set aside " + FormatSize(reserve_bytes_) + " at " +
                          path_ + ": " + why +
                          "; until it can (tried again at each change), a full disk may stop "
                          "the scheduler's own changes");
}

int64_t DiskReserve::AvailableBytes() const {
  struct statvfs fs;
  if (::statvfs(directory_.c_str(), &fs) != 0) return -1;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

void DiskReserve::AllocateLocked() {
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return WarnNotHeldLocked(std::strerror(errno));
  int error = ::posix_fallocate(fd, 0, reserve_bytes_);
  if (error == 0) error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  if (error != 0) {
    ::unlink(path_.c_str());
    return WarnNotHeldLocked(std::strerror(error));
  }
  held_ = true;
  warned_ = false;
  LogInfo("store", "reserved " + FormatSize(reserve_bytes_) + " at " + path_ +
                       " for commits made while the disk is full");
}

Status DiskReserve::CheckRoom() {
  int64_t available = AvailableBytes();
  if (available < 0) return Status::Ok();  // cannot tell: let the commit decide
  std::lock_guard lock(mu_);
  if (!held_ && reserve_bytes_ > 0 && available >= reserve_bytes_ + min_free_bytes_) {
    AllocateLocked();
    if (held_) available -= reserve_bytes_;
  }
  if (available >= min_free_bytes_) return Status::Ok();
  return UnavailableError("the data directory " + directory_ + " has " + FormatSize(available) +
                          " free, less than store.min_free (" + FormatSize(min_free_bytes_) +
                          "): changes are refused until space is freed there; reads still work");
}

bool DiskReserve::Release() {
  std::lock_guard lock(mu_);
  if (!held_) return false;
  held_ = false;
  if (::unlink(path_.c_str()) != 0) return false;
  LogWarning("store", "the disk under " + directory_ + " is full: gave up the " +
                          FormatSize(reserve_bytes_) + " reserve to finish a commit");
  return true;
}

bool DiskReserve::held() const {
  std::lock_guard lock(mu_);
  return held_;
}

}  // namespace sharc::store
