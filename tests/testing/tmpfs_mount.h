// A small tmpfs mounted on a fresh temporary directory, for tests of a disk that fills up.
// Needs root (CAP_SYS_ADMIN); ok() is false where mounting is not allowed, and the test then
// skips. The destructor unmounts it (lazily, should something still hold it open).
#ifndef SHARC_TESTS_TESTING_TMPFS_MOUNT_H_
#define SHARC_TESTS_TESTING_TMPFS_MOUNT_H_

#include <cstdint>
#include <string>

#include "tests/testing/temp_dir.h"

namespace sharc::testing {

class TmpfsMount {
 public:
  explicit TmpfsMount(int64_t size_bytes);
  ~TmpfsMount();
  TmpfsMount(const TmpfsMount&) = delete;
  TmpfsMount& operator=(const TmpfsMount&) = delete;

  bool ok() const { return mounted_; }
  const std::string& path() const { return dir_.path(); }
  std::string File(const std::string& name) const { return dir_.File(name); }

  // Writes `name` until the filesystem is full (ENOSPC); the bytes written.
  int64_t Fill(const std::string& name) const;
  // Bytes the filesystem has available.
  int64_t AvailableBytes() const;

 private:
  TempDir dir_{"sharc-tmpfs"};
  bool mounted_ = false;
};

}  // namespace sharc::testing

#endif  // SHARC_TESTS_TESTING_TMPFS_MOUNT_H_
