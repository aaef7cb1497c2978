#include "tests/testing/tmpfs_mount.h"

#include <fcntl.h>
#include <sys/mount.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <vector>

namespace sharc::testing {

TmpfsMount::TmpfsMount(int64_t size_bytes) {
  if (!dir_.ok()) return;
  std::string options = "size=" + std::to_string(size_bytes) + ",mode=0755";
  mounted_ = ::mount("tmpfs", dir_.path().c_str(), "tmpfs", 0, options.c_str()) == 0;
}

TmpfsMount::~TmpfsMount() {
  if (mounted_) ::umount2(dir_.path().c_str(), MNT_DETACH);
}

int64_t TmpfsMount::Fill(const std::string& name) const {
  int fd = ::open(File(name).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) return 0;
  std::vector<char> block(64 << 10, 'f');
  int64_t written = 0;
  for (size_t size = block.size(); size > 0;) {
    ssize_t n = ::write(fd, block.data(), size);
    if (n > 0) {
      written += n;
    } else {
      size /= 2;  // fill the last partial block too
    }
  }
  ::close(fd);
  return written;
}

int64_t TmpfsMount::AvailableBytes() const {
  struct statvfs fs;
  if (::statvfs(path().c_str(), &fs) != 0) return -1;
  return static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
}

}  // namespace sharc::testing
