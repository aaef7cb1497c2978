// Runs the attempts the scheduler launches on this node: starts each as real processes (see
// process_launcher.h), enforces its time limit, kills it on request (SIGTERM to the process
// group, SIGKILL after the grace period), watches for its exit through a pidfd, and keeps
// its latest report until the scheduler acknowledges the exit.
//
// Threading: everything runs on the io_context's thread. Reports are delivered through the
// callback given at construction, every time an attempt starts or exits.
#ifndef SHARC_AGENT_ATTEMPT_RUNNER_H_
#define SHARC_AGENT_ATTEMPT_RUNNER_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/attempt_setup.h"
#include "core/clock.h"
#include "core/node.h"
#include "protocol/agent_messages.h"

namespace boost::asio {
class io_context;
}

namespace sharc::agent {

class UsageMonitor;

struct AttemptRunnerOptions {
  std::string node_name;
  std::chrono::milliseconds kill_grace{10000};
  SetupOptions setup;  // state_dir, job PATH, cgroups, identities (and their cache)
  // Null: no energy figures in the reports. Must outlive the runner.
  UsageMonitor* usage = nullptr;
  // Called with the time from a launch order to the job's exec, for each job started.
  std::function<void(std::chrono::nanoseconds)> on_job_started;
  // Each attempt's stdout and stderr are cut at this size (output_limit.h); 0 = no limit.
  int64_t output_limit_bytes = 0;
};

class AttemptRunner {
 public:
  using ReportCallback = std::function<void(const protocol::AttemptReport&)>;

  AttemptRunner(boost::asio::io_context& io, AttemptRunnerOptions options,
                std::shared_ptr<const NodeTopology> topology, const Clock& clock,
                ReportCallback on_report);
  // Running jobs run on (the next agent process re-adopts them). Jobs still starting are
  // waited for (10 s in all at most), journaled and run on too; one that has not exec'd by
  // then is killed with its cgroup. Reports nothing.
  ~AttemptRunner();
  AttemptRunner(const AttemptRunner&) = delete;
  AttemptRunner& operator=(const AttemptRunner&) = delete;

  // Makes the state directories (MakeStateDirectories) and re-adopts the journal's attempts.
  // Call once, before the first Launch. Fails (and the agent should not start) if the
  // directories cannot be made or the journal cannot be read.
  Status Restore();

  // Starts the attempt, without waiting for the job's exec: the event loop sees it and then
  // journals the attempt, lets the job run on and reports it started. Idempotent: a launch of
  // an attempt already known re-reports it (one still starting reports once started); a
  // launch older than an attempt already run for that job is refused (fencing), and an older
  // attempt still running here is killed at once. A launch this node cannot honour (CPUs or
  // GPUs it does not have) is reported as launch_failed.
  void Launch(const protocol::LaunchMsg& launch);
  // Ends the attempt (if running here): SIGTERM, then SIGKILL after the grace period. One
  // still starting is ended so once it has started.
  void Kill(const protocol::KillMsg& kill);
  // The scheduler has made the report durable; an exited attempt is then forgotten.
  void Acknowledge(const protocol::UpdateAckMsg& ack);

  // Self-fencing: SIGKILLs every running attempt at once, e.g. after losing the scheduler
  // (one still starting is waited for first, as long as its exec takes).
  void KillAllRunning(const std::string& why);
  // Launches from now on have their monitors fence them (SetupOptions::fence_after_ms): the
  // scheduler's fence_after, learnt at registration; 0 for none.
  void SetFenceAfter(std::chrono::milliseconds fence_after);

  // Samples node usage and energy (options.usage) with every running attempt's CPU time per
  // CPU from its cgroup, and updates their reports' cpu_energy_uj and gpu_energy_uj. Also
  // done before the final reports of exiting attempts: once for the exits seen together. Without a
  // cgroup an attempt's CPU time cannot be measured: it counts as 0, and the energy goes to idle.
  // A re-adopted attempt keeps the energy its journal recorded and adds what is measured
  // after the restart.
  void SampleUsage();
  // Cuts running attempts' output files beyond options.output_limit_bytes (also done to each
  // exiting attempt before its final report).
  void CapRunningOutput();

  // Every attempt not yet forgotten, for registration.
  std::vector<protocol::AttemptReport> Reports() const;
  size_t running_count() const;
  // The GPUs granted to running attempts.
  std::vector<int> AllocatedGpus() const;

  // Where an attempt's files are (whether or not it is still known).
  std::string AttemptDir(const AttemptId& attempt) const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ATTEMPT_RUNNER_H_
