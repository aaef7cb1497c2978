// The scheduler: the parts that share its state, wired together. Each has one job:
//
//   ClusterState    every job and node, and the cluster view the cycle reads (cluster_state.h)
//   CommitQueue     group commits; nothing is acted on before it is durable (commit_queue.h)
//   Accounting      attempt records, fair-share usage, energy, reports (accounting.h)
//   TenantService   tenants, tokens, quotas, priority classes, credit (tenant_service.h)
//   JobLifecycle    submit, cancel, start, preempt, end, requeue (job_lifecycle.h)
//   NodeSessions    agents, liveness, drain, output (node_sessions.h)
//   CycleRunner     the scheduling cycles (cycle_runner.h) around the pure core in policies/
//   AuditLog        the hash-chained record of staff changes and refused calls (audit_log.h)
//
// The REST API and the agent hub call the parts directly. Threading: everything runs on the
// one state thread (the daemon's io_context); store completions and background reads come back
// through `post`.
#ifndef SHARC_SCHEDULER_SCHEDULER_H_
#define SHARC_SCHEDULER_SCHEDULER_H_

#include <memory>

#include "core/clock_jump.h"
#include "metrics/cluster_collector.h"
#include "scheduler/accounting.h"
#include "scheduler/audit_log.h"
#include "scheduler/cluster_state.h"
#include "scheduler/commit_queue.h"
#include "scheduler/cycle_runner.h"
#include "scheduler/job_lifecycle.h"
#include "scheduler/node_sessions.h"
#include "scheduler/scheduler_context.h"
#include "scheduler/tenant_service.h"

namespace sharc::scheduler {

class Scheduler {
 public:
  // InvalidArgument if the configured profile does not build.
  static StatusOr<std::unique_ptr<Scheduler>> Create(SchedulerOptions options, SchedulerDeps deps);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Loads durable state: accounting, nodes (disconnected, with a fresh node_timeout to
  // reconnect in), jobs (RUNNING ones keep their allocations), tenants and credit. Call once,
  // before anything else.
  Status Restore(store::StoredState state);

  // Liveness, output timeouts, expiring grants, energy and usage saves; logs (and counts) a
  // jump of the wall clock. Call every ~heartbeat/4.
  void Tick();

  metrics::ClusterMetricsSnapshot MetricsSnapshot() const;

  // OK while the store has room for a change people ask for; Unavailable (say why) when the
  // disk is nearly full, before anything is changed (store::Store::CheckRoom).
  Status CheckRoomForChange() { return deps_.store->CheckRoom(); }

  JobLifecycle& jobs() { return jobs_; }
  const JobQueries& queries() const { return queries_; }
  TenantService& tenants() { return tenants_; }
  NodeSessions& nodes() { return nodes_; }
  Accounting& accounting() { return accounting_; }
  CycleRunner& cycles() { return cycles_; }
  AuditLog& audit() { return audit_; }
  const ClusterState& state() const { return state_; }
  const TenantService& tenants() const { return tenants_; }
  const SchedulerOptions& options() const { return options_; }

 private:
  Scheduler(SchedulerOptions options, SchedulerDeps deps,
            std::unique_ptr<policies::Profile> profile);
  // After every cycle and commit when options.check_invariants: aborts on a violation.
  void CheckInvariantsOrDie(const char* where) const;

  SchedulerOptions options_;
  SchedulerDeps deps_;
  ClusterState state_;
  CommitQueue commits_;
  SchedulerContext context_;
  Accounting accounting_;
  TenantService tenants_;
  JobLifecycle jobs_;
  JobQueries queries_;
  NodeSessions nodes_;
  CycleRunner cycles_;
  AuditLog audit_;
  ClockJumpDetector clock_jumps_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_SCHEDULER_H_
