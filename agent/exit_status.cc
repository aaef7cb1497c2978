// ReadExitStatus: the reading side of the status file the job monitor writes.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string_view>

#include "agent/process_launcher.h"

namespace sharc::agent {
namespace {

// A status file is one short line; anything longer is not one.
constexpr size_t kMaxStatusBytes = 128;

// A whole token as a decimal integer in [min, max]: no sign other than '-', no spaces.
template <typename Int>
bool ParseInt(std::string_view token, Int min, Int max, Int* out) {
  Int value = 0;
  auto [end, error] = std::from_chars(token.data(), token.data() + token.size(), value);
  if (token.empty() || error != std::errc() || end != token.data() + token.size()) return false;
  if (value < min || value > max) return false;
  *out = value;
  return true;
}

std::string Quoted(std::string_view text) {
  std::string out = "\"";
  for (char c : text) {
    if (c == '\n') {
      out += "\\n";
    } else if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

StatusOr<ExitStatus> ParseExitStatus(std::string_view text) {
  auto malformed = [&](std::string_view why) {
    return InvalidArgumentError(
        std::string(why) +
        "; expected one line \"exited|signaled|launch_failed[:<step>]|fenced <number> "
        "<end_unix_millis>\", got " +
        Quoted(text));
  };
  if (text.empty() || text.back() != '\n') return malformed("not a complete line");
  std::string_view line = text.substr(0, text.size() - 1);
  if (line.find('\n') != std::string_view::npos) return malformed("more than one line");
  size_t first = line.find(' ');
  size_t second = first == std::string_view::npos ? first : line.find(' ', first + 1);
  if (second == std::string_view::npos || line.find(' ', second + 1) != std::string_view::npos) {
    return malformed("not three fields separated by single spaces");
  }
  std::string_view kind = line.substr(0, first);
  std::string_view value = line.substr(first + 1, second - first - 1);
  std::string_view end_time = line.substr(second + 1);

  ExitStatus status;
  int max_value = 0;
  int min_value = 0;
  if (kind == "exited") {
    status.kind = ExitStatus::Kind::kExited;
    max_value = 255;
  } else if (kind == "signaled") {
    status.kind = ExitStatus::Kind::kSignaled;
    min_value = 1;
    max_value = 64;  // SIGRTMAX on Linux
  } else if (kind == "fenced") {
    status.kind = ExitStatus::Kind::kFenced;
    max_value = INT32_MAX;
  } else if (kind.substr(0, kind.find(':')) == "launch_failed") {
    status.kind = ExitStatus::Kind::kLaunchFailed;
    min_value = 1;
    max_value = 4095;
    if (kind.find(':') != std::string_view::npos) {
      std::string_view step = kind.substr(kind.find(':') + 1);
      const auto* names = std::begin(kLaunchStepNames);
      const auto* found = std::find(names, std::end(kLaunchStepNames), step);
      if (found == std::end(kLaunchStepNames))
        return malformed("unknown launch step " + Quoted(step));
      status.launch_step = static_cast<LaunchStep>(found - names);
    }
  } else {
    return malformed("unknown kind " + Quoted(kind));
  }
  if (!ParseInt(value, min_value, max_value, &status.value)) {
    return malformed("the number must be an integer from " + std::to_string(min_value) + " to " +
                     std::to_string(max_value));
  }
  if (!ParseInt<UnixMillis>(end_time, 0, INT64_MAX, &status.end_time)) {
    return malformed("the end time must be a non-negative integer");
  }
  return status;
}

}  // namespace

StatusOr<std::optional<ExitStatus>> ReadExitStatus(const std::string& status_path) {
  // The monitor renames a regular file into place; a symlink there is not its work.
  int fd = open(status_path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return std::optional<ExitStatus>();
    return InternalError("cannot open job status file '" + status_path +
                         "': " + std::strerror(errno));
  }
  char buffer[kMaxStatusBytes + 1];
  size_t size = 0;
  int read_errno = 0;
  while (size < sizeof(buffer)) {
    ssize_t n = read(fd, buffer + size, sizeof(buffer) - size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) read_errno = errno;
    if (n <= 0) break;
    size += static_cast<size_t>(n);
  }
  close(fd);
  if (read_errno != 0) {
    return InternalError("cannot read job status file '" + status_path +
                         "': " + std::strerror(read_errno));
  }
  if (size > kMaxStatusBytes) {
    return InvalidArgumentError("job status file '" + status_path + "': longer than " +
                                std::to_string(kMaxStatusBytes) + " bytes");
  }
  StatusOr<ExitStatus> parsed = ParseExitStatus(std::string_view(buffer, size));
  if (!parsed.ok()) return parsed.status().WithPrefix("job status file '" + status_path + "'");
  return std::optional<ExitStatus>(*parsed);
}

}  // namespace sharc::agent
