// The scheduling framework: small extension-point interfaces that plugins implement, in the
// shape of the Kubernetes scheduling framework, run by the scheduling cycle
// (scheduling_cycle.h) for each pending job in turn:
//
//   QueueSort   orders the cycle's pending jobs (one per profile);
//   PreFilter   may hold a job before any node is looked at (quotas, credit);
//   Filter      says whether one node can take the job (labels, resources, reservations); the
//               nodes visited come from the free-capacity index in the profile's order;
//   Score       ranks the nodes that passed, 0-100, weighted by the profile;
//   Permit      may still reject the chosen placement (the hook multi-node gangs use);
//   Reserve     counts the placement in the plugin's cycle data; Unreserve undoes it and must be
//               idempotent;
//   PostFilter  runs when the job could not be placed: preemption (priority, guarantee
//               reclaim) or a backfill reservation.
//
// A plugin implements the subset it needs; its capabilities are found once, when the profile is
// built. A plugin instance belongs to one profile and cycles run one at a time on one thread:
// BeginCycle resets the plugin's cycle data. Filter and Score are const. Plugins do no I/O and
// read no clock: the cycle's time is CycleContext::now.
//
// A verdict (PluginStatus) names the plugin and gives a pending reason code (core/job.h) and a
// message a person can act on. kUnschedulable means "not now" (it may fit once others end);
// kUnresolvable means "never" (on this node, for a Filter; anywhere, for a PreFilter).
#ifndef SHARC_POLICIES_FRAMEWORK_H_
#define SHARC_POLICIES_FRAMEWORK_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/job.h"
#include "policies/cluster_view.h"
#include "policies/placement.h"
#include "policies/tenants_view.h"

namespace sharc::policies {

// A job waiting to be placed. `tenant`, `spec` and `priority_class` point into state that
// outlives the cycle.
struct PendingJob {
  JobId id;
  std::string_view tenant;
  const JobSpec* spec = nullptr;
  UnixMillis submit_time = 0;
  const PriorityClass* priority_class = nullptr;  // never null

  int32_t priority() const { return priority_class->value; }
};

enum class PluginCode { kSuccess, kUnschedulable, kUnresolvable };

struct PluginStatus {
  PluginCode code = PluginCode::kSuccess;
  std::string_view plugin;  // the plugin's Name()
  std::string_view reason;  // pending reason code, e.g. "QUOTA_MAX"
  std::string message;
  // A PreFilter hold that preemption could resolve (the tenant is owed capacity that others
  // borrow): PostFilter plugins run for it as for a job no node could take.
  bool preemption_may_help = false;

  bool ok() const { return code == PluginCode::kSuccess; }
  static PluginStatus Success() { return {}; }
  static PluginStatus Unschedulable(std::string_view plugin, std::string_view reason,
                                    std::string message = "") {
    return {PluginCode::kUnschedulable, plugin, reason, std::move(message), false};
  }
  static PluginStatus Unresolvable(std::string_view plugin, std::string_view reason,
                                   std::string message = "") {
    return {PluginCode::kUnresolvable, plugin, reason, std::move(message), false};
  }
};

// A backfill reservation: the earliest time a blocked job can start, and where.
struct Reservation {
  JobId job;
  int32_t priority = 0;  // the job's priority class value: a higher job may ignore it
  UnixMillis start = 0;
  UnixMillis end = 0;   // start + the job's time limit
  Placement placement;  // the exact CPUs, GPUs and memory it will get
  // Made by preemption: the room its victims free, held for the job (a nominated node). Unlike
  // a backfill reservation it outlives full cycles until the job's own turn in one, so that a
  // job of the same priority ahead in the queue cannot take the room and make the preemption
  // be for nothing (and be repeated).
  bool for_preemption = false;
  friend bool operator==(const Reservation&, const Reservation&) = default;
};

// A running job to stop so that a pending one can start.
struct Preemption {
  JobId victim;
  JobId for_job;
  std::string_view plugin;  // which PostFilter chose it
  std::string reason;       // e.g. "PRIORITY": why, in one word
  std::string message;      // for people: who it makes room for and why
};

// What the cycle has decided so far besides placements: the jobs being stopped and the
// reservations: backfill's, and the room a job waits for while its victims stop (reserved from
// now, so that no lower job takes it back and no other preemption counts on it).
struct CycleWork {
  std::vector<Preemption> preemptions;
  std::vector<Reservation> reservations;  // in the order they were made
  // Jobs chosen as victims in this cycle (not yet terminating in the view).
  std::vector<JobId> victims;
  bool IsVictim(JobId job) const;
  // Jobs placed in this cycle (assumed on the view): never victims.
  std::unordered_set<JobId> placed;
  bool IsPlaced(JobId job) const;
};

// What a plugin may read during a cycle.
struct CycleContext {
  const ClusterView& cluster;
  const TenantsView& tenants;
  UnixMillis now = 0;
  // Reservations made in earlier cycles (an incremental cycle keeps them), then this cycle's.
  const CycleWork& work;
  // True for a cycle that considers every pending job and recomputes reservations.
  bool full = true;
};

// What Filter plugins may narrow on a node they pass: resources the job must not take there
// (a later reservation's), which the exact placement honours.
struct NodeFit {
  std::vector<bool> excluded_pus;   // by PU position; empty = none
  std::vector<bool> excluded_gpus;  // by GPU position; empty = none
  int64_t memory_kept = 0;          // memory that must stay free
};

class Plugin {
 public:
  virtual ~Plugin() = default;
  virtual std::string_view Name() const = 0;
  // Called once at the start of every cycle, before anything else.
  virtual void BeginCycle(const CycleContext& /*context*/) {}
};

class QueueSortPlugin : public virtual Plugin {
 public:
  // Puts the first `limit` jobs to consider, in order, first in `jobs` (and the rest after them
  // in no particular order); every job when limit >= jobs.size(). A deterministic permutation.
  virtual void Sort(std::vector<PendingJob>& jobs, size_t limit,
                    const CycleContext& context) const = 0;
};

class PreFilterPlugin : public virtual Plugin {
 public:
  virtual PluginStatus PreFilter(const PendingJob& job, const CycleContext& context) = 0;
};

class FilterPlugin : public virtual Plugin {
 public:
  // Whether `node` (schedulable, with at least the job's free PU and GPU counts) can take the
  // job now. May narrow `fit`.
  virtual PluginStatus Filter(const PendingJob& job, const NodeView& node, NodeFit& fit,
                              const CycleContext& context) const = 0;
};

class ScorePlugin : public virtual Plugin {
 public:
  // 0 (worst) to 100 (best) for placing the job on `node`.
  virtual int64_t Score(const PendingJob& job, const NodeView& node,
                        const CycleContext& context) const = 0;
};

class PermitPlugin : public virtual Plugin {
 public:
  // Success to go ahead; otherwise the placement is undone and the job waits with this status.
  virtual PluginStatus Permit(const PendingJob& job, const Placement& placement,
                              const CycleContext& context) = 0;
};

class ReservePlugin : public virtual Plugin {
 public:
  virtual void Reserve(const PendingJob& job, const Placement& placement,
                       const CycleContext& context) = 0;
  // Undoes Reserve. Idempotent.
  virtual void Unreserve(const PendingJob& job, const Placement& placement,
                         const CycleContext& context) = 0;
};

// What a PostFilter did for a job that could not be placed.
struct PostFilterResult {
  bool handled = false;                    // false: the next PostFilter plugin is asked
  std::vector<Preemption> preemptions;     // victims chosen now (maybe none: room booked)
  std::optional<Reservation> reservation;  // backfill's, or the room preemption frees
  PluginStatus status;                     // the job's pending reason from now on
};

class PostFilterPlugin : public virtual Plugin {
 public:
  // `failure` is why the job could not be placed. Reads the cycle's work (earlier victims and
  // reservations) through the context.
  virtual PostFilterResult PostFilter(const PendingJob& job, const PluginStatus& failure,
                                      const CycleContext& context) = 0;
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_FRAMEWORK_H_
