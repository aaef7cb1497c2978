#include "agent/output_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "core/file_util.h"

namespace sharc::agent {

StatusOr<OutputSlice> ReadOutputSlice(const std::string& path, int64_t offset, int64_t limit) {
  int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    int error = errno;
    if (error == ENOENT) return NotFoundError("no output file on this node");
    return UnavailableError("cannot open the output: " + ErrnoText(error));
  }
  struct stat st;
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    return UnavailableError("the output is not a regular file");
  }
  OutputSlice slice;
  slice.total_size = st.st_size;
  int64_t want = std::max<int64_t>(0, std::min(limit, st.st_size - offset));
  slice.data.resize(static_cast<size_t>(want));
  int64_t got = 0;
  while (got < want) {
    ssize_t n = ::pread(fd, slice.data.data() + got, static_cast<size_t>(want - got), offset + got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += n;
  }
  ::close(fd);
  slice.data.resize(static_cast<size_t>(got));
  return slice;
}

}  // namespace sharc::agent
