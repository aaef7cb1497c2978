#include "agent/output_limit.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/file_util.h"
#include "core/units.h"

namespace sharc::agent {

std::string OutputCutMarker(int64_t limit_bytes) {
  return "\n[sharc: output cut here at " + FormatSize(limit_bytes) +
         " (the agent's output_limit); what the job wrote beyond it was discarded]\n";
}

StatusOr<bool> CapOutputFile(const std::string& path, int64_t limit_bytes) {
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) {
    if (errno == ENOENT) return false;
    return InternalError(path + ": " + ErrnoText(errno));
  }
  const std::string marker = OutputCutMarker(limit_bytes);
  if (st.st_size <= limit_bytes + static_cast<int64_t>(marker.size())) return false;
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) return InternalError(path + ": " + ErrnoText(errno));
  bool cut = ::ftruncate(fd, limit_bytes) == 0 &&
             ::write(fd, marker.data(), marker.size()) == static_cast<ssize_t>(marker.size());
  int error = errno;
  ::close(fd);
  if (!cut) return InternalError(path + ": cutting the output: " + ErrnoText(error));
  return true;
}

}  // namespace sharc::agent
