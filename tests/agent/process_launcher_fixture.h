// What the process launcher's tests share: polling with a deadline, /proc readers, and a
// fixture that launches real jobs in a temporary directory and reaps them afterwards.
#ifndef SHARC_TESTS_AGENT_PROCESS_LAUNCHER_FIXTURE_H_
#define SHARC_TESTS_AGENT_PROCESS_LAUNCHER_FIXTURE_H_

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "agent/process_launcher.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {

// Polls `done` until it holds or `timeout` passes. The pause only spaces the polls out.
template <typename Predicate>
inline bool PollUntil(Predicate done,
                      std::chrono::milliseconds timeout = std::chrono::seconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

inline std::string ProcFile(pid_t pid, const std::string& name) {
  return "/proc/" + std::to_string(pid) + "/" + name;
}

// The value of a "Name:\tvalue" line of /proc/<pid>/status without trailing spaces (some
// kernels end "Groups:" with one), or "" if there is none.
inline std::string ProcStatusField(pid_t pid, const std::string& name) {
  std::string status = ::sharc::testing::ReadTextFile(ProcFile(pid, "status"));
  size_t at = status.find("\n" + name + ":");
  if (at == std::string::npos) return "";
  size_t start = status.find_first_not_of(" \t", at + name.size() + 2);
  std::string value = status.substr(start, status.find('\n', start) - start);
  return value.substr(0, value.find_last_not_of(' ') + 1);
}

class ProcessLauncherTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  void TearDown() override {
    for (const LaunchedJob& job : launched_) {
      if (job.job_pid > 1) {
        EXPECT_TRUE(SignalJob(job.job_pid, SIGKILL).ok());
      }
      EXPECT_TRUE(PollUntil([&] { return TryReapMonitor(job.monitor_pid); }));
    }
  }

  LaunchSpec Spec(std::vector<std::string> argv) {
    LaunchSpec spec;
    spec.argv = std::move(argv);
    spec.env = {{"PATH", "/usr/bin:/bin"}};
    spec.work_dir = dir_.path();
    spec.stdout_path = dir_.File("stdout");
    spec.stderr_path = dir_.File("stderr");
    spec.status_path = dir_.File("status");
    spec.monitor_program = SHARC_JOB_MONITOR;  // not next to this test's executable
    return spec;
  }

  StatusOr<LaunchedJob> Launch(const LaunchSpec& spec) {
    StatusOr<LaunchedJob> job = LaunchJob(spec);
    if (!job.ok()) return job;
    ConfirmRecorded(*job);  // as the agent does once its journal has the attempt
    launched_.push_back(*job);
    return job;
  }

  // Waits for the monitor to exit, then reads the status it wrote.
  std::optional<ExitStatus> WaitForEnd(const LaunchedJob& job, const LaunchSpec& spec) {
    if (!PollUntil([&] { return TryReapMonitor(job.monitor_pid); })) return std::nullopt;
    StatusOr<std::optional<ExitStatus>> status = ReadExitStatus(spec.status_path);
    EXPECT_TRUE(status.ok()) << status.status().ToString();
    return status.ok() ? *status : std::nullopt;
  }

  ::sharc::testing::TempDir dir_;
  std::vector<LaunchedJob> launched_;
};

}  // namespace sharc::agent

#endif  // SHARC_TESTS_AGENT_PROCESS_LAUNCHER_FIXTURE_H_
