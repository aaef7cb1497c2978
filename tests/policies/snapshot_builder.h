// Builders for policy tests: nodes with a consistent topology, job specs, pending queues.
//
//   NodeSnapshot n = NodeBuilder("n1").Packages(2).NumaPerPackage(1).CoresPerNuma(8)
//                        .PusPerCore(2).MemoryGiB(64).Gpus(4, "H100").Build();
//
// PUs are numbered like Linux numbers SMT siblings: with C cores in all, thread t of core c
// has OS index t * C + c, so core c is {c, C + c, 2C + c, ...} (siblings are not contiguous).
// Cores are numbered across the node: NUMA node j holds cores [j * CoresPerNuma, (j + 1) *
// CoresPerNuma); package p holds NUMA nodes [p * NumaPerPackage, (p + 1) * NumaPerPackage).
// Gpus(n, model) spreads n GPUs evenly: GPU i of them sits on NUMA node i * numa_count / n.
#ifndef SHARC_TESTS_POLICIES_SNAPSHOT_BUILDER_H_
#define SHARC_TESTS_POLICIES_SNAPSHOT_BUILDER_H_

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/job.h"
#include "core/node.h"
#include "policies/cluster_snapshot.h"

namespace sharc::policies::builder {

inline constexpr int64_t kGiB = int64_t{1} << 30;

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
  // One more GPU on NUMA node `numa` (-1: unknown).
  NodeBuilder& Gpu(std::string model, int numa) {
    gpus_.push_back({std::move(model), numa, 0, 1});
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

  NodeSnapshot Build() const {
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
      topology->gpus.push_back(gpu);
    }
    topology->memory_bytes = memory_;

    NodeSnapshot node;
    node.name = name_;
    node.state = state_;
    node.labels = labels_;
    node.pu_free.assign(topology->pus.size(), true);
    node.gpu_free.assign(topology->gpus.size(), true);
    for (int os : used_pus_) {
      for (size_t i = 0; i < topology->pus.size(); ++i) {
        if (topology->pus[i].os_index == os) node.pu_free[i] = false;
      }
    }
    for (int index : used_gpus_) node.gpu_free.at(static_cast<size_t>(index)) = false;
    node.memory_free = free_memory_.value_or(memory_);
    node.topology = std::move(topology);
    return node;
  }

 private:
  struct GpuSpec {
    std::string model;
    std::optional<int> numa;
    int slot = 0;  // spread: GPU `slot` of `of`
    int of = 1;
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

// The nodes as a snapshot, sorted by name like the scheduler's.
inline ClusterSnapshot Cluster(std::vector<NodeSnapshot> nodes) {
  std::sort(nodes.begin(), nodes.end(),
            [](const NodeSnapshot& a, const NodeSnapshot& b) { return a.name < b.name; });
  return ClusterSnapshot{std::move(nodes)};
}

// Pending jobs whose specs live as long as the queue (PendingJob::spec points into it).
class PendingQueue {
 public:
  PendingJob Add(int64_t id, JobSpec spec, UnixMillis submit_time = 0,
                 std::string tenant = "acme") {
    specs_.push_back(std::move(spec));
    PendingJob job{JobId{id}, std::move(tenant), &specs_.back(), submit_time};
    jobs_.push_back(job);
    return job;
  }
  const std::vector<PendingJob>& jobs() const { return jobs_; }

 private:
  std::deque<JobSpec> specs_;  // a deque never moves its elements on push_back
  std::vector<PendingJob> jobs_;
};

}  // namespace sharc::policies::builder

#endif  // SHARC_TESTS_POLICIES_SNAPSHOT_BUILDER_H_
