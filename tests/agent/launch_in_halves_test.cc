// StartLaunch and FinishLaunch: the launch in two halves that lets the agent start other
// jobs while one sets itself up. The job is held in its set-up by a join file that is a FIFO
// (opening it for writing waits for a reader), so each test decides when the job may exec.
#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "agent/process_launcher.h"
#include "gtest/gtest.h"
#include "tests/agent/process_launcher_fixture.h"

namespace sharc::agent {
namespace {

class LaunchInHalvesTest : public ProcessLauncherTest {
 protected:
  void TearDown() override {
    // A test that failed early leaves no job held in its set-up (the fixture reaps it).
    if (!released_ && !gate_.empty()) {
      int fd = open(gate_.c_str(), O_RDONLY | O_NONBLOCK);
      if (fd >= 0) close(fd);
    }
    ProcessLauncherTest::TearDown();
  }

  // A spec whose job waits in its set-up until ReleaseJob.
  LaunchSpec HeldSpec(std::vector<std::string> argv) {
    LaunchSpec spec = Spec(std::move(argv));
    gate_ = dir_.File("gate");
    EXPECT_EQ(mkfifo(gate_.c_str(), 0600), 0);
    spec.join_files = {gate_};
    return spec;
  }

  // Lets the held job go on, and returns the pid it wrote into the gate (-1 if none).
  pid_t ReleaseJob() {
    released_ = true;
    int fd = open(gate_.c_str(), O_RDONLY);
    if (fd < 0) return -1;
    char text[32] = {};
    size_t got = 0;
    while (got < sizeof(text) - 1) {
      ssize_t n = read(fd, text + got, sizeof(text) - 1 - got);
      if (n <= 0) break;
      got += static_cast<size_t>(n);
    }
    close(fd);
    return got > 0 ? static_cast<pid_t>(std::stol(text)) : -1;
  }

  static bool Readable(int fd) {
    pollfd entry = {fd, POLLIN, 0};
    return poll(&entry, 1, 0) == 1;
  }

  std::string gate_;
  bool released_ = false;
};

TEST_F(LaunchInHalvesTest, StartLaunchReturnsWhileTheJobSetsItselfUpAndFinishLaunchCompletesIt) {
  LaunchSpec spec = HeldSpec({"sh", "-c", "exit 4"});
  StatusOr<StartedLaunch> started = StartLaunch(spec);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const pid_t monitor = started->monitor_pid();
  EXPECT_GT(monitor, 1);
  EXPECT_FALSE(Readable(started->report_fd())) << "reported before the job could exec";

  const pid_t job_pid = ReleaseJob();
  ASSERT_GT(job_pid, 1);
  StatusOr<LaunchedJob> job = FinishLaunch(std::move(*started));
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_EQ(job->monitor_pid, monitor);
  EXPECT_EQ(job->job_pid, job_pid);
  EXPECT_GT(job->start_time, 0);
  ConfirmRecorded(*job);
  launched_.push_back(*job);

  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ(end->value, 4);
}

TEST_F(LaunchInHalvesTest, AStartedLaunchDroppedUnfinishedHasItsJobKilledAndLeavesNoStatus) {
  LaunchSpec spec = HeldSpec({"sleep", "300"});
  StatusOr<StartedLaunch> started = StartLaunch(spec);
  ASSERT_TRUE(started.ok()) << started.status().ToString();
  const pid_t monitor = started->monitor_pid();
  { StartedLaunch dropped = std::move(*started); }  // an agent stopping while the job starts

  const pid_t job_pid = ReleaseJob();
  ASSERT_GT(job_pid, 1);
  launched_.push_back(LaunchedJob{monitor, job_pid, 0, -1});
  auto gone = [](pid_t pid) {
    std::string state = ProcStatusField(pid, "State");
    return state.empty() || state[0] == 'Z';
  };
  EXPECT_TRUE(PollUntil([&] { return gone(job_pid) && TryReapMonitor(monitor); }))
      << "the job of a launch nobody finished still runs";
  EXPECT_FALSE(std::filesystem::exists(spec.status_path));
}

TEST_F(LaunchInHalvesTest, StartLaunchRefusesAMalformedSpecBeforeStartingAnything) {
  LaunchSpec spec = Spec({""});
  StatusOr<StartedLaunch> started = StartLaunch(spec);
  EXPECT_EQ(started.status().code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(std::filesystem::exists(spec.status_path));
}

}  // namespace
}  // namespace sharc::agent
