// What the fuzz targets share: a check that aborts on a broken invariant, the input as text or
// as a file for decoders that take a path, and the depth of a decoded JSON value.
#ifndef SHARC_FUZZ_FUZZ_UTIL_H_
#define SHARC_FUZZ_FUZZ_UTIL_H_

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "protocol/json_fields.h"

namespace sharc::fuzz {

[[noreturn]] inline void Fail(const char* file, int line, const char* condition,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s\n%s\n", file, line, condition, detail.c_str());
  std::fflush(stderr);
  std::abort();
}

// FUZZ_CHECK(condition, detail): aborts (a crash to libFuzzer) when `condition` is false;
// `detail` (a std::string expression) is evaluated only then.
#define FUZZ_CHECK(condition, detail)                                                \
  do {                                                                               \
    if (!(condition)) ::sharc::fuzz::Fail(__FILE__, __LINE__, #condition, (detail)); \
  } while (false)

inline std::string_view AsText(const uint8_t* data, size_t size) {
  return std::string_view(reinterpret_cast<const char*>(data), size);
}

// The input as a file, for the loaders that take a path (configuration files, hwloc XML): one
// memfd per process, rewritten for each input, named /proc/self/fd/N.
class InputFile {
 public:
  InputFile() : fd_(memfd_create("sharc-fuzz-input", MFD_CLOEXEC)) {
    if (fd_ < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path_ = "/proc/self/fd/" + std::to_string(fd_);
  }
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  const std::string& Write(std::string_view bytes) {
    if (ftruncate(fd_, 0) != 0) std::abort();
    size_t done = 0;
    while (done < bytes.size()) {
      ssize_t n = pwrite(fd_, bytes.data() + done, bytes.size() - done, static_cast<off_t>(done));
      if (n <= 0) std::abort();
      done += static_cast<size_t>(n);
    }
    return path_;
  }
  const std::string& path() const { return path_; }

 private:
  int fd_;
  std::string path_;
};

// The deepest nesting of arrays and objects in `value` (a scalar is 0, [] is 1), without
// recursion, so that a value nested too deep is reported rather than overflowing the stack.
inline size_t JsonDepth(const protocol::Json& value) {
  size_t deepest = 0;
  std::vector<std::pair<const protocol::Json*, size_t>> todo = {{&value, 0}};
  while (!todo.empty()) {
    auto [v, depth] = todo.back();
    todo.pop_back();
    if (!v->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const protocol::Json& child : *v) todo.emplace_back(&child, depth + 1);
  }
  return deepest;
}

}  // namespace sharc::fuzz

#endif  // SHARC_FUZZ_FUZZ_UTIL_H_
