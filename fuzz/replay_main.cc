// A main() for the fuzz targets outside libFuzzer: feeds every file named on the command line,
// and every file of every directory named there (sorted, not recursive), to
// LLVMFuzzerTestOneInput once. A target's check fails by abort(); this exits 1 when a file
// cannot be read or no input was found, so a missing corpus does not pass silently.
// Under AddressSanitizer an input that allocates more than 256 MiB at once or makes the process
// hold more than 2 GiB fails, as it would under libFuzzer's -rss_limit_mb=2048 (ASAN_OPTIONS
// may override both).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

bool RunFile(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    std::fprintf(stderr, "cannot read %s\n", path.c_str());
    return false;
  }
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // An exact-size heap copy, so that AddressSanitizer sees a read past the end.
  std::unique_ptr<uint8_t[]> copy(new uint8_t[bytes.size()]);
  std::copy(bytes.begin(), bytes.end(), copy.get());
  LLVMFuzzerTestOneInput(copy.get(), bytes.size());
  return true;
}

}  // namespace

extern "C" const char* __asan_default_options() {
  return "max_allocation_size_mb=256:hard_rss_limit_mb=2048";
}

int main(int argc, char** argv) {
  std::vector<std::filesystem::path> files;
  for (int i = 1; i < argc; ++i) {
    std::filesystem::path arg = argv[i];
    if (std::filesystem::is_directory(arg)) {
      for (const auto& entry : std::filesystem::directory_iterator(arg)) {
        if (entry.is_regular_file()) files.push_back(entry.path());
      }
    } else {
      files.push_back(arg);
    }
  }
  std::sort(files.begin(), files.end());
  if (files.empty()) {
    std::fprintf(stderr, "usage: %s CORPUS_DIR_OR_FILE...; no input found\n", argv[0]);
    return 1;
  }
  for (const auto& file : files) {
    std::fprintf(stderr, "running %s\n", file.c_str());
    if (!RunFile(file)) return 1;
  }
  std::fprintf(stderr, "%zu inputs ran\n", files.size());
  return 0;
}
