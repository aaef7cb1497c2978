// The immutable view of the cluster that scheduling policies read. Built by the scheduler once
// per cycle; policies never see live state, clocks or I/O.
#ifndef SHARC_POLICIES_CLUSTER_SNAPSHOT_H_
#define SHARC_POLICIES_CLUSTER_SNAPSHOT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/job.h"
#include "core/node.h"

namespace sharc::policies {

struct NodeSnapshot {
  std::string name;
  NodeState state = NodeState::kUp;
  std::shared_ptr<const NodeTopology> topology;  // never null
  std::map<std::string, std::string> labels;
  bool binding_simulated = false;
  // Free PUs and GPUs, indexed like topology->pus and topology->gpus (positions, not OS
  // indices). Sizes equal topology->pus.size() and topology->gpus.size().
  std::vector<bool> pu_free;
  std::vector<bool> gpu_free;
  int64_t memory_free = 0;
};

struct ClusterSnapshot {
  std::vector<NodeSnapshot> nodes;  // every known node, any state, sorted by name
};

// A job waiting to be placed. `spec` points into scheduler state that outlives the cycle.
struct PendingJob {
  JobId id;
  std::string tenant;
  const JobSpec* spec = nullptr;
  UnixMillis submit_time = 0;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_CLUSTER_SNAPSHOT_H_
