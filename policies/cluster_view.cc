#include "policies/cluster_view.h"

#include <algorithm>
#include <cassert>

namespace sharc::policies {
namespace {

std::string Lower(std::string text) {
  for (char& c : text) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return text;
}

FreeIndex::PoolKey PoolKeyOf(const NodeView& node) {
  FreeIndex::PoolKey key{node.labels, {}};
  for (const GpuInfo& gpu : node.topology->gpus) key.gpu_models.push_back(Lower(gpu.model));
  std::sort(key.gpu_models.begin(), key.gpu_models.end());
  key.gpu_models.erase(std::unique(key.gpu_models.begin(), key.gpu_models.end()),
                       key.gpu_models.end());
  return key;
}

std::string NodePrefix(const NodeView& node) { return "node " + node.name + ": "; }

// Adds `delta` to the free count of PU position `pos`'s NUMA node.
void CountNuma(NodeView& node, size_t pos, int delta) {
  int numa = node.topology->pus[pos].numa;
  for (auto& [id, free] : node.free_pus_by_numa) {
    if (id == numa) {
      free += delta;
      return;
    }
  }
}

void ResetFree(NodeView& node) {
  const NodeTopology& t = *node.topology;
  node.pu_free.assign(t.pus.size(), true);
  node.gpu_free.assign(t.gpus.size(), true);
  node.free_pus = static_cast<int>(t.pus.size());
  node.free_gpus = static_cast<int>(t.gpus.size());
  node.memory_free = t.memory_bytes;
  std::map<int, int> per_numa;
  for (const PuInfo& pu : t.pus) ++per_numa[pu.numa];
  node.free_pus_by_numa.assign(per_numa.begin(), per_numa.end());
}

}  // namespace

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

Resources RunningAllocation::Held() const {
  int64_t pus = 0, gpus = 0, memory = 0;
  for (const NodePlacement& part : placement.nodes) {
    pus += static_cast<int64_t>(part.cpus.size());
    gpus += static_cast<int64_t>(part.gpus.size());
    memory += part.memory_bytes;
  }
  Resources held;
  held.Set(kCpuResource, pus * kMilliCpusPerCpu);
  held.Set(kMemoryResource, memory);
  held.Set(kGpuResource, gpus);
  if (!gpu_model.empty() && gpus > 0) held.Set(GpuModelResource(gpu_model), gpus);
  return held;
}

std::string ClusterView::ShapeKey(const NodeView& node) {
  const NodeTopology& t = *node.topology;
  std::string key = std::to_string(t.pus.size()) + "/" + std::to_string(t.memory_bytes) + "/";
  for (const GpuInfo& gpu : t.gpus) key += Lower(gpu.model) + ",";
  for (const auto& [k, v] : node.labels) key += "|" + k + "=" + v;
  return key;
}

void ClusterView::CountSchedulable(const NodeView& node, int64_t delta) {
  if (!node.schedulable()) return;
  shapes_[shape_key_[*FindNode(node.name)]].schedulable += delta;
  Resources capacity = node.topology->Capacity();
  if (delta > 0) {
    (void)schedulable_capacity_.Add(capacity);
  } else {
    schedulable_capacity_.Subtract(capacity);
  }
}

void ClusterView::JoinShape(size_t index) {
  shape_key_[index] = ShapeKey(nodes_[index]);
  Shape& shape = shapes_[shape_key_[index]];
  if (shape.nodes == 0) shape.representative = index;
  ++shape.nodes;
}

void ClusterView::LeaveShape(size_t index) {
  const std::string& key = shape_key_[index];
  Shape& shape = shapes_[key];
  --shape.nodes;
  if (shape.nodes == 0 || shape.representative != index) return;
  // The representative left this shape (its hardware or labels changed): any other node will
  // do. Rare: only a re-registration with different hardware or labels gets here.
  for (size_t i = 0; i < nodes_.size(); ++i) {
    if (i != index && shape_key_[i] == key) {
      shape.representative = i;
      return;
    }
  }
}

void ClusterView::Reindex(size_t index) {
  const NodeView& node = nodes_[index];
  index_.Update(index, node.schedulable(), node.free_pus, node.free_gpus);
}

std::optional<size_t> ClusterView::FindNode(std::string_view name) const {
  auto it = by_name_.find(std::string(name));
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

bool ClusterView::PartFits(const NodeView& node, const NodePlacement& part) const {
  for (int cpu : part.cpus) {
    int pos = PuPosition(*node.topology, cpu);
    if (pos < 0 || !node.pu_free[pos]) return false;
  }
  for (int gpu : part.gpus) {
    int pos = GpuPosition(*node.topology, gpu);
    if (pos < 0 || !node.gpu_free[pos]) return false;
  }
  return node.memory_free >= part.memory_bytes;
}

void ClusterView::Take(NodeView& node, const NodePlacement& part) {
  for (int cpu : part.cpus) {
    int pos = PuPosition(*node.topology, cpu);
    if (pos >= 0 && node.pu_free[pos]) {
      node.pu_free[pos] = false;
      --node.free_pus;
      CountNuma(node, pos, -1);
    }
  }
  for (int gpu : part.gpus) {
    int pos = GpuPosition(*node.topology, gpu);
    if (pos >= 0 && node.gpu_free[pos]) node.gpu_free[pos] = false, --node.free_gpus;
  }
  node.memory_free -= part.memory_bytes;
}

void ClusterView::Give(NodeView& node, const NodePlacement& part) {
  for (int cpu : part.cpus) {
    int pos = PuPosition(*node.topology, cpu);
    if (pos >= 0 && !node.pu_free[pos]) {
      node.pu_free[pos] = true;
      ++node.free_pus;
      CountNuma(node, pos, +1);
    }
  }
  for (int gpu : part.gpus) {
    int pos = GpuPosition(*node.topology, gpu);
    if (pos >= 0 && !node.gpu_free[pos]) node.gpu_free[pos] = true, ++node.free_gpus;
  }
  node.memory_free += part.memory_bytes;
}

std::pair<size_t, bool> ClusterView::UpsertNode(NodeDescription description) {
  assert(description.topology != nullptr);
  auto [it, added] = by_name_.try_emplace(description.name, nodes_.size());
  size_t index = it->second;
  if (added) {
    nodes_.emplace_back();
    shape_key_.emplace_back();
  } else {
    CountSchedulable(nodes_[index], -1);
    LeaveShape(index);
  }
  NodeView& node = nodes_[index];
  node.index = index;
  node.name = std::move(description.name);
  node.state = description.state;
  node.connected = description.connected;
  node.topology = std::move(description.topology);
  node.labels = std::move(description.labels);
  node.binding_simulated = description.binding_simulated;
  ResetFree(node);
  // The allocations on it, applied again to the new hardware.
  bool fits = true;
  for (JobId job : node.jobs) {
    for (const NodePlacement& part : allocations_.at(job).placement.nodes) {
      if (part.node_index != index) continue;
      if (!PartFits(node, part)) fits = false;
      Take(node, part);
    }
  }
  JoinShape(index);
  CountSchedulable(node, +1);
  index_.SetPool(index, PoolKeyOf(node), static_cast<int>(node.topology->gpus.size()));
  Reindex(index);
  return {index, fits};
}

void ClusterView::SetNodeStatus(size_t index, NodeState state, bool connected) {
  NodeView& node = nodes_[index];
  if (node.state == state && node.connected == connected) return;
  CountSchedulable(node, -1);
  node.state = state;
  node.connected = connected;
  CountSchedulable(node, +1);
  Reindex(index);
}

Status ClusterView::Assume(RunningAllocation allocation) {
  if (allocations_.count(allocation.job)) {
    return FailedPreconditionError("job " + std::to_string(allocation.job.value) +
                                   " already holds resources");
  }
  for (const NodePlacement& part : allocation.placement.nodes) {
    if (part.node_index >= nodes_.size()) return FailedPreconditionError("unknown node index");
    const NodeView& node = nodes_[part.node_index];
    for (int cpu : part.cpus) {
      int pos = PuPosition(*node.topology, cpu);
      if (pos < 0 || !node.pu_free[pos]) {
        return FailedPreconditionError("CPU " + std::to_string(cpu) + " of node " + node.name +
                                       " is not free");
      }
    }
    for (int gpu : part.gpus) {
      int pos = GpuPosition(*node.topology, gpu);
      if (pos < 0 || !node.gpu_free[pos]) {
        return FailedPreconditionError("GPU " + std::to_string(gpu) + " of node " + node.name +
                                       " is not free");
      }
    }
    if (node.memory_free < part.memory_bytes) {
      return FailedPreconditionError("node " + node.name + " has too little memory free");
    }
  }
  for (const NodePlacement& part : allocation.placement.nodes) {
    NodeView& node = nodes_[part.node_index];
    Take(node, part);
    auto pos = std::lower_bound(node.jobs.begin(), node.jobs.end(), allocation.job);
    if (pos == node.jobs.end() || *pos != allocation.job) node.jobs.insert(pos, allocation.job);
    Reindex(part.node_index);
  }
  JobId id = allocation.job;
  CountPreemptible(allocation, +1);
  allocations_.emplace(id, std::move(allocation));
  return Status::Ok();
}

void ClusterView::CountPreemptible(const RunningAllocation& a, int delta) {
  if (!a.preemptible || a.terminating) return;
  auto [it, added] = preemptible_.try_emplace(a.priority, 0);
  it->second += delta;
  if (it->second == 0) preemptible_.erase(it);
}

void ClusterView::Forget(JobId job) {
  auto it = allocations_.find(job);
  if (it == allocations_.end()) return;
  for (const NodePlacement& part : it->second.placement.nodes) {
    NodeView& node = nodes_[part.node_index];
    Give(node, part);
    auto pos = std::lower_bound(node.jobs.begin(), node.jobs.end(), job);
    if (pos != node.jobs.end() && *pos == job) node.jobs.erase(pos);
    Reindex(part.node_index);
  }
  CountPreemptible(it->second, -1);
  allocations_.erase(it);
}

void ClusterView::SetTerminating(JobId job, bool terminating) {
  auto it = allocations_.find(job);
  if (it == allocations_.end() || it->second.terminating == terminating) return;
  CountPreemptible(it->second, -1);
  it->second.terminating = terminating;
  CountPreemptible(it->second, +1);
}

const RunningAllocation* ClusterView::FindAllocation(JobId job) const {
  auto it = allocations_.find(job);
  return it == allocations_.end() ? nullptr : &it->second;
}

Status ClusterView::CheckInvariants() const {
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const NodeView& node = nodes_[i];
    std::vector<bool> pus(node.topology->pus.size(), true), gpus(node.topology->gpus.size(), true);
    int64_t memory = node.topology->memory_bytes;
    std::vector<JobId> listed;
    for (const auto& [id, allocation] : allocations_) {
      for (const NodePlacement& part : allocation.placement.nodes) {
        if (part.node_index != i) continue;
        listed.push_back(id);
        for (int cpu : part.cpus) {
          int pos = PuPosition(*node.topology, cpu);
          if (pos >= 0 && !pus[pos]) return InternalError(NodePrefix(node) + "CPU double-booked");
          if (pos >= 0) pus[pos] = false;
        }
        for (int gpu : part.gpus) {
          int pos = GpuPosition(*node.topology, gpu);
          if (pos >= 0 && !gpus[pos]) return InternalError(NodePrefix(node) + "GPU double-booked");
          if (pos >= 0) gpus[pos] = false;
        }
        memory -= part.memory_bytes;
      }
    }
    std::sort(listed.begin(), listed.end());
    listed.erase(std::unique(listed.begin(), listed.end()), listed.end());
    if (listed != node.jobs) return InternalError(NodePrefix(node) + "job list out of step");
    if (pus != node.pu_free || gpus != node.gpu_free || memory != node.memory_free) {
      return InternalError(NodePrefix(node) + "free resources differ from its allocations");
    }
    if (node.free_pus != std::count(pus.begin(), pus.end(), true) ||
        node.free_gpus != std::count(gpus.begin(), gpus.end(), true)) {
      return InternalError(NodePrefix(node) + "free counts out of step");
    }
    std::map<int, int> per_numa;
    for (size_t p = 0; p < pus.size(); ++p) per_numa[node.topology->pus[p].numa] += pus[p];
    if (std::vector<std::pair<int, int>>(per_numa.begin(), per_numa.end()) !=
        node.free_pus_by_numa) {
      return InternalError(NodePrefix(node) + "free PUs per NUMA node out of step");
    }
    if (node.memory_free < 0) return InternalError(NodePrefix(node) + "memory over-allocated");
  }
  std::map<int32_t, int64_t> preemptible;
  for (const auto& [id, a] : allocations_) {
    if (a.preemptible && !a.terminating) ++preemptible[a.priority];
  }
  if (preemptible != preemptible_) return InternalError("preemptible counts out of step");
  size_t schedulable = std::count_if(nodes_.begin(), nodes_.end(),
                                     [](const NodeView& n) { return n.schedulable(); });
  if (index_.size() != schedulable) return InternalError("free index out of step with the nodes");
  return Status::Ok();
}

}  // namespace sharc::policies
