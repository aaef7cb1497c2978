#include "agent/job_dir_retention.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/testing/temp_dir.h"
#include "tests/testing/wait_for.h"

namespace sharc::agent {
namespace {

using std::chrono::hours;
using std::chrono::milliseconds;
using testing::TempDir;
using testing::WriteTextFile;

constexpr UnixMillis kNow = 1'800'000'000'000;
constexpr milliseconds kKeepFor = hours(1);
constexpr UnixMillis kTwoHoursAgo = kNow - 2 * 3'600'000;

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

  ExpiredAttempts Find(const std::set<AttemptId>& in_use = {}, int max_attempts = 100) {
    return FindExpiredAttempts(state_.path(), kKeepFor, kNow, in_use, max_attempts);
  }

  // Runs a JobDirRetention whose clock says kNow until `done`, or 20 s.
  bool RetainUntil(const std::function<bool()>& done) {
    boost::asio::io_context io;
    FakeClock clock(kNow);
    JobDirRetention retention(io, state_.path(), kKeepFor, clock,
                              [] { return std::set<AttemptId>{}; });
    retention.Start();
    return testing::WaitFor(
        [&] {
          io.run_for(milliseconds(20));
          return done();
        },
        std::chrono::seconds(20), milliseconds(1));
  }

  TempDir state_{"sharc-retention"};
};

TEST_F(JobDirRetentionTest, AnAttemptThatEndedLongerAgoIsRemovedDirectoryFirstStatusLast) {
  MakeEndedAttempt("5.1", kTwoHoursAgo);
  ExpiredAttempts expired = Find();
  EXPECT_EQ(expired.attempts, 1);
  EXPECT_FALSE(expired.more);
  EXPECT_EQ(expired.paths,
            (std::vector<std::string>{JobDir("5.1"), Status("5.1") + ".tmp", Status("5.1")}));
}

TEST_F(JobDirRetentionTest, RecentAttemptsAndAttemptsTheRunnerKnowsStay) {
  MakeEndedAttempt("6.1", kNow - 10 * 60'000);         // ended ten minutes ago
  MakeEndedAttempt("7.2", kNow - 30 * 3'600'000);      // old, but its end is not acknowledged yet
  std::filesystem::create_directories(JobDir("8.1"));  // running: no status file yet
  ExpiredAttempts expired = Find({AttemptId{JobId{7}, 2}, AttemptId{JobId{8}, 1}});
  EXPECT_EQ(expired.attempts, 0);
  EXPECT_TRUE(expired.paths.empty());
  EXPECT_FALSE(Exists(Status("8.1"))) << "a running attempt's status is the monitor's to write";
}

// The job owns its directory and files; only the root-owned status file dates its end.
TEST_F(JobDirRetentionTest, AJobCannotPutOffItsRemovalByTouchingItsOwnFiles) {
  MakeEndedAttempt("9.1", kTwoHoursAgo);
  SetModified(JobDir("9.1") + "/stdout", kNow + 365LL * 86'400'000);
  SetModified(JobDir("9.1"), kNow + 365LL * 86'400'000);
  EXPECT_EQ(Find().attempts, 1);
}

TEST_F(JobDirRetentionTest, AnAttemptThatEndedWithoutStatusIsDatedByTheFirstSweepThatFindsIt) {
  std::filesystem::create_directories(JobDir("10.1"));  // its monitor was killed, say
  SetModified(JobDir("10.1"), kNow - 30 * 3'600'000);
  EXPECT_EQ(Find().attempts, 0);
  ASSERT_TRUE(Exists(Status("10.1"))) << "the sweep dates it";
  SetModified(Status("10.1"), kTwoHoursAgo);  // as if that sweep was two hours ago
  EXPECT_EQ(Find().attempts, 1);
}

TEST_F(JobDirRetentionTest, OnlyAttemptNamesAreConsidered) {
  for (const char* name : {"notes", "11.x", "lost+found", "0.1", "12.1.tmp"}) {
    std::filesystem::create_directories(JobDir(name));
    WriteTextFile(Status(name), "");
    SetModified(Status(name), kNow - 30 * 3'600'000);
  }
  EXPECT_EQ(Find().attempts, 0);
}

TEST_F(JobDirRetentionTest, ABacklogIsTakenAFewAttemptsAtATime) {
  for (int job = 1; job <= 5; ++job) MakeEndedAttempt(std::to_string(job) + ".1", kTwoHoursAgo);
  ExpiredAttempts first = Find({}, 2);
  EXPECT_EQ(first.attempts, 2);
  EXPECT_TRUE(first.more);
  ExpiredAttempts all = Find({}, 5);
  EXPECT_EQ(all.attempts, 5);
  EXPECT_FALSE(all.more);
}

// The removal itself, by the agent's sweeper: an expired attempt's whole tree goes, however
// deep (deeper than a process could hold open, or than PATH_MAX), links are removed and not
// followed, and what is not expired stays.
TEST_F(JobDirRetentionTest, TheSweeperRemovesExpiredTreesOfAnyDepthAndNeverFollowsLinks) {
  MakeEndedAttempt("20.1", kTwoHoursAgo);
  int fd = ::open(JobDir("20.1").c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  ASSERT_GE(fd, 0);
  for (int depth = 0; depth < 3000; ++depth) {  // 3000 levels of "d/": 6000 bytes of path
    ASSERT_EQ(::mkdirat(fd, "d", 0700), 0) << depth;
    int next = ::openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    ::close(fd);
    ASSERT_GE(next, 0) << depth;
    fd = next;
  }
  ::close(fd);
  TempDir elsewhere("sharc-retention-target");
  WriteTextFile(elsewhere.File("precious"), "keep me");
  std::filesystem::create_symlink(elsewhere.path(), JobDir("20.1") + "/link");
  MakeEndedAttempt("21.1", kNow - 10 * 60'000);  // not expired

  ASSERT_TRUE(RetainUntil([&] { return !Exists(Status("20.1")); }));
  EXPECT_FALSE(Exists(JobDir("20.1")));
  EXPECT_TRUE(Exists(elsewhere.File("precious"))) << "what the link pointed at stays";
  EXPECT_TRUE(Exists(JobDir("21.1")));
  EXPECT_TRUE(Exists(Status("21.1")));
}

}  // namespace
}  // namespace sharc::agent
