// The runner starts a job without waiting for its exec (StartLaunch, then FinishStart in the
// event loop). What arrives for the attempt meanwhile waits for the job to run: a kill is
// carried out then; fencing (self-fencing, a newer attempt of the job) waits for the exec and
// kills at once; a repeated launch does not report an attempt that has no process yet; an
// agent that stops records it and lets it run on. The job is held in its set-up by its
// stdout: a FIFO, which opening for writing waits on.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>

#include "agent/attempt_runner.h"
#include "agent/attempt_setup.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using protocol::AttemptEnding;
using protocol::AttemptReport;

protocol::LaunchMsg SleepLaunch() {
  protocol::LaunchMsg launch;
  launch.attempt = {JobId{12}, 1};
  launch.tenant = "acme";
  launch.spec.name = "held";
  launch.spec.command = {"sleep", "300"};
  launch.spec.memory_bytes = 1 << 20;
  launch.spec.time_limit_seconds = 600;
  launch.allocation = {{NodeAllocation{"n1", {0}, {}, 1 << 20, true}}};
  return launch;
}

class AttemptRunnerStartTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    topology_->pus = {{0, 0, 0, 0}};
    AttemptRunnerOptions options;
    options.node_name = "n1";
    options.kill_grace = std::chrono::seconds(30);
    options.setup.state_dir = dir_.path();
    options.setup.job_path = "/usr/bin:/bin";
    options.setup.switch_users = false;
    options.setup.monitor_program = SHARC_JOB_MONITOR;
    options_ = options;
    StartRunner();
    // The attempt's directory, made ahead with a FIFO where the job's stdout goes.
    const std::string attempt_dir = runner_->AttemptDir(SleepLaunch().attempt);
    ASSERT_EQ(mkdir(attempt_dir.c_str(), 0700), 0);
    stdout_fifo_ = attempt_dir + "/stdout";
    ASSERT_EQ(mkfifo(stdout_fifo_.c_str(), 0600), 0);
  }

  void TearDown() override {
    if (reader_ < 0) ReleaseJob();  // a test that failed early leaves no job held
    if (reader_ >= 0) close(reader_);
    runner_->KillAllRunning("the test ends");
    RunUntil([&] { return runner_->running_count() == 0; });
  }

  void StartRunner() {
    runner_ =
        std::make_unique<AttemptRunner>(io_, options_, topology_, clock_,
                                        [this](const AttemptReport& r) { reports_.push_back(r); });
    ASSERT_TRUE(runner_->Restore().ok());
  }

  // Opens the FIFO's other end: the job's open returns and it goes on to its exec.
  void ReleaseJob() { reader_ = open(stdout_fifo_.c_str(), O_RDONLY | O_NONBLOCK); }

  template <typename Predicate>
  bool RunUntil(Predicate done) {
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.restart();
      io_.run_one_for(std::chrono::milliseconds(20));
    }
    return true;
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  FakeClock clock_{SystemClock().WallMillis()};  // jobs start now: time limits count from now
  std::shared_ptr<NodeTopology> topology_ = std::make_shared<NodeTopology>();
  AttemptRunnerOptions options_;
  std::unique_ptr<AttemptRunner> runner_;
  std::vector<AttemptReport> reports_;
  std::string stdout_fifo_;
  int reader_ = -1;
};

TEST_F(AttemptRunnerStartTest, AKillThatArrivesWhileTheJobStartsEndsItOnceItRuns) {
  runner_->Launch(SleepLaunch());
  EXPECT_TRUE(reports_.empty()) << "reported before the job ran";
  EXPECT_EQ(runner_->running_count(), 1u);
  runner_->Launch(SleepLaunch());  // the scheduler repeats itself
  EXPECT_TRUE(reports_.empty()) << "a repeated launch reported an attempt with no process yet";
  runner_->Kill({SleepLaunch().attempt, protocol::KillReason::kCancel});
  EXPECT_TRUE(reports_.empty());

  ReleaseJob();
  ASSERT_GE(reader_, 0);
  ASSERT_TRUE(RunUntil([&] { return !reports_.empty() && reports_.back().exited; }));
  ASSERT_EQ(reports_.size(), 2u);
  EXPECT_FALSE(reports_[0].exited);
  EXPECT_GT(reports_[0].start_time, 0);
  EXPECT_EQ(reports_[1].ending, AttemptEnding::kCancelled);
  EXPECT_EQ(reports_[1].signal, SIGTERM);
}

TEST_F(AttemptRunnerStartTest, SelfFencingWhileTheJobStartsWaitsForItsExecAndKillsIt) {
  runner_->Launch(SleepLaunch());
  ReleaseJob();
  ASSERT_GE(reader_, 0);
  runner_->KillAllRunning("lost the scheduler");  // before the event loop saw the exec
  ASSERT_EQ(reports_.size(), 1u) << "the job was not waited for and recorded first";
  EXPECT_FALSE(reports_[0].exited);

  ASSERT_TRUE(RunUntil([&] { return reports_.back().exited; }));
  EXPECT_EQ(reports_.back().ending, AttemptEnding::kKilled);
  EXPECT_EQ(reports_.back().message, "lost the scheduler");
  EXPECT_EQ(runner_->running_count(), 0u);
}

TEST_F(AttemptRunnerStartTest, AJobStartingWhenTheAgentStopsIsRecordedAndReadoptedNotKilled) {
  runner_->Launch(SleepLaunch());
  ReleaseJob();
  ASSERT_GE(reader_, 0);
  runner_.reset();  // the agent stops before the event loop saw the job's exec
  EXPECT_TRUE(reports_.empty());

  StartRunner();  // the next agent process
  EXPECT_EQ(runner_->running_count(), 1u) << "the starting job was not re-adopted";
  std::vector<AttemptReport> known = runner_->Reports();
  ASSERT_EQ(known.size(), 1u);
  EXPECT_FALSE(known[0].exited);
  EXPECT_GT(known[0].start_time, 0);
  runner_->Kill({SleepLaunch().attempt, protocol::KillReason::kCancel});
  ASSERT_TRUE(RunUntil([&] { return !reports_.empty() && reports_.back().exited; }));
  EXPECT_EQ(reports_.back().ending, AttemptEnding::kCancelled);
  EXPECT_EQ(reports_.back().signal, SIGTERM) << "the job did not run on after the agent stopped";
}

TEST_F(AttemptRunnerStartTest, ANewerAttemptKillsAnOlderOneStillStartingBeforeItStarts) {
  runner_->Launch(SleepLaunch());
  ReleaseJob();
  ASSERT_GE(reader_, 0);
  protocol::LaunchMsg newer = SleepLaunch();
  newer.attempt.attempt = 2;
  runner_->Launch(newer);  // before the event loop saw the older one's exec
  ASSERT_FALSE(reports_.empty()) << "the older attempt was not waited for";
  EXPECT_EQ(reports_[0].attempt, SleepLaunch().attempt);
  EXPECT_FALSE(reports_[0].exited);

  ASSERT_TRUE(RunUntil([&] {
    for (const AttemptReport& r : reports_) {
      if (r.attempt == SleepLaunch().attempt && r.exited) return true;
    }
    return false;
  }));
  EXPECT_EQ(runner_->running_count(), 1u) << "the newer attempt should run on";
}

TEST_F(AttemptRunnerStartTest, AJobTheJournalCannotRecordIsNotLetRun) {
  // A directory where the journal writes the record's temporary file: the save fails.
  const std::string blocked = dir_.File("journal/12.1.json.tmp");
  ASSERT_TRUE(std::filesystem::create_directory(blocked));
  runner_->Launch(SleepLaunch());
  ReleaseJob();
  ASSERT_GE(reader_, 0);
  ASSERT_TRUE(RunUntil([&] { return !reports_.empty() && reports_.back().exited; }))
      << "the unrecorded job ran on";
  EXPECT_EQ(reports_.back().ending, AttemptEnding::kKilled);
  EXPECT_NE(reports_.back().message.find("could not record the job in its journal"),
            std::string::npos)
      << reports_.back().message;
  EXPECT_EQ(runner_->running_count(), 0u);
}

}  // namespace
}  // namespace sharc::agent
