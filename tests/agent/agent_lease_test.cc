// The agent's lease (agent_lease.h) and the fencing of jobs by their monitors: real monitors,
// real jobs, a real lease file.
#include "agent/agent_lease.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "tests/agent/process_launcher_fixture.h"

namespace sharc::agent {
namespace {

using std::chrono::milliseconds;
using std::chrono::steady_clock;

TEST(AgentLeaseTest, EachRenewalChangesTheCounterAndTheNextAgentProcessCountsOn) {
  ::sharc::testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = LeasePath(dir.path());
  EXPECT_EQ(ReadLeaseCounter(path.c_str()), 0u);  // no file yet
  uint64_t last = 0;
  {
    StatusOr<AgentLease> lease = AgentLease::Open(dir.path());
    ASSERT_TRUE(lease.ok()) << lease.status().ToString();
    lease->Renew();
    last = ReadLeaseCounter(path.c_str());
    EXPECT_NE(last, 0u);
    std::this_thread::sleep_for(milliseconds(60));  // renewals closer than 50 ms count once
    lease->Renew();
    EXPECT_NE(ReadLeaseCounter(path.c_str()), last);
    last = ReadLeaseCounter(path.c_str());
  }
  StatusOr<AgentLease> next = AgentLease::Open(dir.path());
  ASSERT_TRUE(next.ok());
  next->Renew();
  EXPECT_GT(ReadLeaseCounter(path.c_str()), last);
}

TEST(AgentLeaseTest, AStateDirThatCannotHoldTheLeaseIsAnErrorNamingTheFile) {
  StatusOr<AgentLease> lease = AgentLease::Open("/nonexistent-sharc-state");
  ASSERT_FALSE(lease.ok());
  EXPECT_NE(lease.status().message().find("/nonexistent-sharc-state/lease"), std::string::npos)
      << lease.status().ToString();
}

class LeaseFencingTest : public ProcessLauncherTest {
 protected:
  LaunchSpec FencedSpec(std::vector<std::string> argv) {
    LaunchSpec spec = Spec(std::move(argv));
    spec.lease_path = LeasePath(dir_.path());
    spec.fence_after_ms = 300;
    return spec;
  }
};

TEST_F(LeaseFencingTest, AJobWhoseLeaseStandsStillIsKilledAndItsStatusSaysFenced) {
  StatusOr<AgentLease> lease = AgentLease::Open(dir_.path());
  ASSERT_TRUE(lease.ok());
  lease->Renew();
  LaunchSpec spec = FencedSpec({"sleep", "60"});
  const auto launched_at = steady_clock::now();
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();

  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kFenced);
  EXPECT_GE(end->value, 300);
  EXPECT_GE(steady_clock::now() - launched_at, milliseconds(300));
  EXPECT_NE(kill(job->job_pid, 0), 0) << "the fenced job still runs";
  EXPECT_EQ(errno, ESRCH);
}

TEST_F(LeaseFencingTest, AJobWhoseLeaseIsRenewedRunsToItsEnd) {
  StatusOr<AgentLease> lease = AgentLease::Open(dir_.path());
  ASSERT_TRUE(lease.ok());
  LaunchSpec spec = FencedSpec({"sleep", "1"});  // over three times fence_after
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  EXPECT_TRUE(PollUntil(
      [&] {
        lease->Renew();
        return TryReapMonitor(job->monitor_pid);
      },
      std::chrono::seconds(20)));
  StatusOr<std::optional<ExitStatus>> end = ReadExitStatus(spec.status_path);
  ASSERT_TRUE(end.ok() && end->has_value()) << end.status().ToString();
  EXPECT_EQ((*end)->kind, ExitStatus::Kind::kExited);
  EXPECT_EQ((*end)->value, 0);
}

TEST_F(LeaseFencingTest, WithoutFenceAfterTheJobRunsOnWhateverTheLease) {
  LaunchSpec spec = Spec({"sleep", "0.5"});
  spec.lease_path = LeasePath(dir_.path());  // never written
  StatusOr<LaunchedJob> job = Launch(spec);
  ASSERT_TRUE(job.ok()) << job.status().ToString();
  std::optional<ExitStatus> end = WaitForEnd(*job, spec);
  ASSERT_TRUE(end.has_value());
  EXPECT_EQ(end->kind, ExitStatus::Kind::kExited);
}

}  // namespace
}  // namespace sharc::agent
