// Builders for policy tests: nodes with a consistent topology, cluster views, job specs,
// pending queues and tenants.
//
//   ClusterView view = Cluster({NodeBuilder("n1").Packages(2).NumaPerPackage(1)
//                                   .CoresPerNuma(8).PusPerCore(2).MemoryGiB(64)
//                                   .Gpus(4, "H100").UsedPus({0, 1}).Build()});
//
// PUs are numbered like Linux numbers SMT siblings: with C cores in all, thread t of core c
// has OS index t * C + c, so core c is {c, C + c, 2C + c, ...} (siblings are not contiguous).
// Cores are numbered across the node: NUMA node j holds cores [j * CoresPerNuma, (j + 1) *
// CoresPerNuma); package p holds NUMA nodes [p * NumaPerPackage, (p + 1) * NumaPerPackage).
// Gpus(n, model) spreads n GPUs evenly: GPU i of them sits on NUMA node i * numa_count / n.
// What UsedPus, UsedGpus and FreeMemoryGiB take is held in the view by one allocation per node
// whose job id is kBlockerJobs + the node's index (tenant "other", priority 0, preemptible,
// ending at kBlockerEnd).
#ifndef SHARC_TESTS_POLICIES_VIEW_BUILDER_H_
#define SHARC_TESTS_POLICIES_VIEW_BUILDER_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "core/job.h"
#include "core/node.h"
#include "policies/cluster_view.h"
#include "policies/framework.h"

namespace sharc::policies::builder {

inline constexpr int64_t kGiB = int64_t{1} << 30;
inline constexpr int64_t kBlockerJobs = 1'000'000;
inline constexpr UnixMillis kBlockerEnd = 1'900'000'000'000;

// A node as the builder made it: its description and what is already taken on it.
struct BuiltNode {
  NodeDescription description;
  std::vector<int> used_pus;   // OS indices
  std::vector<int> used_gpus;  // GPU indices
  int64_t used_memory = 0;
};

class NodeBuilder {
 public:
  explicit NodeBuilder(std::string name) : name_(std::move(name)) {}

  NodeBuilder& Packages(int n) {
    packages_ = n;
    return *this;
  }
  NodeBuilder& NumaPerPackage(int n) {
    numa_per_package_ = n;
    return *this;
  }
  NodeBuilder& CoresPerNuma(int n) {
    cores_per_numa_ = n;
    return *this;
  }
  NodeBuilder& PusPerCore(int n) {
    pus_per_core_ = n;
    return *this;
  }
  NodeBuilder& MemoryGiB(int64_t gib) {
    memory_ = gib * kGiB;
    return *this;
  }
  NodeBuilder& MemoryBytes(int64_t bytes) {
    memory_ = bytes;
    return *this;
  }
  // Free memory, if less than all of it.
  NodeBuilder& FreeMemoryGiB(int64_t gib) {
    free_memory_ = gib * kGiB;
    return *this;
  }
  // `n` GPUs of `model`, spread evenly over the NUMA nodes.
  NodeBuilder& Gpus(int n, std::string model = "") {
    for (int i = 0; i < n; ++i) gpus_.push_back({model, std::nullopt, i, n});
    return *this;
  }
  // One more GPU on NUMA node `numa` (-1: unknown), in topology island `island` (-1: unknown,
  // as all GPUs of the builder are otherwise).
  NodeBuilder& Gpu(std::string model, int numa, int island = -1) {
    gpus_.push_back({std::move(model), numa, 0, 1, island});
    return *this;
  }
  NodeBuilder& Label(std::string key, std::string value) {
    labels_[std::move(key)] = std::move(value);
    return *this;
  }
  NodeBuilder& State(NodeState state) {
    state_ = state;
    return *this;
  }
  // PUs (OS indices) and GPUs (indices) already taken by running jobs.
  NodeBuilder& UsedPus(std::vector<int> os_indices) {
    used_pus_.insert(used_pus_.end(), os_indices.begin(), os_indices.end());
    return *this;
  }
  NodeBuilder& UsedGpus(std::vector<int> indices) {
    used_gpus_.insert(used_gpus_.end(), indices.begin(), indices.end());
    return *this;
  }

  BuiltNode Build() const {
    auto topology = std::make_shared<NodeTopology>();
    const int numa_count = packages_ * numa_per_package_;
    const int cores = numa_count * cores_per_numa_;
    topology->packages = packages_;
    topology->cores = cores;
    for (int t = 0; t < pus_per_core_; ++t) {
      for (int c = 0; c < cores; ++c) {
        int numa = c / cores_per_numa_;
        topology->pus.push_back({t * cores + c, c, numa, numa / numa_per_package_});
      }
    }
    for (int j = 0; j < numa_count; ++j) topology->numa_nodes.push_back({j, memory_ / numa_count});
    for (size_t i = 0; i < gpus_.size(); ++i) {
      const GpuSpec& spec = gpus_[i];
      GpuInfo gpu;
      gpu.index = static_cast<int>(i);
      gpu.name = "cuda" + std::to_string(i);
      gpu.vendor = "NVIDIA Corporation";
      gpu.model = spec.model;
      gpu.pci_bus_id = "0000:" + std::to_string(10 + i) + ":00.0";
      gpu.numa = spec.numa.has_value() ? *spec.numa : spec.slot * numa_count / spec.of;
      gpu.island = spec.island;
      topology->gpus.push_back(gpu);
    }
    topology->memory_bytes = memory_;

    BuiltNode node;
    node.description.name = name_;
    node.description.state = state_;
    node.description.labels = labels_;
    node.used_pus = used_pus_;
    node.used_gpus = used_gpus_;
    node.used_memory = memory_ - free_memory_.value_or(memory_);
    node.description.topology = std::move(topology);
    return node;
  }

 private:
  struct GpuSpec {
    std::string model;
    std::optional<int> numa;
    int slot = 0;  // spread: GPU `slot` of `of`
    int of = 1;
    int island = -1;
  };
  std::string name_;
  int packages_ = 1;
  int numa_per_package_ = 1;
  int cores_per_numa_ = 4;
  int pus_per_core_ = 1;
  int64_t memory_ = 16 * kGiB;
  std::optional<int64_t> free_memory_;
  std::vector<GpuSpec> gpus_;
  std::map<std::string, std::string> labels_;
  NodeState state_ = NodeState::kUp;
  std::vector<int> used_pus_;
  std::vector<int> used_gpus_;
};

class JobBuilder {
 public:
  JobBuilder() {
    spec_.name = "job";
    spec_.command = {"true"};
    spec_.memory_bytes = kGiB;
    spec_.time_limit_seconds = 3600;
  }
  JobBuilder& Cpus(int32_t n) {
    spec_.cpus = n;
    return *this;
  }
  JobBuilder& MemoryGiB(int64_t gib) {
    spec_.memory_bytes = gib * kGiB;
    return *this;
  }
  JobBuilder& MemoryBytes(int64_t bytes) {
    spec_.memory_bytes = bytes;
    return *this;
  }
  JobBuilder& Gpus(int32_t n, std::string model = "") {
    spec_.gpus = n;
    spec_.gpu_model = std::move(model);
    return *this;
  }
  JobBuilder& Label(std::string key, std::string value) {
    spec_.labels[std::move(key)] = std::move(value);
    return *this;
  }
  JobSpec Build() const { return spec_; }

 private:
  JobSpec spec_;
};

// One node alone, as its view with what the builder marked used taken (for tests of the
// pickers, which read a node's topology and free flags).
inline NodeView ViewOf(const BuiltNode& node);

// The nodes as a view, registered in name order like the scheduler's restored nodes, each
// with what the builder marked used taken by its blocker allocation.
inline ClusterView Cluster(std::vector<BuiltNode> nodes) {
  std::sort(nodes.begin(), nodes.end(), [](const BuiltNode& a, const BuiltNode& b) {
    return a.description.name < b.description.name;
  });
  ClusterView view;
  for (BuiltNode& node : nodes) {
    size_t index = view.UpsertNode(node.description).first;
    if (node.used_pus.empty() && node.used_gpus.empty() && node.used_memory == 0) continue;
    RunningAllocation blocker;
    blocker.job = JobId{kBlockerJobs + static_cast<int64_t>(index)};
    blocker.tenant = "other";
    blocker.expected_end = kBlockerEnd;
    blocker.placement.nodes.push_back({index, node.used_pus, node.used_gpus, node.used_memory});
    std::sort(blocker.placement.nodes[0].cpus.begin(), blocker.placement.nodes[0].cpus.end());
    std::sort(blocker.placement.nodes[0].gpus.begin(), blocker.placement.nodes[0].gpus.end());
    Status taken = view.Assume(std::move(blocker));
    if (!taken.ok()) throw std::logic_error("builder: " + taken.message());
  }
  return view;
}

inline NodeView ViewOf(const BuiltNode& node) { return Cluster({node}).node(0); }

// The priority class jobs get unless a test gives another.
inline const PriorityClass& DefaultClass() {
  static const PriorityClass kDefault{"normal", 0, true, false};
  return kDefault;
}

// Adds a running job holding `cpus` (OS indices) and `gpus` on node `node` of `view`.
struct Running {
  int64_t id = 0;
  std::string tenant = "acme";
  size_t node = 0;
  std::vector<int> cpus;
  std::vector<int> gpus;
  int64_t memory_bytes = kGiB;
  int32_t priority = 0;
  bool preemptible = true;
  UnixMillis start = 0;
  UnixMillis expected_end = 0;
  bool terminating = false;
};
inline void AddRunning(ClusterView& view, const Running& r) {
  RunningAllocation a;
  a.job = JobId{r.id};
  a.tenant = r.tenant;
  a.priority = r.priority;
  a.preemptible = r.preemptible;
  a.start = r.start;
  a.expected_end = r.expected_end;
  a.terminating = r.terminating;
  a.placement.nodes.push_back({r.node, r.cpus, r.gpus, r.memory_bytes});
  Status taken = view.Assume(std::move(a));
  if (!taken.ok()) throw std::logic_error("builder: " + taken.message());
}

// Pending jobs whose specs live as long as the queue (PendingJob::spec points into it).
class PendingQueue {
 public:
  PendingJob Add(int64_t id, JobSpec spec, UnixMillis submit_time = 0, std::string tenant = "acme",
                 const PriorityClass* priority = nullptr) {
    specs_.push_back(std::move(spec));
    tenants_.push_back(std::move(tenant));
    PendingJob job{JobId{id}, tenants_.back(), &specs_.back(), submit_time,
                   priority ? priority : &DefaultClass()};
    jobs_.push_back(job);
    return job;
  }
  const std::vector<PendingJob>& jobs() const { return jobs_; }

 private:
  std::deque<JobSpec> specs_;  // a deque never moves its elements on push_back
  std::deque<std::string> tenants_;
  std::vector<PendingJob> jobs_;
};

}  // namespace sharc::policies::builder

#endif  // SHARC_TESTS_POLICIES_VIEW_BUILDER_H_
