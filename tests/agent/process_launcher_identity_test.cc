// The launcher's identity and privilege handling: who the job runs as, what it may not do,
// and that it cannot gain privileges. Real processes; switching users needs root.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <string>
#include <vector>

#include "agent/process_launcher.h"
#include "tests/agent/process_launcher_fixture.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::WriteTextFile;

TEST_F(ProcessLauncherTest, JobsCannotGainPrivilegesUnlessAllowed) {
  LaunchSpec spec = Spec({"cat", "/proc/self/status"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, spec).has_value());
  EXPECT_NE(ReadTextFile(spec.stdout_path).find("\nNoNewPrivs:\t1\n"), std::string::npos)
      << ReadTextFile(spec.stdout_path);
  std::filesystem::remove(spec.status_path);
  spec.no_new_privs = false;
  job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, spec).has_value());
  EXPECT_NE(ReadTextFile(spec.stdout_path).find("\nNoNewPrivs:\t0\n"), std::string::npos)
      << ReadTextFile(spec.stdout_path);
}

TEST_F(ProcessLauncherTest, SwitchingIdentityWithoutRootEndsAsLaunchFailedWithEperm) {
  if (geteuid() == 0) GTEST_SKIP() << "root may switch identities";
  LaunchSpec spec = Spec({"true"});
  spec.identity = LaunchSpec::Identity{getuid() + 1, getgid(), {}};
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  StatusOr<std::optional<ExitStatus>> end = ReadExitStatus(spec.status_path);
  ASSERT_TRUE(end.ok() && end->has_value()) << end.status().ToString();
  EXPECT_EQ((*end)->kind, ExitStatus::Kind::kLaunchFailed);
  EXPECT_EQ((*end)->value, EPERM);
  EXPECT_EQ((*end)->launch_step, LaunchStep::kIdentity);
}

// Jobs that switch to the unprivileged user "nobody" (65534). The launcher must be root.
class IdentityLaunchTest : public ProcessLauncherTest {
 protected:
  static constexpr uid_t kNobody = 65534;

  void SetUp() override {
    ProcessLauncherTest::SetUp();
    if (HasFatalFailure()) return;
    if (geteuid() != 0) GTEST_SKIP() << "needs root to switch the job to another user";
    // The job's own directory belongs to it; the test dir (and the status file in it) stays
    // root's, searchable but not writable by the job.
    ASSERT_EQ(chmod(dir_.path().c_str(), 0711), 0);
    ASSERT_EQ(mkdir(dir_.File("job").c_str(), 0700), 0);
    ASSERT_EQ(chown(dir_.File("job").c_str(), kNobody, kNobody), 0);
  }

  LaunchSpec NobodySpec(std::vector<std::string> argv) {
    LaunchSpec spec = Spec(std::move(argv));
    spec.work_dir = dir_.File("job");
    spec.stdout_path = dir_.File("job/stdout");
    spec.stderr_path = dir_.File("job/stderr");
    spec.identity = LaunchSpec::Identity{kNobody, kNobody, {kNobody}};
    return spec;
  }

  static uid_t Owner(const std::string& path) {
    struct stat info = {};
    return lstat(path.c_str(), &info) == 0 ? info.st_uid : static_cast<uid_t>(-1);
  }
};

TEST_F(IdentityLaunchTest, RunsTheJobAsTheGivenUserAndGroups) {
  LaunchSpec spec = NobodySpec({"sh", "-c", "id -u; id -g; id -G"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 0) << ReadTextFile(spec.stderr_path);
  // `id -G` lists the supplementary groups too: root's are gone.
  EXPECT_EQ(ReadTextFile(spec.stdout_path), "65534\n65534\n65534\n");
  EXPECT_EQ(Owner(spec.stdout_path), kNobody);
  EXPECT_EQ(Owner(spec.stderr_path), kNobody);
  EXPECT_EQ(Owner(spec.status_path), 0u);
}

TEST_F(IdentityLaunchTest, TheJobCannotWriteWhereOnlyRootMay) {
  ASSERT_EQ(mkdir(dir_.File("private").c_str(), 0700), 0);
  LaunchSpec spec = NobodySpec({"sh", "-c", "echo forged > " + dir_.File("private/f")});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_NE(end->value, 0);
  EXPECT_NE(ReadTextFile(spec.stderr_path).find("Permission denied"), std::string::npos)
      << ReadTextFile(spec.stderr_path);
  EXPECT_FALSE(std::filesystem::exists(dir_.File("private/f")));
}

TEST_F(IdentityLaunchTest, OnlyTheJobSwitchesAndJoinsTheMonitorStaysRoot) {
  WriteTextFile(dir_.File("cgroup.procs"), "");
  LaunchSpec spec = NobodySpec({"sleep", "100"});
  spec.join_files = {dir_.File("cgroup.procs")};
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  // Real, effective, saved and filesystem ids.
  EXPECT_EQ(ProcStatusField(job->job_pid, "Uid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(ProcStatusField(job->job_pid, "Gid"), "65534\t65534\t65534\t65534");
  EXPECT_EQ(ProcStatusField(job->job_pid, "Groups"), "65534");
  EXPECT_EQ(ProcStatusField(job->monitor_pid, "Uid"), "0\t0\t0\t0");
  EXPECT_EQ(ReadTextFile(dir_.File("cgroup.procs")), std::to_string(job->job_pid));
}

TEST_F(IdentityLaunchTest, IdsTheKernelRefusesEndAsLaunchFailed) {
  // setgroups: more groups than NGROUPS_MAX (65536).
  LaunchSpec too_many_groups = NobodySpec({"true"});
  too_many_groups.identity->groups.assign(65537, kNobody);
  // setuid: -1 is no uid.
  LaunchSpec bad_uid = NobodySpec({"true"});
  bad_uid.identity->uid = static_cast<uid_t>(-1);
  for (const LaunchSpec& spec : {too_many_groups, bad_uid}) {
    std::filesystem::remove(spec.status_path);
    StatusOr<LaunchedJob> job = Launch(spec);
    ASSERT_TRUE(job.ok()) << job.status().ToString();
    StatusOr<std::optional<ExitStatus>> end = ReadExitStatus(spec.status_path);
    ASSERT_TRUE(end.ok() && end->has_value()) << end.status().ToString();
    EXPECT_EQ((*end)->kind, ExitStatus::Kind::kLaunchFailed);
    EXPECT_EQ((*end)->value, EINVAL);
    EXPECT_TRUE(PollUntil([&] { return TryReapMonitor(job->monitor_pid); }));
  }
}

}  // namespace
}  // namespace sharc::agent
