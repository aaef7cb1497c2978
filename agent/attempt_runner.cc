#include "agent/attempt_runner.h"

#include <sys/syscall.h>
#include <unistd.h>
#include <sys/stat.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <map>

#include "agent/job_environment.h"
#include "agent/process_launcher.h"
#include "core/file_util.h"
#include "core/log.h"
#include "core/units.h"

namespace sharc::agent {
namespace {

namespace asio = boost::asio;
using protocol::AttemptEnding;
using protocol::AttemptReport;

std::string Name(const AttemptId& a) {
  return "job " + std::to_string(a.job.value) + " attempt " + std::to_string(a.attempt);
}

}  // namespace

class AttemptRunner::Impl {
 public:
  Impl(asio::io_context& io, AttemptRunnerOptions options,
       std::shared_ptr<const NodeTopology> topology, const Clock& clock, ReportCallback on_report)
      : io_(io),
        options_(std::move(options)),
        topology_(std::move(topology)),
        clock_(clock),
        on_report_(std::move(on_report)) {}

  void Launch(const protocol::LaunchMsg& launch) {
    const AttemptId id = launch.attempt;
    if (auto it = attempts_.find(id); it != attempts_.end()) return on_report_(it->second.report);
    int32_t& highest = highest_attempt_[id.job];
    if (highest >= id.attempt) {
      LogWarning("agent", "refusing the launch of " + Name(id) + ": attempt " +
                              std::to_string(highest) + " already ran here");
      return;
    }
    highest = id.attempt;
    Attempt& attempt = attempts_[id];
    attempt.launch = launch;
    attempt.report.attempt = id;
    if (Status valid = Validate(launch); !valid.ok()) return Fail(attempt, valid.message());

    std::string dir = AttemptDir(id);
    if (Status made = MakeDirectories(dir, 0700); !made.ok()) return Fail(attempt, made.message());
    LaunchSpec spec;
    spec.argv = launch.spec.command;
    spec.env = BuildJobEnvironment(launch, dir, options_.job_path);
    spec.work_dir = dir;
    spec.stdout_path = dir + "/stdout";
    spec.stderr_path = dir + "/stderr";
    spec.status_path = dir + "/status";
    if (!launch.allocation.binding_simulated) spec.bind_cpus = launch.allocation.cpus;
    StatusOr<LaunchedJob> launched = LaunchJob(spec);
    if (!launched.ok()) return Fail(attempt, launched.status().message());
    attempt.process = *launched;
    attempt.report.start_time = launched->start_time;

    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, launched->monitor_pid, 0));
    if (pidfd >= 0) {
      attempt.exit_watch = std::make_unique<asio::posix::stream_descriptor>(io_, pidfd);
      attempt.exit_watch->async_wait(asio::posix::stream_descriptor::wait_read,
                                     [this, id](const boost::system::error_code& error) {
                                       if (!error) OnMonitorExit(id);
                                     });
    } else {  // the monitor is already gone (it can only have exited)
      asio::post(io_, [this, id] { OnMonitorExit(id); });
    }
    attempt.time_limit = std::make_unique<asio::steady_timer>(io_);
    attempt.time_limit->expires_after(std::chrono::seconds(launch.spec.time_limit_seconds));
    attempt.time_limit->async_wait([this, id](const boost::system::error_code& error) {
      if (!error) Terminate(id, AttemptEnding::kTimeLimit);
    });
    LogDebug("agent", "started " + Name(id) + " (pid " + std::to_string(launched->job_pid) + ")");
    on_report_(attempt.report);
  }

  void Kill(const protocol::KillMsg& kill) {
    auto it = attempts_.find(kill.attempt);
    if (it == attempts_.end()) {
      LogInfo("agent", "asked to kill " + Name(kill.attempt) + ", which does not run here");
      return;
    }
    if (it->second.report.exited) return on_report_(it->second.report);
    AttemptEnding ending = AttemptEnding::kKilled;
    if (kill.reason == protocol::KillReason::kCancel) ending = AttemptEnding::kCancelled;
    if (kill.reason == protocol::KillReason::kPreempt) ending = AttemptEnding::kPreempted;
    Terminate(kill.attempt, ending);
  }

  void Acknowledge(const protocol::UpdateAckMsg& ack) {
    auto it = attempts_.find(ack.attempt);
    if (it != attempts_.end() && ack.exited && it->second.report.exited) attempts_.erase(it);
  }

  std::vector<AttemptReport> Reports() const {
    std::vector<AttemptReport> reports;
    for (const auto& [id, attempt] : attempts_) reports.push_back(attempt.report);
    return reports;
  }

  size_t running_count() const {
    return std::count_if(attempts_.begin(), attempts_.end(),
                         [](const auto& entry) { return !entry.second.report.exited; });
  }

  std::string AttemptDir(const AttemptId& id) const {
    return options_.state_dir + "/jobs/" + std::to_string(id.job.value) + "." +
           std::to_string(id.attempt);
  }

 private:
  struct Attempt {
    protocol::LaunchMsg launch;
    LaunchedJob process;
    AttemptReport report;
    AttemptEnding requested_ending = AttemptEnding::kNone;
    std::unique_ptr<asio::posix::stream_descriptor> exit_watch;
    std::unique_ptr<asio::steady_timer> time_limit;
    std::unique_ptr<asio::steady_timer> kill_timer;
  };

  Status Validate(const protocol::LaunchMsg& launch) const {
    if (launch.allocation.node != options_.node_name) {
      return InvalidArgumentError("launched for node " + launch.allocation.node + ", but this is " +
                                  options_.node_name);
    }
    for (int cpu : launch.allocation.cpus) {
      bool known = std::any_of(topology_->pus.begin(), topology_->pus.end(),
                               [&](const PuInfo& pu) { return pu.os_index == cpu; });
      if (!known) return InvalidArgumentError("this node has no CPU " + std::to_string(cpu));
    }
    for (int gpu : launch.allocation.gpus) {
      bool known = std::any_of(topology_->gpus.begin(), topology_->gpus.end(),
                               [&](const GpuInfo& g) { return g.index == gpu; });
      if (!known) return InvalidArgumentError("this node has no GPU " + std::to_string(gpu));
    }
    return Status::Ok();
  }

  void Fail(Attempt& attempt, const std::string& why) {
    LogWarning("agent", "cannot start " + Name(attempt.report.attempt) + ": " + why);
    UnixMillis now = clock_.WallMillis();
    attempt.report.exited = true;
    attempt.report.start_time = now;
    attempt.report.end_time = now;
    attempt.report.ending = AttemptEnding::kLaunchFailed;
    attempt.report.message = why;
    on_report_(attempt.report);
  }

  void Terminate(const AttemptId& id, AttemptEnding ending) {
    auto it = attempts_.find(id);
    if (it == attempts_.end() || it->second.report.exited) return;
    Attempt& attempt = it->second;
    if (attempt.requested_ending != AttemptEnding::kNone) return;  // already ending
    attempt.requested_ending = ending;
    LogInfo("agent",
            "ending " + Name(id) + " (" + std::string(protocol::AttemptEndingName(ending)) + ")");
    (void)SignalJob(attempt.process.job_pid, SIGTERM);
    attempt.kill_timer = std::make_unique<asio::steady_timer>(io_);
    attempt.kill_timer->expires_after(options_.kill_grace);
    attempt.kill_timer->async_wait([this, id](const boost::system::error_code& error) {
      auto it = attempts_.find(id);
      if (error || it == attempts_.end() || it->second.report.exited) return;
      (void)SignalJob(it->second.process.job_pid, SIGKILL);
    });
  }

  void OnMonitorExit(const AttemptId& id) {
    auto it = attempts_.find(id);
    if (it == attempts_.end() || it->second.report.exited) return;
    Attempt& attempt = it->second;
    (void)TryReapMonitor(attempt.process.monitor_pid);
    // The monitor is gone, so the job is too; SIGKILL any straggler of its process group.
    (void)SignalJob(attempt.process.job_pid, SIGKILL);
    AttemptReport& report = attempt.report;
    report.exited = true;
    report.ending = attempt.requested_ending;
    StatusOr<std::optional<ExitStatus>> status = ReadExitStatus(AttemptDir(id) + "/status");
    if (!status.ok() || !status->has_value()) {
      report.end_time = clock_.WallMillis();
      if (report.ending == AttemptEnding::kNone) report.ending = AttemptEnding::kKilled;
      report.message = "the job's monitor ended without recording an exit status";
    } else {
      const ExitStatus& exit = **status;
      report.end_time = exit.end_time;
      switch (exit.kind) {
        case ExitStatus::Kind::kExited:
          report.exit_code = exit.value;
          break;
        case ExitStatus::Kind::kSignaled:
          report.signal = exit.value;
          break;
        case ExitStatus::Kind::kLaunchFailed:
          report.ending = AttemptEnding::kLaunchFailed;
          report.message =
              "cannot run '" + attempt.launch.spec.command[0] + "': " + ErrnoText(exit.value);
          break;
      }
    }
    attempt.exit_watch.reset();
    attempt.time_limit.reset();
    attempt.kill_timer.reset();
    LogDebug("agent", Name(id) + " exited");
    on_report_(report);
  }

  asio::io_context& io_;
  AttemptRunnerOptions options_;
  std::shared_ptr<const NodeTopology> topology_;
  const Clock& clock_;
  ReportCallback on_report_;
  std::map<AttemptId, Attempt> attempts_;
  std::map<JobId, int32_t> highest_attempt_;
};

AttemptRunner::AttemptRunner(asio::io_context& io, AttemptRunnerOptions options,
                             std::shared_ptr<const NodeTopology> topology, const Clock& clock,
                             ReportCallback on_report)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(topology), clock,
                                   std::move(on_report))) {}
AttemptRunner::~AttemptRunner() = default;
void AttemptRunner::Launch(const protocol::LaunchMsg& launch) { impl_->Launch(launch); }
void AttemptRunner::Kill(const protocol::KillMsg& kill) { impl_->Kill(kill); }
void AttemptRunner::Acknowledge(const protocol::UpdateAckMsg& ack) { impl_->Acknowledge(ack); }
std::vector<protocol::AttemptReport> AttemptRunner::Reports() const { return impl_->Reports(); }
size_t AttemptRunner::running_count() const { return impl_->running_count(); }
std::string AttemptRunner::AttemptDir(const AttemptId& id) const { return impl_->AttemptDir(id); }

}  // namespace sharc::agent
