#include "scheduler/cycle_runner.h"

#include <algorithm>

#include "core/log.h"

namespace sharc::scheduler {

CycleRunner::CycleRunner(const SchedulerContext& context, JobLifecycle& jobs,
                         TenantService& tenants, std::unique_ptr<policies::Profile> profile,
                         std::function<void(const char*)> check_invariants)
    : context_(context),
      jobs_(jobs),
      tenants_(tenants),
      profile_(std::move(profile)),
      check_invariants_(std::move(check_invariants)) {}

void CycleRunner::Post() {
  if (posted_) return;
  posted_ = true;
  context_.deps.post([this] { Run(); });
}

void CycleRunner::RequestCycle() {
  head_due_ = true;
  full_due_ = true;
  Post();
}

void CycleRunner::Arrived(JobId job) {
  arrived_.push_back(job);
  Post();
}

std::optional<ExpectedStart> CycleRunner::ExpectedStartOf(JobId job) const {
  for (const policies::Reservation& r : reservations_) {
    if (r.job != job) continue;
    ExpectedStart start{r.start, {}};
    for (const policies::NodePlacement& part : r.placement.nodes) {
      start.nodes.push_back(context_.state.view().node(part.node_index).name);
    }
    return start;
  }
  return std::nullopt;
}

std::vector<policies::PendingJob> CycleRunner::Candidates(Kind kind) const {
  std::vector<policies::PendingJob> pending;
  auto add = [&](JobId id) {
    if (jobs_.WaitsForDependencies(id)) return;
    const Job* job = context_.state.FindJob(id);
    if (job->is_array()) return;  // its tasks are the candidates
    pending.push_back({id, job->tenant, &job->spec, job->submit_time, &tenants_.ClassOf(*job)});
  };
  if (kind == Kind::kArrivals) {
    for (JobId id : arrived_) {
      if (context_.state.pending().count(id)) add(id);
    }
  } else {
    pending.reserve(context_.state.pending().size());
    for (JobId id : context_.state.pending()) add(id);
  }
  return pending;
}

void CycleRunner::Run() {
  posted_ = false;
  const SchedulingConfig& config = context_.options.scheduling;
  SteadyTime now = context_.SteadyNow();
  const bool interval_over = now - last_full_ >= config.full_cycle_interval;
  Kind kind = full_due_ && interval_over ? Kind::kFull : head_due_ ? Kind::kHead : Kind::kArrivals;
  if (full_due_ && !interval_over && !timer_set_) {
    timer_set_ = true;
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(
        last_full_ + config.full_cycle_interval - now);
    context_.deps.post_after(wait, [this] {
      timer_set_ = false;
      Post();
    });
  }
  jobs_.QueueArrayTasks(&arrived_);
  std::vector<policies::PendingJob> pending = Candidates(kind);
  arrived_.clear();
  head_due_ = false;
  if (kind == Kind::kFull) {
    full_due_ = false;
    last_full_ = now;
  }
  if (pending.empty()) return;
  // Reservations of jobs that have started or left since they were made no longer hold.
  std::erase_if(reservations_, [&](const policies::Reservation& r) {
    return !context_.state.pending().count(r.job);
  });
  auto started = std::chrono::steady_clock::now();
  policies::TenantsView tenants = tenants_.BuildView();
  size_t depth = kind == Kind::kHead ? static_cast<size_t>(config.queue_depth) : 0;
  policies::Stopwatch stopwatch;
  if (context_.deps.metrics) {
    stopwatch = [] { return std::chrono::steady_clock::now().time_since_epoch().count(); };
  }
  policies::CycleResult result = policies::RunCycle(
      context_.state.view_for_cycle(), tenants, *profile_,
      {std::move(pending), kind == Kind::kFull, reservations_, depth}, context_.Now(), stopwatch);
  reservations_ = result.reservations;
  // A job that found no room outside a full cycle has no reservation yet: a full cycle (paced
  // by the interval) gives it one before smaller jobs can keep taking what frees up.
  if (kind != Kind::kFull && policies::LeftJobsWithoutRoom(result)) {
    full_due_ = true;
    Post();
  }
  Apply(result);
  // Tasks of an array started: the next cycle queues the array's next ones.
  if (jobs_.TakeArrayTaskStarted()) Post();
  check_invariants_("a scheduling cycle");
  if (context_.deps.metrics) {
    context_.deps.metrics->ObserveCycle(std::chrono::steady_clock::now() - started);
    for (std::chrono::nanoseconds d : result.placement_durations) {
      context_.deps.metrics->ObservePlacement(d);
    }
  }
}

void CycleRunner::Apply(policies::CycleResult& result) {
  std::vector<store::Mutation> batch;
  std::vector<AttemptId> launches;
  for (policies::Decision& decision : result.decisions) {
    Job* job = context_.state.FindJob(decision.job);
    if (decision.kind == policies::VerdictKind::kPlaced) {
      jobs_.Start(*job, *decision.placement, &batch, &launches);
    } else {
      jobs_.SetPendingReason(*job, decision.reason, decision.message);
    }
  }
  for (const policies::Preemption& preemption : result.preemptions) {
    Job* victim = context_.state.FindJob(preemption.victim);
    if (victim && victim->state == JobState::kRunning && !victim->preempt_requested &&
        !victim->cancel_requested) {
      jobs_.Preempt(*victim, preemption);
    }
  }
  if (batch.empty()) return;
  context_.commits.CommitOrDie(
      std::move(batch), [this, launches = std::move(launches)] { jobs_.SendLaunches(launches); });
}

}  // namespace sharc::scheduler
