// The status file a job's monitor leaves behind (agent/exit_status.cc): read strictly.
#include <gtest/gtest.h>
#include <unistd.h>

#include <optional>
#include <string>
#include <vector>

#include "agent/process_launcher.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

class ReadExitStatusTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  StatusOr<std::optional<ExitStatus>> Read(const std::string& content) {
    WriteTextFile(dir_.File("status"), content);
    return ReadExitStatus(dir_.File("status"));
  }

  TempDir dir_;
};

TEST_F(ReadExitStatusTest, IsEmptyWhileTheFileDoesNotExist) {
  StatusOr<std::optional<ExitStatus>> status = ReadExitStatus(dir_.File("status"));
  ASSERT_TRUE(status.ok()) << status.status().ToString();
  EXPECT_FALSE(status->has_value());
}

TEST_F(ReadExitStatusTest, ReadsEachKind) {
  struct Case {
    std::string line;
    ExitStatus::Kind kind;
    int value;
  };
  for (const Case& c :
       {Case{"exited 0 1796018620123\n", ExitStatus::Kind::kExited, 0},
        Case{"exited 255 1796018620123\n", ExitStatus::Kind::kExited, 255},
        Case{"signaled 9 1796018620123\n", ExitStatus::Kind::kSignaled, 9},
        Case{"launch_failed 2 1796018620123\n", ExitStatus::Kind::kLaunchFailed, 2}}) {
    StatusOr<std::optional<ExitStatus>> status = Read(c.line);
    ASSERT_TRUE(status.ok() && status->has_value()) << c.line << status.status().ToString();
    EXPECT_EQ((*status)->kind, c.kind) << c.line;
    EXPECT_EQ((*status)->value, c.value) << c.line;
    EXPECT_EQ((*status)->end_time, 1796018620123) << c.line;
  }
}

TEST_F(ReadExitStatusTest, ReadsTheStepALaunchFailedAt) {
  StatusOr<std::optional<ExitStatus>> status = Read("launch_failed:chdir 13 1796018620123\n");
  ASSERT_TRUE(status.ok() && status->has_value()) << status.status().ToString();
  EXPECT_EQ((*status)->kind, ExitStatus::Kind::kLaunchFailed);
  EXPECT_EQ((*status)->value, 13);
  EXPECT_EQ((*status)->launch_step, LaunchStep::kWorkDir);
  // Written before steps were recorded: the step is unknown.
  status = Read("launch_failed 13 1796018620123\n");
  ASSERT_TRUE(status.ok() && status->has_value()) << status.status().ToString();
  EXPECT_EQ((*status)->launch_step, LaunchStep::kUnknown);
  EXPECT_EQ(Read("launch_failed:nap 13 5\n").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(Read("exited:chdir 0 5\n").status().code(), StatusCode::kInvalidArgument);
}

TEST_F(ReadExitStatusTest, DoesNotFollowASymlink) {
  WriteTextFile(dir_.File("elsewhere"), "exited 0 1796018620123\n");
  ASSERT_EQ(symlink(dir_.File("elsewhere").c_str(), dir_.File("status").c_str()), 0);
  EXPECT_EQ(ReadExitStatus(dir_.File("status")).status().code(), StatusCode::kInternal);
}

TEST_F(ReadExitStatusTest, RejectsAnythingElse) {
  for (const std::string& bad : std::vector<std::string>{
           "", "exited 3 5", "exited 3\n", "exited 3 5 7\n", "exited  3 5\n", " exited 3 5\n",
           "exited 3 5\n\n", "exited 3 5\nexited 4 6\n", "exited +3 5\n", "exited 3x 5\n",
           "exited 256 5\n", "exited -1 5\n", "signaled 0 5\n", "launch_failed 0 5\n",
           "exited 3 -5\n", "exited 3 99999999999999999999\n", "Exited 3 5\n", "stopped 19 5\n",
           std::string(200, 'x') + "\n"}) {
    StatusOr<std::optional<ExitStatus>> status = Read(bad);
    EXPECT_EQ(status.status().code(), StatusCode::kInvalidArgument) << "accepted: " << bad;
  }
  StatusOr<std::optional<ExitStatus>> status = Read("exited 3\n");
  EXPECT_NE(status.status().message().find(dir_.File("status")), std::string::npos)
      << status.status().message();
}

}  // namespace
}  // namespace sharc::agent
