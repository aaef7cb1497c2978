#include "core/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace sharc {

std::string ErrnoText(int error) {
  char buf[256];
  return std::string(strerror_r(error, buf, sizeof buf));
}

StatusOr<std::string> ReadFile(const std::string& path, size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    Status s(error == ENOENT ? StatusCode::kNotFound : StatusCode::kInvalidArgument,
             path + ": " + ErrnoText(error));
    return s;
  }
  std::string contents;
  char buf[65536];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return InvalidArgumentError(path + ": " + ErrnoText(error));
    }
    if (n == 0) break;
    contents.append(buf, static_cast<size_t>(n));
    if (contents.size() > max_bytes) {
      ::close(fd);
      return InvalidArgumentError(path + ": larger than " + std::to_string(max_bytes) + " bytes");
    }
  }
  ::close(fd);
  return contents;
}

Status WriteFileAtomically(const std::string& path, std::string_view contents, int mode) {
  std::string tmp = path + ".tmp";
  // A new file gets `mode` (less the umask). A file already there (a spare the caller reuses)
  // is overwritten and then cut to length, not truncated first: its blocks are reused rather
  // than freed and allocated again (freeing costs a synchronous discard on file systems mounted
  // with -o discard); and it gets `mode` exactly, whatever mode it was left with.
  const int flags = O_WRONLY | O_CLOEXEC | O_NOFOLLOW;
  bool existed = false;
  int fd = ::open(tmp.c_str(), flags | O_CREAT | O_EXCL, mode);
  if (fd < 0 && errno == EEXIST) {
    existed = true;
    fd = ::open(tmp.c_str(), flags);
  }
  if (fd < 0) return InternalError(tmp + ": " + ErrnoText(errno));
  size_t off = 0;
  while (off < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + off, contents.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int error = errno;
      ::close(fd);
      return InternalError(tmp + ": " + ErrnoText(error));
    }
    off += static_cast<size_t>(n);
  }
  if ((existed && ::fchmod(fd, static_cast<mode_t>(mode)) != 0) ||
      ::ftruncate(fd, static_cast<off_t>(contents.size())) != 0) {
    int error = errno;
    ::close(fd);
    return InternalError(tmp + ": " + ErrnoText(error));
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) return InternalError(tmp + ": " + ErrnoText(errno));
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    return InternalError(path + ": " + ErrnoText(errno));
  }
  return Status::Ok();
}

std::string DirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

Status MakeDirectories(const std::string& path, int mode) {
  if (path.empty()) return InvalidArgumentError("empty directory path");
  for (size_t pos = 1; pos <= path.size(); ++pos) {
    if (pos != path.size() && path[pos] != '/') continue;
    std::string prefix = path.substr(0, pos);
    if (::mkdir(prefix.c_str(), static_cast<mode_t>(mode)) != 0 && errno != EEXIST) {
      return InternalError(prefix + ": " + ErrnoText(errno));
    }
  }
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return InvalidArgumentError(path + ": not a directory");
  }
  return Status::Ok();
}

}  // namespace sharc
