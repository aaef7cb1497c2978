// A temporary directory owned by one test, removed with everything in it when it goes away.
#ifndef SHARC_TESTS_TESTING_TEMP_DIR_H_
#define SHARC_TESTS_TESTING_TEMP_DIR_H_

#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace sharc::testing {

class TempDir {
 public:
  // Makes <base>/<prefix>-XXXXXX.
  explicit TempDir(const std::string& prefix = "sharc-test", const std::string& base = "/tmp") {
    std::string pattern = base + "/" + prefix + "-XXXXXX";
    char* made = mkdtemp(pattern.data());
    path_ = made != nullptr ? made : "";
  }
  ~TempDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  bool ok() const { return !path_.empty(); }
  const std::string& path() const { return path_; }
  std::string File(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline void WriteTextFile(const std::string& path, const std::string& content) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
}

// The whole file, or "" if it cannot be read.
inline std::string ReadTextFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

}  // namespace sharc::testing

#endif  // SHARC_TESTS_TESTING_TEMP_DIR_H_
