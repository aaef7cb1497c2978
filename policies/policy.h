// The scheduling policy interfaces. A policy is a pure function of an immutable snapshot: no
// I/O, no clocks (time is passed in), no Asio, no metrics.
//
// Scheduling is split, Kubernetes-scheduler style, into
//   QueueOrder  — who goes next (FIFO, later fair-share and priorities);
//   Placement   — where a job goes: whether a node can take it and exactly which CPUs (OS
//                 indices) and GPUs it gets there;
// and RunSchedulingCycle (cycle.h) drives them over a snapshot.
//
// A verdict tells "never fits" (no node, even empty, could ever run the job) apart from
// "not now" (it would fit once others finish), with a reason a user can read.
#ifndef SHARC_POLICIES_POLICY_H_
#define SHARC_POLICIES_POLICY_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "policies/cluster_snapshot.h"

namespace sharc::policies {

// Exactly what a job gets on a node.
struct Placement {
  size_t node_index = 0;     // into ClusterSnapshot::nodes
  std::vector<int> cpus;     // PU OS indices, sorted
  std::vector<int> gpus;     // GPU indices (GpuInfo::index), sorted
  int64_t memory_bytes = 0;
  friend bool operator==(const Placement&, const Placement&) = default;
};

enum class VerdictKind {
  kPlaced,     // `placement` is set
  kNotNow,     // could fit later; `reason` is a pending reason code (core/job.h)
  kNeverFits,  // no known node could ever run it; `message` names the limit
};

struct Decision {
  JobId job;
  VerdictKind kind = VerdictKind::kNotNow;
  std::optional<Placement> placement;
  std::string reason;   // e.g. "RESOURCES", "NO_NODES", "UNSATISFIABLE"
  std::string message;  // e.g. "no node has 3 GPUs; the largest has 2"
};

// Whether a job may start now, whatever node it would go to: the scheduler's tenant quotas
// and credit. A gate is built for one cycle from an immutable view of tenants' usage and keeps
// its own working copy, so later jobs in the cycle see what earlier ones took. Called in
// queue order, before placement.
class AdmissionGate {
 public:
  struct Hold {
    std::string reason;   // a pending reason code, e.g. "QUOTA_MAX", "INSUFFICIENT_CREDIT"
    std::string message;  // for people
  };
  virtual ~AdmissionGate() = default;
  // nullopt lets `job` be placed; a Hold keeps it pending.
  virtual std::optional<Hold> Check(const PendingJob& job) = 0;
  // `job` was placed: count what it holds.
  virtual void Admitted(const PendingJob& job) = 0;
};

class QueueOrder {
 public:
  virtual ~QueueOrder() = default;
  virtual std::string_view name() const = 0;
  // Reorders `jobs` so that the job to consider first comes first. Must be deterministic.
  virtual void Sort(std::vector<PendingJob>& jobs, const ClusterSnapshot& snapshot,
                    UnixMillis now) const = 0;
};


class PlacementPolicy {
 public:
  virtual ~PlacementPolicy() = default;
  virtual std::string_view name() const = 0;

  // Picks exactly the CPUs, GPUs and memory for `spec` on `node`, given what is free there,
  // or nullopt if it does not fit now. Only called for nodes that are UP and whose labels
  // match. Pure and const: callable for many nodes.
  virtual std::optional<Placement> PlaceOnNode(const NodeSnapshot& node, size_t node_index,
                                               const JobSpec& spec) const = 0;

  // Among the nodes where PlaceOnNode succeeded, which to take (index into `candidates`).
  // First-fit returns 0. Precondition: candidates is not empty.
  virtual size_t Choose(const ClusterSnapshot& snapshot,
                        const std::vector<Placement>& candidates) const = 0;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_POLICY_H_
