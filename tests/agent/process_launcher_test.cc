// Launches real processes; every wait polls a condition with a deadline.
#include "agent/process_launcher.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/agent/process_launcher_fixture.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::WriteTextFile;

// Launches `spec` from a forked stand-in for an agent, which confirms the record
// (ConfirmRecorded) or not and then exits at once. The launch as it saw it; a default
// LaunchedJob (pids -1) if anything failed.
LaunchedJob LaunchFromAProcessThatExits(const LaunchSpec& spec, bool recorded) {
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return LaunchedJob{};
  pid_t helper = fork();
  if (helper < 0) return LaunchedJob{};
  if (helper == 0) {
    StatusOr<LaunchedJob> job = LaunchJob(spec);
    if (job.ok() && recorded) ConfirmRecorded(*job);
    LaunchedJob launched = job.ok() ? *job : LaunchedJob{};
    bool sent = write(pipe_fds[1], &launched, sizeof(launched)) == sizeof(launched);
    _exit(job.ok() && sent ? 0 : 1);
  }
  close(pipe_fds[1]);
  LaunchedJob launched;
  ssize_t got = read(pipe_fds[0], &launched, sizeof(launched));
  close(pipe_fds[0]);
  int status = 0;
  bool ok = waitpid(helper, &status, 0) == helper && WIFEXITED(status) &&
            WEXITSTATUS(status) == 0 && got == static_cast<ssize_t>(sizeof(launched));
  return ok ? launched : LaunchedJob{};
}

std::set<int> OpenFds(pid_t pid) {
  std::set<int> fds;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(ProcFile(pid, "fd"), error)) {
    fds.insert(std::stoi(entry.path().filename().string()));
  }
  return fds;
}

// Running and not a zombie.
bool IsAlive(pid_t pid) {
  std::string stat = ReadTextFile(ProcFile(pid, "stat"));
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

bool SignalBitSet(const std::string& hex_mask, int signal) {
  return (std::stoull(hex_mask, nullptr, 16) >> (signal - 1)) & 1;
}

TEST_F(ProcessLauncherTest, ReportsTheExitCode) {
  LaunchSpec spec = Spec({"sh", "-c", "exit 3"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_GT(job->start_time, 0);
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 3);
  EXPECT_GE(end->end_time, job->start_time);
  EXPECT_FALSE(std::filesystem::exists(spec.status_path + ".tmp"));
}

TEST_F(ProcessLauncherTest, SignalJobEndsTheJobWithThatSignal) {
  LaunchSpec spec = Spec({"sleep", "100"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  StatusOr<std::optional<ExitStatus>> running = ReadExitStatus(spec.status_path);
  ASSERT_TRUE(running.ok());
  EXPECT_FALSE(running->has_value());
  EXPECT_FALSE(TryReapMonitor(job->monitor_pid));

  ASSERT_TRUE(SignalJob(job->job_pid, SIGTERM).ok());
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kSignaled);
  EXPECT_EQ(end->value, SIGTERM);
  // The group is gone now; signalling it again is not an error.
  EXPECT_TRUE(SignalJob(job->job_pid, SIGTERM).ok());
}

TEST_F(ProcessLauncherTest, CapturesStdoutAndStderrSeparately) {
  LaunchSpec spec = Spec({"sh", "-c", "echo out; echo err >&2"});
  WriteTextFile(spec.stdout_path, "stale output that must be truncated\n");
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, spec).has_value());
  EXPECT_EQ(ReadTextFile(spec.stdout_path), "out\n");
  EXPECT_EQ(ReadTextFile(spec.stderr_path), "err\n");
  struct stat info = {};
  ASSERT_EQ(stat(spec.stderr_path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777 & ~0640, 0u) << "created with more than 0640";
}

TEST_F(ProcessLauncherTest, SharesOneFileWhenStdoutIsStderr) {
  LaunchSpec spec = Spec({"sh", "-c", "echo a; echo b >&2; echo c"});
  spec.stderr_path = spec.stdout_path;
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, spec).has_value());
  EXPECT_EQ(ReadTextFile(spec.stdout_path), "a\nb\nc\n");
}

TEST_F(ProcessLauncherTest, GivesTheJobExactlyItsEnvironment) {
  LaunchSpec spec = Spec({"env"});
  spec.env = {{"PATH", "/usr/bin:/bin"}, {"FOO", "bar baz"}};
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, spec).has_value());
  EXPECT_EQ(ReadTextFile(spec.stdout_path), "FOO=bar baz\nPATH=/usr/bin:/bin\n");
}

TEST_F(ProcessLauncherTest, RunsInTheWorkDir) {
  std::filesystem::create_directory(dir_.File("work"));
  LaunchSpec spec = Spec({"pwd"});
  spec.work_dir = dir_.File("work");
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, spec).has_value());
  EXPECT_EQ(ReadTextFile(spec.stdout_path),
            std::filesystem::canonical(spec.work_dir).string() + "\n");
}

TEST_F(ProcessLauncherTest, RelativeOutputPathsAreRelativeToTheCallersCwd) {
  std::filesystem::create_directory(dir_.File("work"));
  std::filesystem::path cwd = std::filesystem::current_path();
  LaunchSpec spec = Spec({"sh", "-c", "echo out; echo err >&2"});
  spec.work_dir = dir_.File("work");
  spec.stdout_path = std::filesystem::relative(dir_.File("out"), cwd).string();
  spec.stderr_path = std::filesystem::relative(dir_.File("err"), cwd).string();
  ASSERT_NE(spec.stdout_path.front(), '/');
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, spec).has_value());
  EXPECT_EQ(ReadTextFile(dir_.File("out")), "out\n");
  EXPECT_EQ(ReadTextFile(dir_.File("err")), "err\n");
  EXPECT_TRUE(std::filesystem::is_empty(spec.work_dir));
}

TEST_F(ProcessLauncherTest, BindsTheJobToTheGivenCpus) {
  cpu_set_t mine;
  ASSERT_EQ(sched_getaffinity(0, sizeof(mine), &mine), 0);
  if (!CPU_ISSET(0, &mine)) GTEST_SKIP() << "this process may not run on CPU 0";
  LaunchSpec spec = Spec({"cat", "/proc/self/status"});
  spec.bind_cpus = {0};
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, spec).has_value());
  EXPECT_NE(ReadTextFile(spec.stdout_path).find("\nCpus_allowed_list:\t0\n"), std::string::npos)
      << ReadTextFile(spec.stdout_path);
}

TEST_F(ProcessLauncherTest, UnknownProgramEndsAsLaunchFailedWithEnoent) {
  LaunchSpec spec = Spec({"sharc-no-such-program", "--flag"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  // Written before LaunchJob returned: no waiting.
  StatusOr<std::optional<ExitStatus>> end = ReadExitStatus(spec.status_path);
  ASSERT_TRUE(end.ok()) << end.status().ToString();
  ASSERT_TRUE(end->has_value());
  EXPECT_EQ((*end)->kind, ExitStatus::Kind::kLaunchFailed);
  EXPECT_EQ((*end)->value, ENOENT);
  EXPECT_EQ((*end)->launch_step, LaunchStep::kExec);
  EXPECT_GE((*end)->end_time, job->start_time);
  EXPECT_TRUE(PollUntil([&] { return TryReapMonitor(job->monitor_pid); }));
}

TEST_F(ProcessLauncherTest, FileWithoutExecutePermissionEndsAsLaunchFailedWithEacces) {
  std::filesystem::create_directory(dir_.File("bin"));
  WriteTextFile(dir_.File("bin/tool"), "#!/bin/sh\nexit 0\n");
  ASSERT_EQ(chmod(dir_.File("bin/tool").c_str(), 0644), 0);
  LaunchSpec spec = Spec({"tool"});
  spec.env["PATH"] = dir_.File("bin") + ":/usr/bin:/bin";
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  StatusOr<std::optional<ExitStatus>> end = ReadExitStatus(spec.status_path);
  ASSERT_TRUE(end.ok() && end->has_value());
  EXPECT_EQ((*end)->kind, ExitStatus::Kind::kLaunchFailed);
  EXPECT_EQ((*end)->value, EACCES);
  EXPECT_EQ((*end)->launch_step, LaunchStep::kExec);
}

TEST_F(ProcessLauncherTest, MissingWorkDirEndsAsLaunchFailed) {
  LaunchSpec spec = Spec({"true"});
  spec.work_dir = dir_.File("missing");
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  StatusOr<std::optional<ExitStatus>> end = ReadExitStatus(spec.status_path);
  ASSERT_TRUE(end.ok() && end->has_value());
  EXPECT_EQ((*end)->kind, ExitStatus::Kind::kLaunchFailed);
  EXPECT_EQ((*end)->value, ENOENT);
  EXPECT_EQ((*end)->launch_step, LaunchStep::kWorkDir);
}

TEST_F(ProcessLauncherTest, FindsProgramsRelativeToTheWorkDir) {
  WriteTextFile(dir_.File("run.sh"), "#!/bin/sh\necho ran \"$@\"\n");
  ASSERT_EQ(chmod(dir_.File("run.sh").c_str(), 0755), 0);
  LaunchSpec with_slash = Spec({"./run.sh", "a"});
  StatusOr<LaunchedJob> job = Launch(with_slash);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  ASSERT_TRUE(WaitForEnd(*job, with_slash).has_value());
  EXPECT_EQ(ReadTextFile(with_slash.stdout_path), "ran a\n");

  LaunchSpec empty_path_entry = Spec({"run.sh", "b"});
  empty_path_entry.env["PATH"] = "/usr/bin::/bin";  // the empty entry is the work dir
  job = Launch(empty_path_entry);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, empty_path_entry);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(ReadTextFile(empty_path_entry.stdout_path), "ran b\n");
}

TEST_F(ProcessLauncherTest, JobHasExecdInItsOwnProcessGroupAndSession) {
  StatusOr<LaunchedJob> job = Launch(Spec({"sleep", "100"}));
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  // LaunchJob returned once the exec could no longer fail (the kernel closes the job's
  // close-on-exec descriptors and releases the monitor there); it may still be loading
  // `sleep`, whose arguments show once it has.
  const std::string sleep_100(
      "sleep\0"
      "100\0",
      10);
  EXPECT_TRUE(
      PollUntil([&] { return ReadTextFile(ProcFile(job->job_pid, "cmdline")) == sleep_100; }));
  EXPECT_EQ(getpgid(job->job_pid), job->job_pid);
  EXPECT_EQ(getsid(job->job_pid), job->monitor_pid);
  EXPECT_NE(getsid(job->job_pid), getsid(0));
  EXPECT_EQ(getsid(job->monitor_pid), job->monitor_pid);
}

TEST_F(ProcessLauncherTest, SignalJobReachesTheJobsChildren) {
  LaunchSpec spec = Spec({"sh", "-c", "sleep 100 & echo $! > child.pid; wait"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::string pid_text;
  ASSERT_TRUE(PollUntil([&] {
    pid_text = ReadTextFile(dir_.File("child.pid"));
    return !pid_text.empty() && pid_text.back() == '\n';
  }));
  pid_t child = std::stoi(pid_text);
  EXPECT_TRUE(IsAlive(child));
  EXPECT_EQ(getpgid(child), job->job_pid);

  ASSERT_TRUE(SignalJob(job->job_pid, SIGTERM).ok());
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kSignaled);
  EXPECT_EQ(end->value, SIGTERM);
  EXPECT_TRUE(PollUntil([&] { return !IsAlive(child); }));
}

TEST_F(ProcessLauncherTest, JobAndMonitorStartClean) {
  // State of the launching process that must not leak: an inheritable descriptor, a blocked
  // and an ignored signal.
  int leaked = open("/dev/null", O_RDONLY);
  ASSERT_GE(leaked, 0);
  sigset_t usr1, previous;
  sigemptyset(&usr1);
  sigaddset(&usr1, SIGUSR1);
  ASSERT_EQ(sigprocmask(SIG_BLOCK, &usr1, &previous), 0);
  struct sigaction ignore = {}, old_action = {};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGUSR2, &ignore, &old_action), 0);
  LaunchSpec spec = Spec({"sleep", "100"});
  StatusOr<LaunchedJob> job = Launch(spec);
  close(leaked);
  sigprocmask(SIG_SETMASK, &previous, nullptr);
  sigaction(SIGUSR2, &old_action, nullptr);
  ASSERT_TRUE(job.ok()) << job.status().ToString();

  // Polled: `sleep` itself may hold a file open briefly while it starts (locale data).
  const std::set<int> stdio = {0, 1, 2};
  EXPECT_TRUE(PollUntil([&] { return OpenFds(job->job_pid) == stdio; }));
  EXPECT_EQ(std::filesystem::read_symlink(ProcFile(job->job_pid, "fd/0")), "/dev/null");
  EXPECT_EQ(std::filesystem::read_symlink(ProcFile(job->job_pid, "fd/1")), spec.stdout_path);
  EXPECT_EQ(std::filesystem::read_symlink(ProcFile(job->job_pid, "fd/2")), spec.stderr_path);
  EXPECT_EQ(ProcStatusField(job->job_pid, "SigBlk"), "0000000000000000");
  EXPECT_EQ(ProcStatusField(job->job_pid, "SigIgn"), "0000000000000000");
  EXPECT_EQ(ProcStatusField(job->job_pid, "SigCgt"), "0000000000000000");

  // The monitor keeps only /dev/null on 0-2 once it has reported, runs no handler of ours
  // and blocks the signals that would otherwise lose the job's status.
  EXPECT_TRUE(PollUntil([&] { return OpenFds(job->monitor_pid) == stdio; }));
  EXPECT_EQ(std::filesystem::read_symlink(ProcFile(job->monitor_pid, "fd/1")), "/dev/null");
  EXPECT_EQ(ProcStatusField(job->monitor_pid, "SigCgt"), "0000000000000000");
  std::string blocked = ProcStatusField(job->monitor_pid, "SigBlk");
  ASSERT_FALSE(blocked.empty());
  for (int signal : {SIGTERM, SIGINT, SIGHUP, SIGPIPE}) {
    EXPECT_TRUE(SignalBitSet(blocked, signal)) << signal << " in " << blocked;
  }
}

TEST_F(ProcessLauncherTest, MonitorOutlivesTheLaunchingProcess) {
  ASSERT_EQ(mkfifo(dir_.File("go").c_str(), 0600), 0);
  LaunchSpec spec = Spec({"sh", "-c", "read line < go; exit 7"});
  // A stand-in for an agent that launches a job, records it, and then dies.
  LaunchedJob launched = LaunchFromAProcessThatExits(spec, /*recorded=*/true);
  ASSERT_GT(launched.monitor_pid, 0);
  launched_.push_back(launched);
  EXPECT_TRUE(TryReapMonitor(launched.monitor_pid)) << "not our child: nothing to reap";

  // The launcher is gone; release the job and expect its status all the same.
  int fifo = -1;
  ASSERT_TRUE(PollUntil([&] {
    fifo = open(dir_.File("go").c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    return fifo >= 0;  // ENXIO until the job has opened it for reading
  }));
  ASSERT_EQ(write(fifo, "go\n", 3), 3);
  close(fifo);
  std::optional<ExitStatus> end;
  ASSERT_TRUE(PollUntil([&] {
    StatusOr<std::optional<ExitStatus>> status = ReadExitStatus(spec.status_path);
    if (status.ok()) end = *status;
    return end.has_value();
  }));
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 7);
}

TEST_F(ProcessLauncherTest, AJobItsLauncherDiedBeforeRecordingIsKilledAndLeavesNoStatus) {
  LaunchSpec spec = Spec({"sh", "-c", "exec sleep 300"});
  // A stand-in for an agent killed between the launch and its journal's record.
  LaunchedJob launched = LaunchFromAProcessThatExits(spec, /*recorded=*/false);
  ASSERT_GT(launched.job_pid, 1);
  launched_.push_back(launched);

  // Ended: gone, or a zombie its new parent has yet to reap.
  auto gone = [](pid_t pid) {
    std::string state = ProcStatusField(pid, "State");
    return state.empty() || state[0] == 'Z';
  };
  EXPECT_TRUE(PollUntil([&] { return gone(launched.job_pid) && gone(launched.monitor_pid); }))
      << "the unrecorded job still runs";
  EXPECT_FALSE(std::filesystem::exists(spec.status_path));
  EXPECT_FALSE(std::filesystem::exists(spec.status_path + ".tmp"));
}

TEST_F(ProcessLauncherTest, AMonitorProgramThatCannotRunIsAnInternalErrorNamingIt) {
  LaunchSpec spec = Spec({"true"});
  spec.monitor_program = dir_.File("no-such-monitor");
  StatusOr<LaunchedJob> job = LaunchJob(spec);
  EXPECT_EQ(job.status().code(), StatusCode::kInternal);
  EXPECT_NE(job.status().message().find(spec.monitor_program), std::string::npos)
      << job.status().message();
  EXPECT_NE(job.status().message().find(std::strerror(ENOENT)), std::string::npos)
      << job.status().message();
  EXPECT_FALSE(std::filesystem::exists(spec.status_path));
}

TEST_F(ProcessLauncherTest, RejectsMalformedSpecs) {
  auto code = [&](LaunchSpec spec) { return Launch(spec).status().code(); };
  EXPECT_EQ(code(Spec({})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Spec({""})), StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Spec({"true", std::string("a\0b", 3)})), StatusCode::kInvalidArgument);
  LaunchSpec bad_env = Spec({"true"});
  bad_env.env["A=B"] = "c";
  EXPECT_EQ(code(bad_env), StatusCode::kInvalidArgument);
  LaunchSpec bad_cpu = Spec({"true"});
  bad_cpu.bind_cpus = {0, CPU_SETSIZE};
  EXPECT_EQ(code(bad_cpu), StatusCode::kInvalidArgument);
  LaunchSpec no_status = Spec({"true"});
  no_status.status_path.clear();
  EXPECT_EQ(code(no_status), StatusCode::kInvalidArgument);
  LaunchSpec empty_join = Spec({"true"});
  empty_join.join_files = {""};
  EXPECT_EQ(code(empty_join), StatusCode::kInvalidArgument);
  EXPECT_TRUE(launched_.empty());
}

TEST_F(ProcessLauncherTest, WritesTheJobsPidIntoEachJoinFile) {
  // Plain files standing in for cgroup.procs files.
  WriteTextFile(dir_.File("cpu.procs"), "");
  WriteTextFile(dir_.File("memory.procs"), "");
  LaunchSpec spec = Spec({"sleep", "100"});
  spec.join_files = {dir_.File("cpu.procs"), dir_.File("memory.procs")};
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  // Written before the exec, which LaunchJob waited for.
  EXPECT_EQ(ReadTextFile(dir_.File("cpu.procs")), std::to_string(job->job_pid));
  EXPECT_EQ(ReadTextFile(dir_.File("memory.procs")), std::to_string(job->job_pid));
}

TEST_F(ProcessLauncherTest, AJoinFileThatCannotBeOpenedEndsAsLaunchFailedFirst) {
  WriteTextFile(dir_.File("cpu.procs"), "");
  LaunchSpec spec = Spec({"true"});
  spec.join_files = {dir_.File("cpu.procs"), dir_.File("missing/cgroup.procs")};
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  StatusOr<std::optional<ExitStatus>> end = ReadExitStatus(spec.status_path);
  ASSERT_TRUE(end.ok() && end->has_value()) << end.status().ToString();
  EXPECT_EQ((*end)->kind, ExitStatus::Kind::kLaunchFailed);
  EXPECT_EQ((*end)->value, ENOENT);
  EXPECT_EQ((*end)->launch_step, LaunchStep::kJoinCgroups);
  // Joining comes before everything else: no output file was created.
  EXPECT_FALSE(std::filesystem::exists(spec.stdout_path));
  EXPECT_TRUE(PollUntil([&] { return TryReapMonitor(job->monitor_pid); }));
}

TEST_F(ProcessLauncherTest, NeverFollowsWhatIsAtTheTemporaryStatusName) {
  // A stale temporary name that points at a file the monitor must not write through.
  WriteTextFile(dir_.File("precious"), "keep\n");
  ASSERT_EQ(symlink(dir_.File("precious").c_str(), (dir_.File("status") + ".tmp").c_str()), 0);
  LaunchSpec spec = Spec({"sh", "-c", "exit 4"});
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 4);
  EXPECT_EQ(ReadTextFile(dir_.File("precious")), "keep\n");
  EXPECT_FALSE(std::filesystem::exists(std::filesystem::symlink_status(spec.status_path + ".tmp")));
  struct stat info = {};
  ASSERT_EQ(lstat(spec.status_path.c_str(), &info), 0);
  EXPECT_TRUE(S_ISREG(info.st_mode));
  EXPECT_EQ(info.st_mode & 0777, 0600u);
}

TEST(SignalJobTest, RefusesGroupsThatAreNotJobs) {
  for (pid_t pgid : {-5, 0, 1}) {
    EXPECT_EQ(SignalJob(pgid, SIGTERM).code(), StatusCode::kInvalidArgument) << pgid;
  }
}

TEST(TryReapMonitorTest, IsTrueForAProcessThatIsNotOurChild) {
  EXPECT_TRUE(TryReapMonitor(getppid()));
}

}  // namespace
}  // namespace sharc::agent
