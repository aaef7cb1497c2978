#include "agent/attempt_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <csignal>
#include <filesystem>
#include <map>

#include "agent/attempt_cgroup.h"
#include "agent/attempt_exit.h"
#include "agent/attempt_journal.h"
#include "agent/output_limit.h"
#include "agent/process_launcher.h"
#include "agent/usage_monitor.h"
#include "core/log.h"
#include "core/units.h"

namespace sharc::agent {
namespace {

namespace asio = boost::asio;
using protocol::AttemptEnding;
using protocol::AttemptReport;

// How long an agent that stops waits, in all, for jobs still setting themselves up to exec.
constexpr std::chrono::seconds kStartWaitOnStop{10};

}  // namespace

class AttemptRunner::Impl {
 public:
  Impl(asio::io_context& io, AttemptRunnerOptions options,
       std::shared_ptr<const NodeTopology> topology, const Clock& clock, ReportCallback on_report)
      : io_(io),
        options_(std::move(options)),
        topology_(std::move(topology)),
        clock_(clock),
        on_report_(std::move(on_report)) {
    if (options_.setup.identity_cache == nullptr) {
      identity_cache_ = std::make_unique<IdentityCache>(options_.setup.identities, clock_);
      options_.setup.identity_cache = identity_cache_.get();
    }
  }

  // Jobs still starting are recorded and go on, as running jobs do when the agent stops: the
  // next agent process re-adopts them (their reports go out then), and escalates an ending
  // asked for meanwhile after the grace period (the SIGTERM is sent here). A job that has not
  // exec'd within kStartWaitOnStop in all is given up: its cgroup is killed.
  ~Impl() {
    const auto deadline = std::chrono::steady_clock::now() + kStartWaitOnStop;
    for (auto& [id, attempt] : attempts_) {
      if (!attempt.starting) continue;
      attempt.start_watch.reset();
      StatusOr<LaunchedJob> launched =
          ReportArrives(attempt.starting->report_fd(), deadline)
              ? FinishLaunch(std::move(*attempt.starting))
              : StatusOr<LaunchedJob>(UnavailableError("it was still setting itself up"));
      attempt.starting.reset();
      if (!launched.ok()) {
        LogWarning("agent", "stopping: " + AttemptName(id) +
                                " did not start: " + launched.status().message());
        RemoveAttemptCgroup(options_.setup.cgroups, attempt.record.cgroup);
        continue;
      }
      if (Record(attempt, *launched) && attempt.record.requested_ending != AttemptEnding::kNone) {
        SignalAttempt(options_.setup.cgroups, attempt.record, SIGTERM);
      }
    }
  }

  Status Restore() {
    SHARC_RETURN_IF_ERROR(MakeStateDirectories(options_.setup.state_dir));
    SHARC_ASSIGN_OR_RETURN(AttemptJournal journal,
                           AttemptJournal::Open(options_.setup.state_dir + "/journal"));
    journal_.emplace(std::move(journal));
    SHARC_ASSIGN_OR_RETURN(std::vector<JournalRecord> records, journal_->LoadAll());
    for (JournalRecord& record : records) {
      const AttemptId id = record.launch.attempt;
      int32_t& highest = highest_attempt_[id.job];
      highest = std::max(highest, id.attempt);
      Attempt& attempt = attempts_[id];
      attempt.record = std::move(record);
      attempt.energy_base = {attempt.record.report.cpu_energy_uj,
                             attempt.record.report.gpu_energy_uj};
      if (attempt.record.report.exited) continue;
      std::optional<int64_t> ticks = ProcessStartTicks(attempt.record.monitor_pid);
      if (ticks && *ticks == attempt.record.monitor_start_ticks) {
        LogInfo("agent", "re-adopting " + AttemptName(id) + " (pid " +
                             std::to_string(attempt.record.job_pid) + ")");
        Watch(id);
        if (attempt.record.requested_ending != AttemptEnding::kNone) {
          EscalateAfterGrace(id);
        }
      } else {
        LogInfo("agent", AttemptName(id) + " ended while the agent was away");
        asio::post(io_, [this, id] { OnMonitorExit(id); });
      }
    }
    KillUnrecordedAttempts();
    return Status::Ok();
  }

  // Attempts an earlier agent process started but did not live to journal (it stopped between
  // the job's exec and the record): their jobs would run on unknown, and run again beside the
  // launch the scheduler sends anew. Found by their cgroups, and killed.
  void KillUnrecordedAttempts() {
    CgroupManager* cgroups = options_.setup.cgroups;
    if (!cgroups) return;
    std::error_code error;
    for (const auto& entry :
         std::filesystem::directory_iterator(options_.setup.state_dir + "/jobs", error)) {
      std::optional<AttemptId> id = ParseAttemptDirName(entry.path().filename().string());
      if (!id || attempts_.contains(*id)) continue;
      const std::string name = CgroupName(*id);
      StatusOr<std::vector<int>> pids = cgroups->Pids(name);
      if (!pids.ok()) continue;  // no such cgroup: nothing of it runs
      if (!pids->empty()) {
        LogWarning("agent", AttemptName(*id) +
                                " was started by an earlier agent process that stopped before "
                                "recording it: killing it, so that it never runs twice");
      }
      RemoveAttemptCgroup(cgroups, name);
    }
  }

  void Launch(const protocol::LaunchMsg& launch) {
    const SteadyTime ordered = clock_.SteadyNow();
    const AttemptId id = launch.attempt;
    if (auto it = attempts_.find(id); it != attempts_.end()) {
      // One still starting reports once its job runs.
      if (!it->second.starting) on_report_(it->second.record.report);
      return;
    }
    int32_t& highest = highest_attempt_[id.job];
    if (highest >= id.attempt) {
      LogWarning("agent", "refusing the launch of " + AttemptName(id) + ": attempt " +
                              std::to_string(highest) + " already ran here");
      return;
    }
    highest = id.attempt;
    FenceOlderAttempts(id);
    Attempt& attempt = attempts_[id];
    attempt.record.launch = launch;
    attempt.record.report.attempt = id;
    StatusOr<const NodeAllocation*> part = LocalPart(launch, options_.node_name);
    if (!part.ok()) return Fail(attempt, part.status().message());

    StatusOr<LaunchSpec> spec =
        SetUpAttempt(options_.setup, *topology_, launch, **part, &attempt.record.cgroup);
    if (!spec.ok()) return Fail(attempt, spec.status().message());
    StatusOr<StartedLaunch> started = StartLaunch(*spec);
    if (!started.ok()) {
      RemoveAttemptCgroup(options_.setup.cgroups, attempt.record.cgroup);
      return Fail(attempt, started.status().message());
    }
    attempt.starting.emplace(std::move(*started));
    attempt.ordered = ordered;
    WatchStart(id);
  }

  // The rest of a launch, once the monitor has reported the job's exec: the record, then the
  // confirmation that lets the job run on, then the report. An ending asked for meanwhile is
  // carried out now.
  void FinishStart(const AttemptId& id) {
    auto it = attempts_.find(id);
    if (it == attempts_.end() || !it->second.starting) return;
    Attempt& attempt = it->second;
    attempt.start_watch.reset();
    StatusOr<LaunchedJob> launched = FinishLaunch(std::move(*attempt.starting));
    attempt.starting.reset();
    if (!launched.ok()) {
      RemoveAttemptCgroup(options_.setup.cgroups, attempt.record.cgroup);
      return Fail(attempt, launched.status().message());
    }
    if (options_.on_job_started) options_.on_job_started(clock_.SteadyNow() - attempt.ordered);
    const bool recorded = Record(attempt, *launched);
    Watch(id);
    LogDebug("agent",
             "started " + AttemptName(id) + " (pid " + std::to_string(launched->job_pid) + ")");
    on_report_(attempt.record.report);
    if (recorded && attempt.record.requested_ending != AttemptEnding::kNone) BeginEnding(id);
  }

  void Kill(const protocol::KillMsg& kill) {
    auto it = attempts_.find(kill.attempt);
    if (it == attempts_.end()) {
      LogInfo("agent", "asked to kill " + AttemptName(kill.attempt) + ", which does not run here");
      return;
    }
    if (it->second.record.report.exited) return on_report_(it->second.record.report);
    AttemptEnding ending = AttemptEnding::kKilled;
    if (kill.reason == protocol::KillReason::kCancel) ending = AttemptEnding::kCancelled;
    if (kill.reason == protocol::KillReason::kPreempt) ending = AttemptEnding::kPreempted;
    Terminate(kill.attempt, ending);
  }

  void Acknowledge(const protocol::UpdateAckMsg& ack) {
    auto it = attempts_.find(ack.attempt);
    if (it == attempts_.end() || !ack.exited || !it->second.record.report.exited) return;
    if (journal_) {
      if (Status s = journal_->Remove(ack.attempt); !s.ok()) LogError("agent", s.message());
    }
    attempts_.erase(it);
  }

  void SetFenceAfter(std::chrono::milliseconds fence_after) {
    options_.setup.fence_after_ms = std::max<int64_t>(0, fence_after.count());
  }

  void KillAllRunning(const std::string& why) {
    for (auto& [id, attempt] : attempts_) {
      if (attempt.starting) FinishStart(id);  // see KillNow
      if (attempt.record.report.exited) continue;
      LogWarning("agent", "killing " + AttemptName(id) + ": " + why);
      attempt.record.requested_ending = AttemptEnding::kKilled;
      attempt.fence_message = why;
      (void)Journal(attempt);
      KillNow(attempt);
    }
  }

  void SampleUsage() {
    UsageMonitor* usage = options_.usage;
    if (!usage) return;
    std::vector<AttemptCpuTime> running;
    for (const auto& [id, attempt] : attempts_) {
      if (!attempt.Runs()) continue;
      running.push_back(
          MeasureCpuTime(options_.setup.cgroups, attempt.record, attempt.launched_here));
    }
    usage->Sample(
        std::chrono::duration_cast<std::chrono::milliseconds>(clock_.SteadyNow().time_since_epoch())
            .count(),
        running);
    for (auto& [id, attempt] : attempts_) {
      if (!attempt.Runs()) continue;
      const AttemptEnergy energy = usage->attempt(id);
      attempt.record.report.cpu_energy_uj = attempt.energy_base.cpu_uj + energy.cpu_uj;
      attempt.record.report.gpu_energy_uj = attempt.energy_base.gpu_uj + energy.gpu_uj;
    }
  }

  void CapRunningOutput() {
    for (auto& [id, attempt] : attempts_) {
      if (attempt.Runs()) CapOutput(id, attempt);
    }
  }

  std::vector<int> AllocatedGpus() const {
    std::vector<int> gpus;
    for (const auto& [id, attempt] : attempts_) {
      if (attempt.record.report.exited) continue;
      // A running attempt passed LocalPart when it was launched.
      if (const NodeAllocation* part = attempt.record.launch.part()) {
        gpus.insert(gpus.end(), part->gpus.begin(), part->gpus.end());
      }
    }
    return gpus;
  }

  std::vector<AttemptReport> Reports() const {
    std::vector<AttemptReport> reports;
    for (const auto& [id, attempt] : attempts_) reports.push_back(attempt.record.report);
    return reports;
  }

  size_t running_count() const {
    return std::count_if(attempts_.begin(), attempts_.end(),
                         [](const auto& entry) { return !entry.second.record.report.exited; });
  }

  std::string AttemptDir(const AttemptId& id) const {
    return AttemptDirPath(options_.setup.state_dir, id);
  }

 private:
  struct Attempt {
    JournalRecord record;
    std::string fence_message;
    std::unique_ptr<asio::posix::stream_descriptor> exit_watch;
    std::unique_ptr<asio::steady_timer> time_limit;
    std::unique_ptr<asio::steady_timer> kill_timer;
    // Started by this agent process (not re-adopted): all its CPU time is ours to attribute.
    bool launched_here = false;
    AttemptEnergy energy_base;  // what the journal recorded before a restart
    bool output_cut = false;    // logged once
    // Set from StartLaunch until FinishStart, while the job sets itself up: until then the
    // attempt is neither journaled nor signalled (an ending asked for waits for FinishStart).
    std::optional<StartedLaunch> starting;
    std::unique_ptr<asio::posix::stream_descriptor> start_watch;  // the monitor's report
    SteadyTime ordered{};                                         // when the launch arrived

    // Its job runs (or ran) under this agent's watch: started, and not yet exited.
    bool Runs() const { return !starting && !record.report.exited; }
  };

  // Journals the started attempt, then lets its job run on (see LaunchJob); true if it did. A
  // job the journal could not record is not let run on: its monitor kills it, and the attempt
  // ends killed, saying why.
  bool Record(Attempt& attempt, LaunchedJob& launched) {
    attempt.launched_here = true;
    attempt.record.monitor_pid = launched.monitor_pid;
    attempt.record.job_pid = launched.job_pid;
    attempt.record.monitor_start_ticks = ProcessStartTicks(launched.monitor_pid).value_or(0);
    attempt.record.report.start_time = launched.start_time;
    if (Status saved = Journal(attempt); !saved.ok()) {
      attempt.record.requested_ending = AttemptEnding::kKilled;
      attempt.fence_message = "the agent could not record the job in its journal (" +
                              saved.message() + "), so it was not let run";
      if (launched.record_fd >= 0) ::close(launched.record_fd);  // unconfirmed: see LaunchJob
      launched.record_fd = -1;
      return false;
    }
    ConfirmRecorded(launched);
    return true;
  }

  // Whether `fd` becomes readable before `deadline`.
  static bool ReportArrives(int fd, std::chrono::steady_clock::time_point deadline) {
    while (true) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd entry = {fd, POLLIN, 0};
      int ready = ::poll(&entry, 1, static_cast<int>(std::max<int64_t>(0, left.count())));
      if (ready >= 0 || errno != EINTR) return ready > 0;
    }
  }

  // Waits, in the event loop, for the monitor's report on the launch, then FinishStart.
  void WatchStart(const AttemptId& id) {
    Attempt& attempt = attempts_.at(id);
    // A descriptor of the watch's own: the StartedLaunch keeps (and closes) the channel.
    int fd = ::fcntl(attempt.starting->report_fd(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) return FinishStart(id);  // blocks until the report, as LaunchJob would
    attempt.start_watch = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
    attempt.start_watch->async_wait(asio::posix::stream_descriptor::wait_read,
                                    [this, id](const boost::system::error_code& error) {
                                      if (error != asio::error::operation_aborted) {
                                        FinishStart(id);
                                      }
                                    });
  }

  // Cuts the attempt's stdout and stderr beyond options.output_limit_bytes.
  void CapOutput(const AttemptId& id, Attempt& attempt) {
    const int64_t limit = options_.output_limit_bytes;
    if (limit <= 0) return;
    for (const char* stream : {"/stdout", "/stderr"}) {
      StatusOr<bool> cut = CapOutputFile(AttemptDir(id) + stream, limit);
      if (!cut.ok()) {
        LogWarning("agent", AttemptName(id) + ": " + cut.status().message());
      } else if (*cut && !attempt.output_cut) {
        attempt.output_cut = true;
        LogInfo("agent",
                AttemptName(id) + ": output cut at the output_limit of " + FormatSize(limit));
      }
    }
  }

  Status Journal(const Attempt& attempt) {
    if (!journal_ || attempt.starting) return Status::Ok();  // FinishStart journals it
    Status saved = journal_->Save(attempt.record);
    if (!saved.ok()) LogError("agent", "journal: " + saved.message());
    return saved;
  }

  void Fail(Attempt& attempt, const std::string& why) {
    AttemptReport& report = attempt.record.report;
    LogWarning("agent", "cannot start " + AttemptName(report.attempt) + ": " + why);
    UnixMillis now = clock_.WallMillis();
    report.exited = true;
    report.start_time = now;
    report.end_time = now;
    report.ending = AttemptEnding::kLaunchFailed;
    report.message = why;
    (void)Journal(attempt);
    on_report_(report);
  }

  // Watches the monitor's exit and the attempt's time limit.
  void Watch(const AttemptId& id) {
    Attempt& attempt = attempts_.at(id);
    int pidfd = static_cast<int>(::syscall(SYS_pidfd_open, attempt.record.monitor_pid, 0));
    if (pidfd >= 0) {
      attempt.exit_watch = std::make_unique<asio::posix::stream_descriptor>(io_, pidfd);
      attempt.exit_watch->async_wait(asio::posix::stream_descriptor::wait_read,
                                     [this, id](const boost::system::error_code& error) {
                                       if (!error) OnMonitorExit(id);
                                     });
    } else {  // the monitor is already gone (it can only have exited)
      asio::post(io_, [this, id] { OnMonitorExit(id); });
    }
    UnixMillis deadline =
        attempt.record.report.start_time + attempt.record.launch.spec.time_limit_seconds * 1000;
    attempt.time_limit = std::make_unique<asio::steady_timer>(io_);
    attempt.time_limit->expires_after(
        std::chrono::milliseconds(std::max<int64_t>(0, deadline - clock_.WallMillis())));
    attempt.time_limit->async_wait([this, id](const boost::system::error_code& error) {
      if (!error) Terminate(id, AttemptEnding::kTimeLimit);
    });
  }

  // Fencing kills at once: an attempt still starting is first waited for (as long as its exec
  // takes, as LaunchJob did), then killed, before anything else happens.
  void KillNow(Attempt& attempt) {
    if (attempt.starting) FinishStart(attempt.record.launch.attempt);
    if (attempt.record.report.exited) return;
    SignalAttempt(options_.setup.cgroups, attempt.record, SIGKILL);
  }

  void Terminate(const AttemptId& id, AttemptEnding ending) {
    auto it = attempts_.find(id);
    if (it == attempts_.end() || it->second.record.report.exited) return;
    Attempt& attempt = it->second;
    if (attempt.record.requested_ending != AttemptEnding::kNone) return;  // already ending
    attempt.record.requested_ending = ending;
    if (!attempt.starting) BeginEnding(id);  // else FinishStart does, once the job runs
  }

  // Journals the requested ending, SIGTERMs the job and SIGKILLs it after the grace period.
  void BeginEnding(const AttemptId& id) {
    Attempt& attempt = attempts_.at(id);
    (void)Journal(attempt);
    LogInfo("agent", "ending " + AttemptName(id) + " (" +
                         std::string(protocol::AttemptEndingName(attempt.record.requested_ending)) +
                         ")");
    SignalAttempt(options_.setup.cgroups, attempt.record, SIGTERM);
    EscalateAfterGrace(id);
  }

  // Fencing across a gang's ranks: an older attempt of the job that still runs here (its
  // rank's kill may still be in its grace period) is killed at once, before the new one starts.
  void FenceOlderAttempts(const AttemptId& id) {
    for (auto it = attempts_.lower_bound({id.job, 0});
         it != attempts_.end() && it->first.job == id.job && it->first.attempt < id.attempt; ++it) {
      if (it->second.starting) FinishStart(it->first);  // see KillNow
      if (it->second.record.report.exited) continue;
      LogInfo("agent",
              "killing " + AttemptName(it->first) + " now: " + AttemptName(id) + " replaces it");
      Terminate(it->first, AttemptEnding::kKilled);
      KillNow(it->second);
    }
  }

  void EscalateAfterGrace(const AttemptId& id) {
    Attempt& attempt = attempts_.at(id);
    attempt.kill_timer = std::make_unique<asio::steady_timer>(io_);
    attempt.kill_timer->expires_after(options_.kill_grace);
    attempt.kill_timer->async_wait([this, id](const boost::system::error_code& error) {
      auto it = attempts_.find(id);
      if (error || it == attempts_.end() || it->second.record.report.exited) return;
      KillNow(it->second);
    });
  }

  // Exits seen together (their monitors' pidfds ready in one poll) are finished together,
  // after one usage sample: each sample reads every running attempt's CPU time.
  void OnMonitorExit(const AttemptId& id) {
    pending_exits_.push_back(id);
    if (pending_exits_.size() == 1) asio::post(io_, [this] { FinishExits(); });
  }

  void FinishExits() {
    std::vector<AttemptId> ids = std::move(pending_exits_);
    pending_exits_.clear();
    // Energy up to the end, while the cgroups still hold the attempts' CPU time.
    SampleUsage();
    for (const AttemptId& id : ids) {
      if (auto it = attempts_.find(id); it != attempts_.end()) CapOutput(id, it->second);
      FinishExit(id);
    }
  }

  void FinishExit(const AttemptId& id) {
    auto it = attempts_.find(id);
    if (it == attempts_.end() || it->second.record.report.exited) return;
    Attempt& attempt = it->second;
    if (options_.usage) options_.usage->Forget(id);
    int monitor_status = -1;
    (void)TryReapMonitor(attempt.record.monitor_pid, &monitor_status);
    AttemptReport& report = attempt.record.report;
    report.exited = true;
    report.ending = attempt.record.requested_ending;
    if (!attempt.fence_message.empty()) report.message = attempt.fence_message;
    ReadFinalUsage(options_.setup.cgroups, attempt.record, &report);
    // Nothing of the job may outlive it: with a cgroup RemoveAttemptCgroup sees to that, and
    // without one the process group is all there is to kill.
    if (options_.setup.cgroups == nullptr || attempt.record.cgroup.empty()) {
      (void)SignalJob(attempt.record.job_pid, SIGKILL);
    }
    RemoveAttemptCgroup(options_.setup.cgroups, attempt.record.cgroup);
    const std::string missing =
        ApplyExitStatus(ReadExitStatus(StatusPath(options_.setup.state_dir, id)), monitor_status,
                        options_.setup, attempt.record.launch, clock_.WallMillis(), &report);
    if (!missing.empty()) LogWarning("agent", AttemptName(id) + ": " + missing);
    attempt.exit_watch.reset();
    attempt.time_limit.reset();
    attempt.kill_timer.reset();
    (void)Journal(attempt);
    LogDebug("agent", AttemptName(id) + " exited");
    on_report_(report);
  }

  asio::io_context& io_;
  AttemptRunnerOptions options_;
  std::shared_ptr<const NodeTopology> topology_;
  const Clock& clock_;
  ReportCallback on_report_;
  std::unique_ptr<IdentityCache> identity_cache_;  // unless options_ brought one
  std::optional<AttemptJournal> journal_;
  std::map<AttemptId, Attempt> attempts_;
  std::map<JobId, int32_t> highest_attempt_;
  std::vector<AttemptId> pending_exits_;  // for FinishExits, posted
};

AttemptRunner::AttemptRunner(asio::io_context& io, AttemptRunnerOptions options,
                             std::shared_ptr<const NodeTopology> topology, const Clock& clock,
                             ReportCallback on_report)
    : impl_(std::make_unique<Impl>(io, std::move(options), std::move(topology), clock,
                                   std::move(on_report))) {}
AttemptRunner::~AttemptRunner() = default;
Status AttemptRunner::Restore() { return impl_->Restore(); }
void AttemptRunner::Launch(const protocol::LaunchMsg& launch) { impl_->Launch(launch); }
void AttemptRunner::Kill(const protocol::KillMsg& kill) { impl_->Kill(kill); }
void AttemptRunner::Acknowledge(const protocol::UpdateAckMsg& ack) { impl_->Acknowledge(ack); }
void AttemptRunner::KillAllRunning(const std::string& why) { impl_->KillAllRunning(why); }
void AttemptRunner::SetFenceAfter(std::chrono::milliseconds fence_after) {
  impl_->SetFenceAfter(fence_after);
}
std::vector<protocol::AttemptReport> AttemptRunner::Reports() const { return impl_->Reports(); }
size_t AttemptRunner::running_count() const { return impl_->running_count(); }
void AttemptRunner::SampleUsage() { impl_->SampleUsage(); }

void AttemptRunner::CapRunningOutput() { impl_->CapRunningOutput(); }
std::vector<int> AttemptRunner::AllocatedGpus() const { return impl_->AllocatedGpus(); }
std::string AttemptRunner::AttemptDir(const AttemptId& id) const { return impl_->AttemptDir(id); }

}  // namespace sharc::agent
