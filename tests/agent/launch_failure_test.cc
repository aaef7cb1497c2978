// The words a job's owner gets when the job cannot start: real directories with real modes,
// judged for the unprivileged user "nobody".
#include "agent/launch_failure.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>

#include "agent/path_access.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

constexpr uid_t kNobody = 65534;
const LaunchSpec::Identity kNobodyIdentity{kNobody, kNobody, {}};

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class LaunchFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Like `mktemp -d`: 0700, so nobody but its owner gets through.
    ASSERT_EQ(::chmod(dir_.path().c_str(), 0700), 0);
    std::filesystem::create_directories(dir_.File("jobs/1.1"));
    context_.program = "tool";
    context_.path_env = dir_.File("bin") + ":/usr/bin:/bin";
    context_.work_dir = dir_.File("jobs/1.1");
    context_.stdout_path = context_.work_dir + "/stdout";
    context_.stderr_path = context_.work_dir + "/stderr";
    context_.identity = kNobodyIdentity;
  }
  TempDir dir_;
  LaunchFailureContext context_;
};

TEST_F(LaunchFailureTest, BlockingDirectoryNamesTheFirstOneInTheWay) {
  std::optional<std::string> blocked = BlockingDirectory(context_.work_dir, kNobodyIdentity);
  ASSERT_TRUE(blocked.has_value());
  EXPECT_EQ(blocked->rfind(dir_.path() + " (mode 0700, owned by uid ", 0), 0u) << *blocked;
  // Root, the owner, and anyone once the directory lets others through, pass.
  EXPECT_FALSE(BlockingDirectory(context_.work_dir, {0, 0, {}}).has_value());
  struct stat st;
  ASSERT_EQ(::stat(dir_.path().c_str(), &st), 0);
  EXPECT_FALSE(BlockingDirectory(context_.work_dir, {st.st_uid, kNobody, {}}).has_value());
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0711), 0);
  EXPECT_FALSE(BlockingDirectory(context_.work_dir, kNobodyIdentity).has_value());
  // A group that may search lets its members through, and only them.
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0710), 0);
  EXPECT_TRUE(BlockingDirectory(context_.work_dir, kNobodyIdentity).has_value());
  EXPECT_FALSE(BlockingDirectory(context_.work_dir, {kNobody, kNobody, {st.st_gid}}).has_value());
}

TEST_F(LaunchFailureTest, AWorkDirOutOfReachNamesTheDirectoryAndTheFix) {
  std::string message = DescribeLaunchFailure(context_, LaunchStep::kWorkDir, EACCES);
  EXPECT_TRUE(Contains(
      message, "cannot enter the job's directory " + context_.work_dir + ": Permission denied"))
      << message;
  EXPECT_TRUE(Contains(message, dir_.path() + " (mode 0700")) << message;
  EXPECT_TRUE(Contains(message, "chmod o+x " + dir_.path())) << message;
  EXPECT_TRUE(Contains(message, "uid 65534")) << message;
}

TEST_F(LaunchFailureTest, AProgramOutOfReachIsNotReportedAsTheProgramsFault) {
  std::filesystem::create_directories(dir_.File("bin"));
  WriteTextFile(dir_.File("bin/tool"), "#!/bin/sh\n");
  ASSERT_EQ(::chmod(dir_.File("bin/tool").c_str(), 0755), 0);
  std::string message = DescribeLaunchFailure(context_, LaunchStep::kExec, EACCES);
  EXPECT_TRUE(Contains(
      message, "cannot run 'tool' (" + dir_.File("bin/tool") + "): Permission denied: the program"))
      << message;
  EXPECT_TRUE(Contains(message, "chmod o+x " + dir_.path())) << message;
}

TEST_F(LaunchFailureTest, ADirectoryOrAFileWithoutExecuteBitIsNamedAsSuch) {
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  context_.program = "/tmp";
  EXPECT_TRUE(Contains(DescribeLaunchFailure(context_, LaunchStep::kExec, EACCES),
                       "cannot run '/tmp' (/tmp): Permission denied: it is a directory, not a "
                       "program"));
  std::filesystem::create_directories(dir_.File("bin"));
  WriteTextFile(dir_.File("bin/tool"), "#!/bin/sh\n");
  ASSERT_EQ(::chmod(dir_.File("bin/tool").c_str(), 0644), 0);
  context_.program = "tool";
  EXPECT_TRUE(Contains(DescribeLaunchFailure(context_, LaunchStep::kExec, EACCES),
                       "the file is not executable (mode 0644; chmod +x it)"));
  context_.program = "no-such-tool";
  EXPECT_TRUE(Contains(DescribeLaunchFailure(context_, LaunchStep::kExec, ENOENT),
                       "cannot run 'no-such-tool': No such file or directory (no such program "
                       "in PATH " +
                           context_.path_env + ")"));
}

TEST_F(LaunchFailureTest, OtherStepsNameTheirStepAndPath) {
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0755), 0);
  EXPECT_EQ(
      DescribeLaunchFailure(context_, LaunchStep::kOpenStderr, EROFS),
      "cannot open the job's output file " + context_.stderr_path + ": Read-only file system");
  EXPECT_EQ(DescribeLaunchFailure(context_, LaunchStep::kIdentity, EPERM),
            "cannot become the job's user (uid 65534): Operation not permitted");
  EXPECT_EQ(DescribeLaunchFailure(context_, LaunchStep::kBindCpus, EINVAL),
            "the job's set-up failed at bind_cpus: Invalid argument");
}

TEST_F(LaunchFailureTest, TheAgentRefusesAStateDirItsJobsCannotReach) {
  IdentityPolicy policy;
  policy.create_users = true;
  Status reach = CheckStateDirReachable(dir_.File("state"), policy);
  EXPECT_EQ(reach.code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(reach.message(),
                       "state_dir: for a user created for a tenant, the jobs "
                       "directory " +
                           dir_.File("state/jobs")))
      << reach.message();
  EXPECT_TRUE(Contains(reach.message(), "chmod o+x " + dir_.path())) << reach.message();
  if (::geteuid() == 0) {  // only root resolves a tenant's user (others cannot switch)
    policy.users["acme"] = "65534:65534";
    policy.create_users = false;
    EXPECT_TRUE(Contains(CheckStateDirReachable(dir_.File("state"), policy).message(),
                         "for tenant acme's user"));
  }
  ASSERT_EQ(::chmod(dir_.path().c_str(), 0711), 0);
  EXPECT_TRUE(CheckStateDirReachable(dir_.File("state"), policy).ok());
}

}  // namespace
}  // namespace sharc::agent
