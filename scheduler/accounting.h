// Accounting: a record per ended attempt (granted time from placement to release, what the node
// measured, energy), tenant totals, tenants' decayed fair-share usage, the nodes' energy by
// minute, facility meter readings, and the efficiency report built from them.
//
// Everything here lives on the state thread, except the report's read of the stored records,
// which runs in the background (a report over a year must not stall scheduling): the state
// thread takes what it alone knows (open energy minutes, running attempts, readings), the
// background reads and computes, and the answer is delivered on the state thread.
//
// Fair-share usage (policies/usage_tracker.h) accrues while jobs hold resources, each at the
// dominant share it held when granted; it is saved with every attempt record and every minute,
// so a restart loses at most the last minute's accrual.
#ifndef SHARC_SCHEDULER_ACCOUNTING_H_
#define SHARC_SCHEDULER_ACCOUNTING_H_

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/accounting.h"
#include "metrics/cluster_collector.h"
#include "policies/usage_tracker.h"
#include "protocol/agent_messages.h"
#include "scheduler/efficiency_report.h"
#include "scheduler/node_energy_tracker.h"
#include "scheduler/scheduler_context.h"

namespace sharc::scheduler {

class Accounting {
 public:
  explicit Accounting(const SchedulerContext& context);

  void Restore(store::StoredState& stored);

  // `job` was just granted its allocation (scheduler clock `now`): granted time and fair-share
  // usage run from here.
  void Granted(const Job& job, UnixMillis now);
  // `job` was granted before a restart at its start time (or now when unknown).
  void Regranted(const Job& job, UnixMillis since);
  // Records the attempt of `job` that ended (`ended_as`: its terminal state, or "REQUEUED"),
  // with what the agent measured when it reported the exit. Nothing for a job that holds no
  // grant.
  void RecordAttempt(const Job& job, std::string_view ended_as,
                     const protocol::AttemptReport* exited, std::vector<store::Mutation>* batch);

  // Decayed usage of `tenant` (its own jobs) as of `now`.
  double UsageOf(const std::string& tenant, UnixMillis now) const;
  // The node's last sample, if it sent one since it registered.
  const protocol::NodeSample* LastSample(const std::string& node) const {
    return energy_.LastSample(node);
  }

  void OnNodeSample(const NodeEntry& node, const protocol::NodeSample& sample);
  // The node registered again: its next sample is a fresh baseline.
  void NodeRestarted(const std::string& node) { energy_.Restart(node); }
  // Every minute or so: stores energy buckets of nodes that went silent and tenants' usage.
  void Tick();

  void AddFacilityReading(FacilityReading reading,
                          std::function<void(StatusOr<FacilityReading>)> done);
  const std::vector<FacilityReading>& FacilityReadings() const;
  // The report for [from, to) from the stored records, the energy of the current minutes and
  // the attempts running now.
  void Efficiency(UnixMillis from, UnixMillis to,
                  std::function<void(StatusOr<EfficiencyReport>)> done) const;

  // Cumulative totals (ended attempts, plus running ones up to now), for /metrics.
  void AddToMetrics(metrics::ClusterMetricsSnapshot& snapshot) const;

 private:
  void StoreEnergyBuckets(std::vector<NodeEnergyBucket> closed);

  const SchedulerContext& context_;
  std::map<std::string, AccountingTotals> tenant_totals_;
  // When each RUNNING job's current allocation was granted (scheduler clock) and the dominant
  // share it holds: granted time runs from here to its release.
  struct Grant {
    UnixMillis since = 0;
    double rate = 0;
  };
  std::map<JobId, Grant> granted_;
  policies::UsageTracker usage_;
  NodeEnergyTracker energy_;
  std::vector<FacilityReading> facility_readings_;
  UnixMillis last_usage_save_ = 0;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_ACCOUNTING_H_
