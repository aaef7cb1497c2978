#include "sim/simulator.h"

#include <algorithm>
#include <map>
#include <memory>
#include <queue>
#include <set>

#include "policies/fair_share.h"
#include "policies/feasibility.h"
#include "policies/registry.h"
#include "policies/scheduling_cycle.h"
#include "policies/usage_tracker.h"

namespace sharc::sim {
namespace {

using policies::ClusterView;
using policies::PendingJob;
using policies::RunningAllocation;

enum class EventKind {
  kArrival,
  kEnd,
  kStopped,
  kFullCycleDue,  // the full-cycle interval is over: run the full cycle put off until then
};

struct Event {
  int64_t time = 0;
  int64_t seq = 0;  // insertion order: ties keep it, so the run is deterministic
  EventKind kind = EventKind::kArrival;
  size_t job = 0;
  int32_t attempt = 0;
  bool operator>(const Event& other) const {
    return std::tie(time, seq) > std::tie(other.time, other.seq);
  }
};

struct SimJob {
  JobSpec spec;
  std::string tenant;
  const policies::PriorityClass* priority_class = nullptr;
  int64_t arrival = 0;
  int64_t runtime = 0;
  JobState state = JobState::kPending;
  int32_t attempt = 0;
  int64_t start = 0;  // of the current attempt
  int64_t first_start = -1;
  int64_t end = -1;
  int64_t run_ms = 0;
  int32_t preemptions = 0;
  double rate = 0;  // its dominant share while it runs
  bool refused = false;
};

// What each tenant holds and waits for, kept in step with the jobs.
struct TenantState {
  policies::TenantView base;  // quota, share, parent
  Resources held;
  int64_t running = 0;
  int64_t pending = 0;
};

class Simulation {
 public:
  Simulation(const SimulationOptions& options, std::unique_ptr<policies::Profile> profile)
      : options_(options), profile_(std::move(profile)), usage_(options.fair_share_half_life_ms) {}

  Status Load(const std::vector<NodeInventory>& nodes, const std::vector<WorkloadJob>& workload);
  RunInputs Run();

 private:
  void Push(int64_t time, EventKind kind, size_t job, int32_t attempt) {
    events_.push({time, next_seq_++, kind, job, attempt});
  }
  void Apply(const Event& event);
  void Cycle();
  policies::TenantsView Tenants();
  void Start(size_t job, policies::Placement placement);
  void Release(size_t job);
  void Preempt(const policies::Preemption& preemption);
  void CountNode(size_t node, int delta);
  TenantState& TenantOf(const std::string& name);

  const SimulationOptions& options_;
  std::unique_ptr<policies::Profile> profile_;
  ClusterView view_;
  Resources capacity_;
  std::vector<SimJob> jobs_;
  std::map<std::string, TenantState> tenants_;
  std::set<size_t> pending_;
  std::vector<size_t> arrived_;
  bool capacity_changed_ = false;
  bool full_due_ = false;      // a full cycle was put off until the interval is over
  bool reminder_set_ = false;  // a kFullCycleDue event is queued for it
  int64_t last_full_ = INT64_MIN / 2;
  std::vector<policies::Reservation> reservations_;
  policies::UsageTracker usage_;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> events_;
  int64_t next_seq_ = 0;
  int64_t now_ = 0;
  std::vector<int64_t> busy_since_;  // per node: when it last went from idle to busy
  int64_t powered_on_ms_ = 0;
};

TenantState& Simulation::TenantOf(const std::string& name) {
  auto [it, added] = tenants_.try_emplace(name);
  if (added) {
    it->second.base.name = name;
    it->second.base.parent = std::string(policies::ParentOf(name));
  }
  return it->second;
}

Status Simulation::Load(const std::vector<NodeInventory>& nodes,
                        const std::vector<WorkloadJob>& workload) {
  for (const NodeInventory& node : nodes) {
    view_.UpsertNode({node.name, std::make_shared<NodeTopology>(node.topology), node.labels,
                      node.binding_simulated});
    (void)capacity_.Add(node.topology.Capacity());
  }
  busy_since_.assign(nodes.size(), -1);
  for (const Tenant& t : options_.tenants) {
    TenantState& state = TenantOf(t.name);
    state.base.quota = t.quota;
    state.base.disabled = t.disabled;
    state.base.share = std::max<int64_t>(1, t.share);
  }
  jobs_.reserve(workload.size());
  for (size_t i = 0; i < workload.size(); ++i) {
    const WorkloadJob& w = workload[i];
    SimJob job;
    job.spec.name = "job";
    job.spec.command = {"true"};
    job.spec.cpus = w.cpus;
    job.spec.memory_bytes = w.memory_bytes;
    job.spec.gpus = w.gpus;
    job.spec.gpu_model = w.gpu_model;
    job.spec.time_limit_seconds = w.time_limit_s;
    job.spec.labels = w.labels;
    job.tenant = w.tenant;
    std::string name = w.priority.empty() ? options_.default_priority_class : w.priority;
    for (const policies::PriorityClass& pc : options_.priority_classes) {
      if (pc.name == name) job.priority_class = &pc;
    }
    if (job.priority_class == nullptr) {
      return InvalidArgumentError("workload job " + std::to_string(i + 1) + ": priority class '" +
                                  name + "' is not configured");
    }
    job.arrival = w.arrival_ms;
    job.runtime = w.runtime_ms;
    jobs_.push_back(std::move(job));
    TenantOf(w.tenant);
    Push(w.arrival_ms, EventKind::kArrival, i, 0);
  }
  return Status::Ok();
}

void Simulation::CountNode(size_t node, int delta) {
  size_t jobs = view_.node(node).jobs.size();
  if (delta > 0 && jobs == 1) busy_since_[node] = now_;
  if (delta < 0 && jobs == 0 && busy_since_[node] >= 0) {
    powered_on_ms_ += now_ - busy_since_[node];
    busy_since_[node] = -1;
  }
}

void Simulation::Start(size_t index, policies::Placement placement) {
  SimJob& job = jobs_[index];
  RunningAllocation a;
  a.job = JobId{static_cast<int64_t>(index) + 1};
  a.tenant = job.tenant;
  a.gpu_model = job.spec.gpu_model;
  a.priority = job.priority_class->value;
  a.preemptible = job.priority_class->preemptible;
  a.start = now_;
  a.expected_end = now_ + job.spec.time_limit_seconds * 1000;
  a.placement = std::move(placement);
  size_t node = a.placement.nodes.front().node_index;
  if (!view_.Assume(std::move(a)).ok()) return;  // the cycle only grants what is free
  CountNode(node, +1);
  pending_.erase(index);
  job.state = JobState::kRunning;
  ++job.attempt;
  job.start = now_;
  if (job.first_start < 0) job.first_start = now_;
  Resources request = job.spec.Request();
  TenantState& tenant = TenantOf(job.tenant);
  (void)tenant.held.Add(request);
  ++tenant.running;
  --tenant.pending;
  job.rate = policies::DominantShare(request, capacity_);
  usage_.AddRate(job.tenant, job.rate);
  int64_t limit = job.spec.time_limit_seconds * 1000;
  Push(now_ + std::min(job.runtime, limit), EventKind::kEnd, index, job.attempt);
}

void Simulation::Release(size_t index) {
  SimJob& job = jobs_[index];
  JobId id{static_cast<int64_t>(index) + 1};
  size_t node = view_.FindAllocation(id)->placement.nodes.front().node_index;
  view_.Forget(id);
  CountNode(node, -1);
  job.run_ms += now_ - job.start;
  TenantState& tenant = TenantOf(job.tenant);
  tenant.held.Subtract(job.spec.Request());
  --tenant.running;
  usage_.AddRate(job.tenant, -job.rate);
  capacity_changed_ = true;
}

void Simulation::Apply(const Event& event) {
  SimJob& job = jobs_[event.job];
  switch (event.kind) {
    case EventKind::kArrival:
      if (!policies::CheckEverFits(view_, job.spec).ok()) {
        job.refused = true;  // refused at submit, as the scheduler would
        return;
      }
      pending_.insert(event.job);
      ++TenantOf(job.tenant).pending;
      arrived_.push_back(event.job);
      return;
    case EventKind::kEnd:
      if (job.state != JobState::kRunning || job.attempt != event.attempt) return;  // stopped
      Release(event.job);
      job.state = job.runtime > job.spec.time_limit_seconds * 1000 ? JobState::kTimeout
                                                                   : JobState::kCompleted;
      job.end = now_;
      return;
    case EventKind::kFullCycleDue:
      return;  // Cycle() runs the full cycle now that the interval is over
    case EventKind::kStopped:
      if (job.state != JobState::kRunning || job.attempt != event.attempt) return;
      Release(event.job);
      job.state = JobState::kPending;  // requeued: same job, next attempt, from the start
      ++job.preemptions;
      pending_.insert(event.job);
      ++TenantOf(job.tenant).pending;
      return;
  }
}

void Simulation::Preempt(const policies::Preemption& preemption) {
  size_t index = static_cast<size_t>(preemption.victim.value - 1);
  view_.SetTerminating(preemption.victim, true);
  Push(now_ + options_.kill_grace_ms, EventKind::kStopped, index, jobs_[index].attempt);
}

policies::TenantsView Simulation::Tenants() {
  usage_.Advance(now_);
  policies::TenantsView view;
  for (const auto& [name, state] : tenants_) {
    policies::TenantView t = state.base;
    t.held = state.held;
    t.running = state.running;
    t.pending = state.pending;
    t.usage = usage_.UsageOf(name);
    view.Add(std::move(t));
  }
  view.Finalize();
  return view;
}

void Simulation::Cycle() {
  if (capacity_changed_) full_due_ = true;
  const bool full = full_due_ && now_ - last_full_ >= options_.full_cycle_interval_ms;
  const bool head = capacity_changed_ && !full;  // the queue's head, now
  if (full_due_ && !full && !capacity_changed_ && arrived_.empty()) return;
  if (full_due_ && !full) {
    // Remind ourselves once the interval is over (one reminder per interval).
    if (!reminder_set_) {
      Push(last_full_ + options_.full_cycle_interval_ms, EventKind::kFullCycleDue, 0, 0);
      reminder_set_ = true;
    }
  }
  if (!full && !head && arrived_.empty()) return;
  std::vector<PendingJob> pending;
  auto add = [&](size_t index) {
    const SimJob& job = jobs_[index];
    pending.push_back({JobId{static_cast<int64_t>(index) + 1}, job.tenant, &job.spec, job.arrival,
                       job.priority_class});
  };
  if (full || head) {
    for (size_t index : pending_) add(index);
  } else {
    for (size_t index : arrived_) {
      if (pending_.count(index)) add(index);
    }
  }
  capacity_changed_ = false;
  arrived_.clear();
  if (full) {
    full_due_ = false;
    last_full_ = now_;
    reminder_set_ = false;
  }
  if (pending.empty()) return;
  // Reservations of jobs that started (or left) since they were made are dropped.
  std::erase_if(reservations_, [&](const policies::Reservation& r) {
    return !pending_.count(static_cast<size_t>(r.job.value - 1));
  });
  size_t depth = head ? static_cast<size_t>(options_.queue_depth) : 0;
  policies::TenantsView tenants = Tenants();
  policies::CycleResult result = policies::RunCycle(
      view_, tenants, *profile_, {std::move(pending), full, reservations_, depth}, now_);
  reservations_ = std::move(result.reservations);
  // As the scheduler's: a job that found no room outside a full cycle gets its reservation from
  // a full one, as soon as the interval allows.
  if (!full && policies::LeftJobsWithoutRoom(result)) {
    full_due_ = true;
    if (!reminder_set_) {
      Push(std::max(now_, last_full_ + options_.full_cycle_interval_ms), EventKind::kFullCycleDue,
           0, 0);
      reminder_set_ = true;
    }
  }
  for (policies::Decision& d : result.decisions) {
    if (d.kind == policies::VerdictKind::kPlaced) {
      Start(static_cast<size_t>(d.job.value - 1), std::move(*d.placement));
    }
  }
  for (const policies::Preemption& p : result.preemptions) Preempt(p);
}

RunInputs Simulation::Run() {
  while (!events_.empty()) {
    now_ = events_.top().time;
    while (!events_.empty() && events_.top().time == now_) {
      Event event = events_.top();
      events_.pop();
      usage_.Advance(now_);
      Apply(event);
    }
    Cycle();
  }
  RunInputs inputs;
  inputs.profile = profile_->config.name;
  inputs.cluster.cpus = capacity_.Get(kCpuResource) / kMilliCpusPerCpu;
  inputs.cluster.gpus = capacity_.Get(kGpuResource);
  inputs.cluster.nodes = static_cast<int64_t>(view_.nodes().size());
  inputs.powered_on_node_ms = powered_on_ms_;
  for (const auto& [name, state] : tenants_) {
    inputs.tenant_shares[name] = static_cast<double>(state.base.share);
  }
  for (const SimJob& job : jobs_) {
    JobOutcome o;
    o.tenant = job.tenant;
    o.cpus = job.spec.cpus;
    o.gpus = job.spec.gpus;
    o.memory_bytes = job.spec.memory_bytes;
    o.arrival_ms = job.arrival;
    o.first_start_ms = job.first_start;
    o.end_ms = job.end;
    o.run_ms = job.run_ms;
    o.preemptions = job.preemptions;
    o.final_state = job.refused ? "CANCELLED" : std::string(JobStateName(job.state));
    inputs.jobs.push_back(std::move(o));
  }
  return inputs;
}

}  // namespace

StatusOr<RunInputs> Simulate(const std::vector<NodeInventory>& nodes,
                             const std::vector<WorkloadJob>& workload,
                             const SimulationOptions& options) {
  policies::PluginRegistry registry;
  policies::RegisterBuiltinPlugins(registry);
  StatusOr<std::unique_ptr<policies::Profile>> profile = registry.Build(options.profile);
  // An unknown plugin is NotFound to the registry; to a caller it is a bad profile.
  if (!profile.ok()) return InvalidArgumentError(profile.status().message());
  Simulation simulation(options, std::move(*profile));
  SHARC_RETURN_IF_ERROR(simulation.Load(nodes, workload));
  return simulation.Run();
}

}  // namespace sharc::sim
