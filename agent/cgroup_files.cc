#include "agent/cgroup_files.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <thread>

#include "core/file_util.h"

namespace sharc::agent {
namespace {

constexpr std::chrono::milliseconds kPollInterval{5};

StatusCode CodeForErrno(int error) {
  switch (error) {
    case EINVAL:
    case ERANGE:
      return StatusCode::kInvalidArgument;
    case EACCES:
    case EPERM:
    case EROFS:
      return StatusCode::kPermissionDenied;
    case ENOENT:
      return StatusCode::kNotFound;
    default:
      return StatusCode::kInternal;
  }
}

Status ErrnoStatus(int error, const std::string& path, std::string_view doing) {
  std::string message = path + ": ";
  if (!doing.empty()) message += std::string(doing) + ": ";
  return Status(CodeForErrno(error), message + ErrnoText(error));
}

std::string Quoted(std::string_view value) {
  return "cannot write \"" + std::string(TrimSpace(value)) + "\"";
}

// One write(2) of all of `data`; cgroup files take a value only whole.
int WriteOnce(int fd, std::string_view data) {
  while (true) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return errno;
    return static_cast<size_t>(n) == data.size() ? 0 : EIO;
  }
}

bool ParseInt64(std::string_view text, int64_t* value) {
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, *value);
  return ec == std::errc() && ptr == end && !text.empty();
}

bool IsNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

Status WriteControlFile(const std::string& path, std::string_view value) {
  return WriteControlLines(path, {std::string(value)});
}

Status WriteControlLines(const std::string& path, const std::vector<std::string>& lines) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) {
    int error = errno;
    return ErrnoStatus(error, path, lines.size() == 1 ? Quoted(lines[0]) : "cannot open");
  }
  for (const std::string& line : lines) {
    std::string data = line;
    if (data.empty() || data.back() != '\n') data += '\n';
    if (int error = WriteOnce(fd, data); error != 0) {
      ::close(fd);
      return ErrnoStatus(error, path, Quoted(line));
    }
  }
  if (::close(fd) != 0) return ErrnoStatus(errno, path, "close");
  return Status::Ok();
}

StatusOr<std::string> ReadControlFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ErrnoStatus(errno, path, "");
  std::string contents;
  char buf[4096];
  while (true) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int error = errno;
      ::close(fd);
      return ErrnoStatus(error, path, "");
    }
    if (n == 0) break;
    contents.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return contents;
}

StatusOr<int64_t> ReadControlInt(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadControlFile(path));
  int64_t value = 0;
  if (!ParseInt64(TrimSpace(text), &value)) {
    return InternalError(path + ": expected an integer, found \"" + std::string(TrimSpace(text)) +
                         "\"");
  }
  return value;
}

std::optional<int64_t> FindKeyedValue(std::string_view text, std::string_view key) {
  while (!text.empty()) {
    size_t eol = text.find('\n');
    std::string_view line = text.substr(0, eol);
    text = eol == std::string_view::npos ? std::string_view() : text.substr(eol + 1);
    if (line.size() > key.size() && line.substr(0, key.size()) == key && line[key.size()] == ' ') {
      int64_t value = 0;
      if (ParseInt64(TrimSpace(line.substr(key.size() + 1)), &value)) return value;
      return std::nullopt;
    }
  }
  return std::nullopt;
}

StatusOr<std::vector<int>> ReadProcsFile(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadControlFile(path));
  std::vector<int> pids;
  size_t start = 0;
  while (start < text.size()) {
    size_t eol = text.find('\n', start);
    if (eol == std::string::npos) eol = text.size();
    std::string_view line = TrimSpace(std::string_view(text).substr(start, eol - start));
    start = eol + 1;
    if (line.empty()) continue;
    int64_t pid = 0;
    if (!ParseInt64(line, &pid) || pid <= 0 || pid > INT32_MAX) {
      return InternalError(path + ": not a pid: \"" + std::string(line) + "\"");
    }
    pids.push_back(static_cast<int>(pid));
  }
  return pids;
}

std::string_view TrimSpace(std::string_view text) {
  size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string_view::npos) return {};
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

bool PathExists(const std::string& path) {
  struct stat st;
  return ::stat(path.c_str(), &st) == 0;
}

Status MakeGroupDir(const std::string& path, bool* created) {
  *created = false;
  if (::mkdir(path.c_str(), 0755) == 0) {
    *created = true;
    return Status::Ok();
  }
  int error = errno;
  if (error != EEXIST) return ErrnoStatus(error, path, "cannot create the group");
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return FailedPreconditionError(path + ": exists and is not a directory");
  }
  return Status::Ok();
}

Status CheckWritable(const std::string& dir) {
  if (::access(dir.c_str(), W_OK) == 0) return Status::Ok();
  return ErrnoStatus(errno, dir, "not writable");
}

Status RemoveGroupDir(const std::string& path) {
  int error = 0;
  PollUntil(
      [&] {
        error = ::rmdir(path.c_str()) == 0 || errno == ENOENT ? 0 : errno;
        return error != EBUSY;  // only a group whose processes are still leaving is retried
      },
      kCgroupRemoveTimeout);
  if (error == 0) return Status::Ok();
  return ErrnoStatus(error, path, "cannot remove the group");
}

Status ValidateGroupName(std::string_view name) {
  if (name.empty() || name.size() > 128 || name[0] == '.' ||
      !std::all_of(name.begin(), name.end(), IsNameChar)) {
    return InvalidArgumentError("cgroup name \"" + std::string(name) +
                                "\": use 1-128 of [A-Za-z0-9._-], not starting with '.'");
  }
  return Status::Ok();
}

Status ValidateParentPath(std::string_view parent) {
  if (parent.empty()) return InvalidArgumentError("cgroup parent: must not be empty");
  size_t start = 0;
  while (start <= parent.size()) {
    size_t slash = parent.find('/', start);
    if (slash == std::string_view::npos) slash = parent.size();
    Status s = ValidateGroupName(parent.substr(start, slash - start));
    if (!s.ok()) return s.WithPrefix("cgroup parent \"" + std::string(parent) + "\"");
    start = slash + 1;
  }
  return Status::Ok();
}

void KillPids(const std::vector<int>& pids) {
  const pid_t self = ::getpid();
  for (int pid : pids) {
    if (pid > 1 && pid != self) ::kill(pid, SIGKILL);
  }
}

Status KillUntilEmpty(const std::function<StatusOr<std::vector<int>>()>& list,
                      std::string_view what) {
  Status error;
  std::vector<int> left;
  bool empty = PollUntil(
      [&] {
        StatusOr<std::vector<int>> pids = list();
        if (!pids.ok()) {
          error = pids.status();
          return true;
        }
        left = std::move(pids).value();
        KillPids(left);
        return left.empty();
      },
      kCgroupKillTimeout);
  if (!error.ok()) return error;
  if (empty) return Status::Ok();
  std::string message = std::string(what) + ": " + std::to_string(left.size()) +
                        " processes still in the group " +
                        std::to_string(kCgroupKillTimeout.count()) + " ms after SIGKILL (pids";
  for (int pid : left) message += " " + std::to_string(pid);
  return UnavailableError(message + ")");
}

bool PollUntil(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (done()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(kPollInterval);
  }
}

}  // namespace sharc::agent
