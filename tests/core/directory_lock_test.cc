#include "core/directory_lock.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/testing/temp_dir.h"

namespace sharc {
namespace {

using ::sharc::testing::TempDir;

TEST(DirectoryLockTest, ASecondHolderIsRefusedNamingTheSettingTheDirectoryAndTheHolder) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  StatusOr<DirectoryLock> first = DirectoryLock::Acquire(dir.path(), "data_dir");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // flock(2) locks belong to an open file, so a second open in this process conflicts as a
  // second process would.
  StatusOr<DirectoryLock> second = DirectoryLock::Acquire(dir.path(), "data_dir");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(second.status().message(),
            "data_dir " + dir.path() + " is in use by another process (pid " +
                std::to_string(getpid()) +
                "): stop it first, or give this one a directory of its own");
}

// A cgroup directory takes no lock file: the directory itself is locked.
TEST(DirectoryLockTest, ADirectoryItselfCanBeLockedWithoutAFileInIt) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  StatusOr<DirectoryLock> first = DirectoryLock::AcquireItself(dir.path(), "cgroups.parent");
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  StatusOr<DirectoryLock> second = DirectoryLock::AcquireItself(dir.path(), "cgroups.parent");
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().message(),
            "cgroups.parent " + dir.path() +
                " is in use by another process: stop it first, or give this one a directory of "
                "its own");
  EXPECT_FALSE(std::filesystem::exists(dir.File("lock")));
}

TEST(DirectoryLockTest, ReleasedWhenDestroyedAndWhenItsProcessEnds) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  {
    StatusOr<DirectoryLock> held = DirectoryLock::Acquire(dir.path(), "state_dir");
    ASSERT_TRUE(held.ok()) << held.status().ToString();
  }
  EXPECT_TRUE(DirectoryLock::Acquire(dir.path(), "state_dir").ok());
  EXPECT_EQ(DirectoryLock::Acquire("/nonexistent-sharc-dir", "state_dir").status().code(),
            StatusCode::kInternal);

  // A process that dies holding it (no destructor runs) leaves it free.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    StatusOr<DirectoryLock> held = DirectoryLock::Acquire(dir.path(), "state_dir");
    _exit(held.ok() ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  EXPECT_TRUE(DirectoryLock::Acquire(dir.path(), "state_dir").ok());
}

}  // namespace
}  // namespace sharc
