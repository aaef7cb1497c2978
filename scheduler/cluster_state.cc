#include "scheduler/cluster_state.h"

#include <algorithm>

namespace sharc::scheduler {

int PuPosition(const NodeTopology& topology, int os_index) {
  auto it = std::lower_bound(topology.pus.begin(), topology.pus.end(), os_index,
                             [](const PuInfo& pu, int os) { return pu.os_index < os; });
  if (it == topology.pus.end() || it->os_index != os_index) return -1;
  return static_cast<int>(it - topology.pus.begin());
}

int GpuPosition(const NodeTopology& topology, int index) {
  auto it = std::lower_bound(topology.gpus.begin(), topology.gpus.end(), index,
                             [](const GpuInfo& gpu, int i) { return gpu.index < i; });
  if (it == topology.gpus.end() || it->index != index) return -1;
  return static_cast<int>(it - topology.gpus.begin());
}

Allocation AllocationOf(const policies::Placement& placement,
                        const policies::ClusterSnapshot& snapshot) {
  const policies::NodeSnapshot& node = snapshot.nodes[placement.node_index];
  return Allocation{{NodeAllocation{node.name, placement.cpus, placement.gpus,
                                    placement.memory_bytes, node.binding_simulated}}};
}

namespace {

// The positions in `node`'s usage vectors of `part`'s PUs and GPUs, if all are free there.
struct PartPositions {
  std::vector<int> pus;
  std::vector<int> gpus;
};

StatusOr<PartPositions> FreePositions(const NodeEntry& node, const NodeAllocation& part) {
  PartPositions positions;
  for (int cpu : part.cpus) {
    int pos = PuPosition(*node.topology, cpu);
    if (pos < 0 || node.pu_used[pos]) {
      return FailedPreconditionError("CPU " + std::to_string(cpu) + " of node " + part.node +
                                     " is not free");
    }
    positions.pus.push_back(pos);
  }
  for (int gpu : part.gpus) {
    int pos = GpuPosition(*node.topology, gpu);
    if (pos < 0 || node.gpu_used[pos]) {
      return FailedPreconditionError("GPU " + std::to_string(gpu) + " of node " + part.node +
                                     " is not free");
    }
    positions.gpus.push_back(pos);
  }
  return positions;
}

}  // namespace

Resources NodeEntry::Allocated() const {
  Resources r;
  int64_t pus = std::count(pu_used.begin(), pu_used.end(), true);
  r.Set(kCpuResource, pus * kMilliCpusPerCpu);
  r.Set(kMemoryResource, memory_used);
  r.Set(kGpuResource, std::count(gpu_used.begin(), gpu_used.end(), true));
  return r;
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
  if (job.state == JobState::kPending) ++usage_[job.tenant].pending;
  if (job.state == JobState::kRunning) ++usage_[job.tenant].running;
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
  if (job.state == JobState::kRunning) --usage.running;
  job.state = state;
  if (state == JobState::kPending) pending_.insert(job.id), ++usage.pending;
  if (state == JobState::kRunning) ++usage.running;
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
  node.pu_used.assign(node.topology->pus.size(), false);
  node.gpu_used.assign(node.topology->gpus.size(), false);
  node.memory_used = 0;
  bool fits = true;
  for (JobId id : node.jobs) {
    const Job* job = FindJob(id);
    const NodeAllocation* part = job && job->allocation ? job->allocation->Find(name) : nullptr;
    if (!part) continue;
    for (int cpu : part->cpus) {
      int pos = PuPosition(*node.topology, cpu);
      if (pos < 0) fits = false;
      if (pos >= 0) node.pu_used[pos] = true;
    }
    for (int gpu : part->gpus) {
      int pos = GpuPosition(*node.topology, gpu);
      if (pos < 0) fits = false;
      if (pos >= 0) node.gpu_used[pos] = true;
    }
    node.memory_used += part->memory_bytes;
  }
  return {&node, fits};
}

Status ClusterState::Allocate(const Job& job) {
  assert(job.allocation.has_value());
  const Allocation& alloc = *job.allocation;
  SHARC_RETURN_IF_ERROR(ValidateAllocation(alloc, "allocation"));  // one part per node
  // Every part is checked before any is marked: all of the job's parts or none.
  std::vector<std::pair<NodeEntry*, PartPositions>> marks;
  for (const NodeAllocation& part : alloc.nodes) {
    NodeEntry* node = FindNode(part.node);
    if (!node) return FailedPreconditionError("unknown node " + part.node);
    SHARC_ASSIGN_OR_RETURN(PartPositions positions, FreePositions(*node, part));
    marks.emplace_back(node, std::move(positions));
  }
  for (size_t i = 0; i < marks.size(); ++i) {
    auto& [node, positions] = marks[i];
    for (int pos : positions.pus) node->pu_used[pos] = true;
    for (int pos : positions.gpus) node->gpu_used[pos] = true;
    node->memory_used += alloc.nodes[i].memory_bytes;
    node->jobs.insert(job.id);
  }
  (void)usage_[job.tenant].held.Add(job.spec.Request());  // bounded by node sizes: no overflow
  return Status::Ok();
}

void ClusterState::Release(const Job& job) {
  if (!job.allocation) return;
  bool held = false;
  for (const NodeAllocation& part : job.allocation->nodes) {
    NodeEntry* node = FindNode(part.node);
    if (!node || !node->jobs.erase(job.id)) continue;
    held = true;
    for (int cpu : part.cpus) {
      int pos = PuPosition(*node->topology, cpu);
      if (pos >= 0) node->pu_used[pos] = false;
    }
    for (int gpu : part.gpus) {
      int pos = GpuPosition(*node->topology, gpu);
      if (pos >= 0) node->gpu_used[pos] = false;
    }
    node->memory_used -= part.memory_bytes;
  }
  if (held) usage_[job.tenant].held.Subtract(job.spec.Request());
}

policies::ClusterSnapshot ClusterState::Snapshot() const {
  policies::ClusterSnapshot snapshot;
  snapshot.nodes.reserve(nodes_.size());
  for (const auto& [name, node] : nodes_) {
    policies::NodeSnapshot view;
    view.name = name;
    view.state = node.record.state;
    view.topology = node.topology;
    view.labels = node.record.inventory.labels;
    view.binding_simulated = node.record.inventory.binding_simulated;
    view.pu_free.resize(node.pu_used.size());
    for (size_t i = 0; i < node.pu_used.size(); ++i) view.pu_free[i] = !node.pu_used[i];
    view.gpu_free.resize(node.gpu_used.size());
    for (size_t i = 0; i < node.gpu_used.size(); ++i) view.gpu_free[i] = !node.gpu_used[i];
    view.memory_free = node.topology->memory_bytes - node.memory_used;
    snapshot.nodes.push_back(std::move(view));
  }
  return snapshot;
}

Status ClusterState::CheckInvariants() const {
  std::map<std::string, TenantUsage> usage;
  for (const auto& [id, job] : jobs_) {
    if (job.state == JobState::kPending) ++usage[job.tenant].pending;
    if (job.state == JobState::kRunning) {
      ++usage[job.tenant].running;
      (void)usage[job.tenant].held.Add(job.spec.Request());
    }
    if ((job.state == JobState::kPending) != (pending_.count(id) > 0)) {
      return InternalError("job " + std::to_string(id.value) + ": pending set out of step");
    }
    if (job.state == JobState::kRunning) {
      if (!job.allocation) return InternalError("running job without allocation");
      for (const NodeAllocation& part : job.allocation->nodes) {
        const NodeEntry* node = FindNode(part.node);
        if (!node || !node->jobs.count(id)) {
          return InternalError("job " + std::to_string(id.value) + " missing from node " +
                               part.node);
        }
      }
    }
  }
  for (const auto& [name, node] : nodes_) {
    std::vector<bool> pus(node.pu_used.size()), gpus(node.gpu_used.size());
    int64_t memory = 0;
    for (JobId id : node.jobs) {
      const Job* job = FindJob(id);
      const NodeAllocation* part = job && job->state == JobState::kRunning && job->allocation
                                       ? job->allocation->Find(name)
                                       : nullptr;
      if (!part) {
        return InternalError("node " + name + " lists job " + std::to_string(id.value) +
                             " that does not run there");
      }
      for (int cpu : part->cpus) {
        int pos = PuPosition(*node.topology, cpu);
        if (pos < 0 || pus[pos]) return InternalError("node " + name + ": CPU double-booked");
        pus[pos] = true;
      }
      for (int gpu : part->gpus) {
        int pos = GpuPosition(*node.topology, gpu);
        if (pos < 0 || gpus[pos]) return InternalError("node " + name + ": GPU double-booked");
        gpus[pos] = true;
      }
      memory += part->memory_bytes;
    }
    if (pus != node.pu_used || gpus != node.gpu_used || memory != node.memory_used) {
      return InternalError("node " + name + ": usage differs from its jobs' allocations");
    }
    if (memory > node.topology->memory_bytes) {
      return InternalError("node " + name + ": memory over-allocated");
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
