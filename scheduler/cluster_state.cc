#include "scheduler/cluster_state.h"

#include <algorithm>
#include <cassert>

namespace sharc::scheduler {

Allocation AllocationOf(const policies::Placement& placement, const policies::ClusterView& view) {
  Allocation allocation;
  for (const policies::NodePlacement& part : placement.nodes) {
    const policies::NodeView& node = view.node(part.node_index);
    allocation.nodes.push_back(
        {node.name, part.cpus, part.gpus, part.memory_bytes, node.binding_simulated});
  }
  return allocation;
}

std::optional<policies::Placement> PlacementOf(const Allocation& allocation,
                                               const policies::ClusterView& view) {
  policies::Placement placement;
  for (const NodeAllocation& part : allocation.nodes) {
    std::optional<size_t> index = view.FindNode(part.node);
    if (!index) return std::nullopt;
    placement.nodes.push_back({*index, part.cpus, part.gpus, part.memory_bytes});
  }
  return placement;
}

Job* ClusterState::FindJob(JobId id) {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

const Job* ClusterState::FindJob(JobId id) const {
  auto it = jobs_.find(id);
  return it == jobs_.end() ? nullptr : &it->second;
}

const TenantUsage& ClusterState::UsageOf(const std::string& tenant) const {
  static const TenantUsage kNone;
  auto it = usage_.find(tenant);
  return it == usage_.end() ? kNone : it->second;
}

Job& ClusterState::AddJob(Job job) {
  JobId id = job.id;
  assert(!evicted_.Find(id) && "job ids are never reused");
  CountJob(job, 1);
  if (job.is_array_task()) array_tasks_[job.array_job].push_back(id);
  if (!IsTerminal(job.state)) active_.insert(id);
  if (IsTerminal(job.state)) NoteEnded(job);
  if (job.state == JobState::kPending) ++usage_[job.tenant].pending;
  if (job.state == JobState::kRunning && !job.is_array()) ++usage_[job.tenant].running;
  if (!job.idempotency_key.empty()) {
    idempotency_[{job.tenant, job.idempotency_key}] = id;
  }
  if (job.state == JobState::kPending) pending_.insert(id);
  auto [it, inserted] = jobs_.emplace(id, std::move(job));
  assert(inserted && "job ids are never reused");
  return it->second;
}

std::optional<JobId> ClusterState::FindByIdempotencyKey(const std::string& tenant,
                                                        const std::string& key) const {
  auto it = idempotency_.find({tenant, key});
  if (it == idempotency_.end()) return std::nullopt;
  return it->second;
}

void ClusterState::SetState(Job& job, JobState state) {
  assert(CheckTransition(job.state, state).ok());
  TenantUsage& usage = usage_[job.tenant];
  if (job.state == JobState::kPending) pending_.erase(job.id), --usage.pending;
  const bool counts_running = !job.is_array();
  if (job.state == JobState::kRunning && counts_running) --usage.running;
  CountJob(job, -1);
  job.state = state;
  CountJob(job, 1);
  if (state == JobState::kPending) pending_.insert(job.id), ++usage.pending;
  if (state == JobState::kRunning && counts_running) ++usage.running;
  if (IsTerminal(state)) {
    active_.erase(job.id);
    NoteEnded(job);
  }
}

void ClusterState::CountJob(const Job& job, int64_t delta) {
  auto key = std::make_pair(job.state, job.tenant);
  if ((job_counts_[key] += delta) == 0) job_counts_.erase(key);
}

void ClusterState::NoteEnded(const Job& job) {
  if (!job.is_array_task()) ended_.push_back(job.id);
}

void ClusterState::AddEvicted(JobId id, const std::string& tenant, JobState state) {
  assert(!jobs_.count(id));
  evicted_.Add(id, tenant, state);
  ++job_counts_[{state, tenant}];
}

std::vector<JobId> ClusterState::EvictEnded(UnixMillis ended_before, size_t keep) {
  std::vector<JobId> evicted;
  while (!ended_.empty()) {
    const Job* job = FindJob(ended_.front());
    if (job && job->end_time >= ended_before && ended_.size() <= keep) break;
    const JobId id = ended_.front();
    ended_.pop_front();
    if (!job) continue;
    if (auto tasks = array_tasks_.find(id); tasks != array_tasks_.end()) {
      for (JobId task : tasks->second) EvictOne(task, &evicted);
      array_tasks_.erase(tasks);
    }
    EvictOne(id, &evicted);
  }
  return evicted;
}

void ClusterState::EvictOne(JobId id, std::vector<JobId>* evicted) {
  auto it = jobs_.find(id);
  if (it == jobs_.end()) return;
  assert(IsTerminal(it->second.state) && "only finished jobs leave memory");
  evicted_.Add(id, it->second.tenant, it->second.state);  // job_counts_ still counts it
  jobs_.erase(it);
  evicted->push_back(id);
}

void ClusterState::SortEndedByEndTime() {
  std::stable_sort(ended_.begin(), ended_.end(), [this](JobId a, JobId b) {
    return jobs_.at(a).end_time < jobs_.at(b).end_time;
  });
}

std::optional<ClusterState::JobStatus> ClusterState::StatusOf(JobId id) const {
  if (const Job* job = FindJob(id)) return JobStatus{job->tenant, job->state};
  if (std::optional<EvictedJob> gone = evicted_.Find(id)) {
    return JobStatus{*gone->tenant, gone->state};
  }
  return std::nullopt;
}

void ClusterState::RemovePendingJob(JobId id) {
  auto it = jobs_.find(id);
  assert(it != jobs_.end() && it->second.state == JobState::kPending);
  assert(it->second.idempotency_key.empty());
  TenantUsage& usage = usage_[it->second.tenant];
  --usage.pending;
  pending_.erase(id);
  active_.erase(id);
  CountJob(it->second, -1);
  if (it->second.is_array_task()) {
    std::vector<JobId>& tasks = array_tasks_[it->second.array_job];
    tasks.erase(std::remove(tasks.begin(), tasks.end(), id), tasks.end());
  }
  jobs_.erase(it);
}

NodeEntry* ClusterState::FindNode(const std::string& name) {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

const NodeEntry* ClusterState::FindNode(const std::string& name) const {
  auto it = nodes_.find(name);
  return it == nodes_.end() ? nullptr : &it->second;
}

std::pair<NodeEntry*, bool> ClusterState::UpsertNode(store::NodeRecord record) {
  std::string name = record.inventory.name;
  NodeEntry& node = nodes_[name];
  node.topology = std::make_shared<const NodeTopology>(record.inventory.topology);
  node.record = std::move(record);
  const NodeInventory& inventory = node.record.inventory;
  auto [index, fits] =
      view_.UpsertNode({name, node.topology, inventory.labels, inventory.binding_simulated,
                        node.record.state, node.connection != nullptr});
  node.view_index = index;
  return {&node, fits};
}

void ClusterState::SyncNode(const NodeEntry& node) {
  view_.SetNodeStatus(node.view_index, node.record.state, node.connection != nullptr);
}

Resources ClusterState::AllocatedOn(const NodeEntry& node) const {
  const policies::NodeView& view = view_.node(node.view_index);
  Resources r;
  r.Set(kCpuResource, static_cast<int64_t>(view.pu_free.size() - view.free_pus) * kMilliCpusPerCpu);
  r.Set(kMemoryResource, view.topology->memory_bytes - view.memory_free);
  r.Set(kGpuResource, static_cast<int64_t>(view.gpu_free.size() - view.free_gpus));
  return r;
}

const std::vector<JobId>& ClusterState::JobsOn(const NodeEntry& node) const {
  return view_.node(node.view_index).jobs;
}

Status ClusterState::Allocate(const Job& job, const policies::PriorityClass& priority,
                              UnixMillis granted) {
  assert(job.allocation.has_value());
  SHARC_RETURN_IF_ERROR(ValidateAllocation(*job.allocation, "allocation"));  // one part a node
  std::optional<policies::Placement> placement = PlacementOf(*job.allocation, view_);
  if (!placement) {
    return FailedPreconditionError("job " + std::to_string(job.id.value) +
                                   " is allocated on a node the scheduler does not know");
  }
  policies::RunningAllocation running;
  running.job = job.id;
  running.tenant = job.tenant;
  running.gpu_model = job.spec.gpu_model;
  running.priority = priority.value;
  running.preemptible = priority.preemptible;
  running.start = granted;
  running.expected_end = granted + job.spec.time_limit_seconds * 1000;
  running.terminating = job.cancel_requested || job.preempt_requested;
  running.placement = std::move(*placement);
  SHARC_RETURN_IF_ERROR(view_.Assume(std::move(running)));  // all parts or none
  (void)usage_[job.tenant].held.Add(job.spec.Request());    // bounded by node sizes: no overflow
  return Status::Ok();
}

void ClusterState::Release(const Job& job) {
  if (view_.FindAllocation(job.id) == nullptr) return;
  view_.Forget(job.id);
  usage_[job.tenant].held.Subtract(job.spec.Request());
}

void ClusterState::MarkStopping(const Job& job) {
  view_.SetTerminating(job.id, job.cancel_requested || job.preempt_requested);
}

Status ClusterState::CheckInvariants() const {
  std::map<std::string, TenantUsage> usage;
  size_t running = 0;
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::kPending) ++usage[job.tenant].pending;
    if ((job.state == JobState::kPending) != (pending_.count(id) > 0)) {
      return InternalError("job " + std::to_string(id.value) + ": pending set out of step");
    }
    if (IsTerminal(job.state) == (active_.count(id) > 0)) {
      return InternalError("job " + std::to_string(id.value) + ": active set out of step");
    }
    if (job.state != JobState::kRunning || job.is_array()) continue;
    ++running;
    ++usage[job.tenant].running;
    (void)usage[job.tenant].held.Add(job.spec.Request());
    if (!job.allocation) return InternalError("running job without allocation");
    const policies::RunningAllocation* held = view_.FindAllocation(id);
    if (held == nullptr || PlacementOf(*job.allocation, view_) != held->placement) {
      return InternalError("job " + std::to_string(id.value) +
                           " does not hold its allocation in the view");
    }
  }
  if (view_.allocations().size() != running) {
    return InternalError("the view holds allocations of jobs that are not running");
  }
  SHARC_RETURN_IF_ERROR(view_.CheckInvariants());
  for (const auto& [name, node] : nodes_) {
    const policies::NodeView& view = view_.node(node.view_index);
    bool schedulable = node.record.state == NodeState::kUp && node.connection != nullptr;
    if (view.name != name || view.schedulable() != schedulable) {
      return InternalError("node " + name + ": out of step with the view");
    }
  }
  for (const auto& [tenant, expected] : usage) {
    if (UsageOf(tenant) != expected) {
      return InternalError("tenant " + tenant + ": usage out of step with its jobs");
    }
  }
  for (const auto& [tenant, tracked] : usage_) {
    if (tracked != TenantUsage{} && !usage.count(tenant)) {
      return InternalError("tenant " + tenant + ": usage without jobs");
    }
  }
  return Status::Ok();
}

}  // namespace sharc::scheduler
