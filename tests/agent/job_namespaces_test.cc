// A job in namespaces of its own (LaunchSpec::own_namespaces), with the real monitor and its
// init: it sees only its own processes and an empty /tmp of its own, keeps its own exit
// status, gets the signals sent to it in every process, and leaves nothing behind. The
// fixture's directory lies under /tmp, so every test also shows that the job's directory
// and output files stay reachable there. Needs root (CAP_SYS_ADMIN).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>
#include <vector>

#include "agent/process_launcher.h"
#include "tests/agent/process_launcher_fixture.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;

class JobNamespacesTest : public ProcessLauncherTest {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root: namespaces need CAP_SYS_ADMIN";
    ProcessLauncherTest::SetUp();
  }

  LaunchSpec NamespacedSpec(std::vector<std::string> argv) {
    LaunchSpec spec = Spec(std::move(argv));
    spec.own_namespaces = true;
    return spec;
  }

  // Opens the fifo `name` in the job's directory for writing once the job reads it, and
  // writes a line: the job goes on.
  bool Release(const std::string& name) {
    int fifo = -1;
    bool opened = PollUntil([&] {
      fifo = open(dir_.File(name).c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
      return fifo >= 0;  // ENXIO until the job has opened it for reading
    });
    if (!opened) return false;
    bool written = write(fifo, "go\n", 3) == 3;
    close(fifo);
    return written;
  }
};

// The PID namespace a process is in, as the node sees it ("" once it is gone).
std::string PidNamespaceOf(pid_t pid) {
  std::error_code error;
  std::filesystem::path link =
      std::filesystem::read_symlink("/proc/" + std::to_string(pid) + "/ns/pid", error);
  return error ? "" : link.string();
}

TEST_F(JobNamespacesTest, AJobSeesOnlyItsOwnProcessesAndAnEmptyTmpOfItsOwn) {
  const std::string probe = "sharc-namespace-probe-" + std::to_string(getpid());
  LaunchSpec spec = NamespacedSpec(
      {"sh", "-c",
       "echo $$; ls -A /tmp; echo x > /tmp/" + probe + "; ls /tmp; echo ---; cat /proc/1/cmdline"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 0) << ReadTextFile(spec.stderr_path);
  std::string out = ReadTextFile(spec.stdout_path);
  // PID 2 under its init (PID 1, a copy of the monitor); /tmp holds only the way to the job's
  // own directory (this test's lies under /tmp), then its file too.
  const std::string way = dir_.path().substr(5, dir_.path().find('/', 5) - 5);
  ASSERT_LT(probe, way);  // the order ls prints them in
  const std::string head = "2\n" + way + "\n" + probe + "\n" + way + "\n---\n";
  EXPECT_EQ(out.substr(0, head.size()), head) << out;
  EXPECT_NE(out.find("sharc-job-monitor", head.size()), std::string::npos) << out;
  EXPECT_FALSE(std::filesystem::exists("/tmp/" + probe)) << "the job's /tmp is the node's";
}

// A state_dir under /tmp put every job's directory under the /tmp its namespace covers: $HOME
// and $SHARC_HOSTFILE led nowhere. The directory is bound back at its own path.
TEST_F(JobNamespacesTest, AJobDirectoryUnderTmpKeepsItsPathAndNothingElseOfTmpShows) {
  ASSERT_EQ(dir_.path().rfind("/tmp/", 0), 0u);
  const std::string marker = dir_.File("marker");
  ::sharc::testing::WriteTextFile(marker, "here\n");
  const std::string neighbour = "/tmp/sharc-neighbour-" + std::to_string(getpid());
  ::sharc::testing::WriteTextFile(neighbour, "not yours\n");
  LaunchSpec spec = NamespacedSpec({"sh", "-c",
                                    "cat " + marker + "; echo written > " + dir_.File("from-job") +
                                        "; cat " + neighbour + " 2>/dev/null || echo hidden"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  std::filesystem::remove(neighbour);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 0) << ReadTextFile(spec.stderr_path);
  EXPECT_EQ(ReadTextFile(spec.stdout_path), "here\nhidden\n");
  EXPECT_EQ(ReadTextFile(dir_.File("from-job")), "written\n");  // the node's directory itself
}

TEST_F(JobNamespacesTest, TheJobsOwnExitCodeAndSignalAreReportedNotItsInits) {
  LaunchSpec exits = NamespacedSpec({"sh", "-c", "exit 7"});
  StatusOr<LaunchedJob> job = Launch(exits);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, exits);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 7);

  exits.status_path = dir_.File("status-2");
  LaunchSpec killed = exits;
  killed.argv = {"sh", "-c", "kill -USR1 $$"};
  job = Launch(killed);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  end = WaitForEnd(*job, killed);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kSignaled);
  EXPECT_EQ(end->value, SIGUSR1);
}

TEST_F(JobNamespacesTest, ASignalToTheJobReachesEveryProcessInItsNamespace) {
  ASSERT_EQ(mkfifo(dir_.File("ready").c_str(), 0600), 0);
  // The trap makes SIGTERM end the shell with 3; its background sleep has no such trap.
  LaunchSpec spec =
      NamespacedSpec({"sh", "-c", "trap 'exit 3' TERM; sleep 300 & echo up > ready; wait; exit 9"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  int ready = open(dir_.File("ready").c_str(), O_RDONLY | O_CLOEXEC);
  ASSERT_GE(ready, 0);
  char line[8] = {};
  ASSERT_GT(read(ready, line, sizeof(line)), 0);
  close(ready);

  ASSERT_TRUE(SignalJob(job->job_pid, SIGTERM).ok());  // the init, which forwards it
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 3);
}

TEST_F(JobNamespacesTest, NothingOfTheJobOutlivesIt) {
  ASSERT_EQ(mkfifo(dir_.File("go").c_str(), 0600), 0);
  // A daemon in a session of its own, which no process group signal reaches.
  LaunchSpec spec = NamespacedSpec({"sh", "-c", "(setsid sleep 300 &); read line < go; exit 0"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  const std::string own = PidNamespaceOf(job->job_pid);
  ASSERT_FALSE(own.empty());
  ASSERT_NE(own, PidNamespaceOf(getpid()));
  ASSERT_TRUE(Release("go"));
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 0);
  auto left = [&] {
    std::vector<pid_t> pids;
    for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
      const std::string name = entry.path().filename().string();
      if (name.find_first_not_of("0123456789") != std::string::npos) continue;
      pid_t pid = std::stoi(name);
      if (PidNamespaceOf(pid) != own) continue;
      std::string status = ReadTextFile("/proc/" + name + "/status");
      if (status.find("State:\tZ") == std::string::npos) pids.push_back(pid);
    }
    return pids;
  };
  EXPECT_TRUE(PollUntil([&] { return left().empty(); })) << left().size() << " processes left";
}

TEST_F(JobNamespacesTest, ALaunchFailureIsReportedAsWithoutNamespaces) {
  LaunchSpec spec = NamespacedSpec({"no-such-program-here"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kLaunchFailed);
  EXPECT_EQ(end->value, ENOENT);
  EXPECT_EQ(end->launch_step, LaunchStep::kExec);
}

}  // namespace
}  // namespace sharc::agent
