#include "agent/job_dir_retention.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using testing::TempDir;
using testing::WriteTextFile;

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr milliseconds kKeepFor = hours(1);

bool Exists(const std::string& path) {
  std::error_code error;
  return std::filesystem::exists(std::filesystem::symlink_status(path, error));
}

void SetModified(const std::string& path, UnixMillis when) {
  struct timespec times[2];
  times[0].tv_sec = times[1].tv_sec = when / 1000;
  times[0].tv_nsec = times[1].tv_nsec = (when % 1000) * 1'000'000;
  ASSERT_EQ(::utimensat(AT_FDCWD, path.c_str(), times, AT_SYMLINK_NOFOLLOW), 0) << path;
}

class JobDirRetentionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(state_.path() + "/jobs");
    std::filesystem::create_directories(state_.path() + "/status");
  }

  std::string JobDir(const std::string& name) const { return state_.path() + "/jobs/" + name; }
  std::string Status(const std::string& name) const { return state_.path() + "/status/" + name; }

  // An attempt's directory with its output, and its status file written at `ended`.
  void MakeEndedAttempt(const std::string& name, UnixMillis ended) {
    std::filesystem::create_directories(JobDir(name));
    WriteTextFile(JobDir(name) + "/stdout", "out\n");
    WriteTextFile(JobDir(name) + "/stderr", "");
    WriteTextFile(Status(name), "exited 0\n");
    SetModified(Status(name), ended);
  }

  JobDirSweep Sweep(const std::set<AttemptId>& in_use = {}, int max_removals = 100,
                    UnixMillis now = kNow) {
    return SweepJobDirs(state_.path(), kKeepFor, now, in_use, max_removals);
  }

  TempDir state_{"sharc-retention"};
};

TEST_F(JobDirRetentionTest, AnAttemptThatEndedLongerAgoIsRemovedWithItsStatus) {
  MakeEndedAttempt("5.1", kNow - 2 * 3'600'000);
  std::filesystem::create_directories(JobDir("5.1") + "/results/deep");
  WriteTextFile(JobDir("5.1") + "/results/deep/model.bin", std::string(1000, 'x'));
  JobDirSweep sweep = Sweep();
  EXPECT_EQ(sweep.removed, 1);
  EXPECT_EQ(sweep.freed_bytes, 4 + 1000);
  EXPECT_FALSE(sweep.more);
  EXPECT_EQ(sweep.error, "");
  EXPECT_FALSE(Exists(JobDir("5.1")));
  EXPECT_FALSE(Exists(Status("5.1")));
}

TEST_F(JobDirRetentionTest, RecentAttemptsAndAttemptsTheRunnerKnowsStay) {
  MakeEndedAttempt("6.1", kNow - 10 * 60'000);         // ended ten minutes ago
  MakeEndedAttempt("7.2", kNow - 30 * 3'600'000);      // old, but its end is not acknowledged yet
  std::filesystem::create_directories(JobDir("8.1"));  // running: no status file yet
  JobDirSweep sweep = Sweep({AttemptId{JobId{7}, 2}, AttemptId{JobId{8}, 1}});
  EXPECT_EQ(sweep.removed, 0);
  EXPECT_TRUE(Exists(JobDir("6.1")));
  EXPECT_TRUE(Exists(JobDir("7.2")));
  EXPECT_TRUE(Exists(Status("7.2")));
  EXPECT_TRUE(Exists(JobDir("8.1")));
  EXPECT_FALSE(Exists(Status("8.1"))) << "a running attempt's status is the monitor's to write";
}

// The job owns its directory and files; only the root-owned status file dates its end.
TEST_F(JobDirRetentionTest, AJobCannotPutOffItsRemovalByTouchingItsOwnFiles) {
  MakeEndedAttempt("9.1", kNow - 2 * 3'600'000);
  SetModified(JobDir("9.1") + "/stdout", kNow + 365LL * 86'400'000);
  SetModified(JobDir("9.1"), kNow + 365LL * 86'400'000);
  EXPECT_EQ(Sweep().removed, 1);
  EXPECT_FALSE(Exists(JobDir("9.1")));
}

TEST_F(JobDirRetentionTest, AnAttemptThatEndedWithoutStatusIsDatedByTheFirstSweepThatFindsIt) {
  std::filesystem::create_directories(JobDir("10.1"));  // its monitor was killed, say
  SetModified(JobDir("10.1"), kNow - 30 * 3'600'000);
  EXPECT_EQ(Sweep().removed, 0);
  ASSERT_TRUE(Exists(Status("10.1"))) << "the sweep dates it";
  EXPECT_TRUE(Exists(JobDir("10.1")));
  SetModified(Status("10.1"), kNow - 2 * 3'600'000);  // as if that sweep was two hours ago
  EXPECT_EQ(Sweep().removed, 1);
  EXPECT_FALSE(Exists(JobDir("10.1")));
  EXPECT_FALSE(Exists(Status("10.1")));
}

TEST_F(JobDirRetentionTest, OnlyAttemptNamesAreTouchedAndLinksAreNotFollowed) {
  for (const char* name : {"notes", "11.x", "lost+found", "0.1"}) {
    std::filesystem::create_directories(JobDir(name));
    WriteTextFile(Status(name), "");
    SetModified(Status(name), kNow - 30 * 3'600'000);
  }
  TempDir elsewhere("sharc-retention-target");
  WriteTextFile(elsewhere.File("precious"), "keep me");
  std::filesystem::create_symlink(elsewhere.path(), JobDir("12.1"));
  WriteTextFile(Status("12.1"), "exited 0\n");
  SetModified(Status("12.1"), kNow - 30 * 3'600'000);

  EXPECT_EQ(Sweep().removed, 1);
  for (const char* name : {"notes", "11.x", "lost+found", "0.1"}) {
    EXPECT_TRUE(Exists(JobDir(name))) << name;
  }
  EXPECT_FALSE(Exists(JobDir("12.1"))) << "the link itself goes";
  EXPECT_TRUE(Exists(elsewhere.File("precious"))) << "what it pointed at stays";
}

TEST_F(JobDirRetentionTest, ABacklogIsRemovedAFewAttemptsPerSweep) {
  for (int job = 1; job <= 5; ++job) {
    MakeEndedAttempt(std::to_string(job) + ".1", kNow - 2 * 3'600'000);
  }
  JobDirSweep first = Sweep({}, 2);
  EXPECT_EQ(first.removed, 2);
  EXPECT_TRUE(first.more);
  JobDirSweep second = Sweep({}, 2);
  EXPECT_EQ(second.removed, 2);
  EXPECT_TRUE(second.more);
  JobDirSweep third = Sweep({}, 2);
  EXPECT_EQ(third.removed, 1);
  EXPECT_FALSE(third.more);
  EXPECT_TRUE(std::filesystem::is_empty(state_.path() + "/jobs"));
}

}  // namespace
}  // namespace sharc::agent
