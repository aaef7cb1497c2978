// The scheduler's core: jobs, nodes and the decisions that move them, with no I/O of its own
// besides the store and the agent connections it is handed. Used by the REST API and the
// agent hub; driven by the daemon's timer through Tick().
//
// Threading: every method runs on the one state thread (the daemon's io_context). Store
// completions come back through `post`, which must run the task on that thread.
//
// Lifecycle of a job here:
//   1. Submit: validated, checked against every known node (never-fits -> Unsatisfiable),
//      given an id, committed; only then acknowledged and queued (PENDING).
//   2. Cycle (coalesced, triggered by events): the policies pick jobs and exact CPUs/GPUs;
//      RUNNING (attempt + 1) is committed; only then is the launch sent to the agent.
//   3. The agent reports start and exit; each report is committed, then acknowledged, so the
//      agent can forget it. Cancel is committed, then the kill is sent.
//   4. A node silent for node_timeout becomes DOWN and its RUNNING jobs NODE_FAIL.
// A failed commit of a transition the scheduler already acted on in memory is fatal (the
// process exits and a restart reloads the durable state), so nothing is ever acted on that
// is not durable.
#ifndef SHARC_SCHEDULER_SCHEDULER_H_
#define SHARC_SCHEDULER_SCHEDULER_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "metrics/cluster_collector.h"
#include "metrics/scheduler_metrics.h"
#include "policies/cycle.h"
#include "policies/policy.h"
#include "protocol/agent_messages.h"
#include "protocol/job_spec_codec.h"
#include "scheduler/auth.h"
#include "scheduler/cluster_state.h"
#include "scheduler/credit_book.h"
#include "scheduler/efficiency_report.h"
#include "scheduler/node_energy_tracker.h"
#include "scheduler/tenant_book.h"
#include "scheduler/tenants_file.h"
#include "store/store.h"

namespace sharc::scheduler {

struct SchedulerOptions {
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds node_timeout{5000};
  int64_t default_memory_per_cpu = int64_t{1} << 30;
  std::chrono::seconds default_time_limit{3600};
  std::chrono::seconds max_time_limit{7 * 24 * 3600};
  std::chrono::milliseconds output_timeout{10000};
  // Agents kill their running attempts after this long without hearing from the scheduler
  // (0 = never); must stay below node_timeout so that no attempt outlives its requeue.
  std::chrono::milliseconds fence_after{2500};
  // A job is requeued after a node failure while it has had fewer attempts than this.
  int32_t max_attempts = 5;
  PriceList prices;               // all zero: credit is not enforced
  TenantsFile tenants_file;       // admins, and tenants the file declares (the file wins)
  bool check_invariants = false;  // after every cycle and commit; abort on a violation
  EfficiencySettings efficiency;  // PUE and grid carbon intensity, for reports and metrics
};

struct SchedulerDeps {
  const Clock* clock = nullptr;
  store::Store* store = nullptr;
  std::function<void(std::function<void()>)> post;  // thread-safe; runs on the state thread
  const policies::QueueOrder* queue_order = nullptr;
  const policies::PlacementPolicy* placement = nullptr;
  metrics::SchedulerMetrics* metrics = nullptr;  // may be null
};

struct JobFilter {
  bool all = false;           // include finished jobs
  std::set<JobState> states;  // empty = any (subject to `all`)
  std::string tenant;         // admins only; "" = every tenant
};

struct SubmitOutcome {
  std::vector<Job> jobs;  // in request order
  bool created = false;   // false when every job already existed (idempotent retry)
};

struct OutputChunk {
  std::string data;
  int64_t total_size = 0;
};

// A tenant as `sharc usage` shows it.
struct TenantUsageView {
  Tenant tenant;
  TenantUsage usage;
  std::map<std::string, int64_t> pending_by_reason;
  std::vector<Grant> grants;
  MicroCredits available = 0;  // reservable now
  MicroCredits reserved = 0;
  MicroCredits spent_this_month = 0;  // calendar month, UTC
  bool credit_enforced = false;
};

// One tenant's line of a usage report, over [from, to): jobs that ended in it, their
// CPU- and GPU-time, and the credit charged in it, by the charged grants' source.
struct UsageReportRow {
  std::string tenant;
  int64_t jobs = 0;
  int64_t cpu_millicpu_ms = 0;  // CPU-hours = this / 3.6e9
  int64_t gpu_ms = 0;           // GPU-hours = this / 3.6e6
  MicroCredits spent_voucher = 0;
  MicroCredits spent_purchase = 0;
};

// What `sharc admin ledger verify` found.
struct LedgerVerification {
  int64_t entries = 0;
  int64_t grants = 0;
  std::vector<std::string> mismatches;  // empty when every balance agrees
};

// A node as `sharc nodes` shows it.
struct NodeStatus {
  store::NodeRecord record;
  bool connected = false;
  Resources capacity;
  Resources allocated;
  size_t running_jobs = 0;
  std::chrono::milliseconds heartbeat_age{0};
};

class Scheduler {
 public:
  Scheduler(SchedulerOptions options, SchedulerDeps deps);
  Scheduler(const Scheduler&) = delete;
  Scheduler& operator=(const Scheduler&) = delete;

  // Loads durable state. RUNNING jobs keep their allocations; every node starts disconnected
  // with a fresh node_timeout to reconnect in. Call once, before anything else.
  Status Restore(store::StoredState state);

  // --- Tenants and admins (REST) ---
  using SubmitDone = std::function<void(StatusOr<SubmitOutcome>)>;
  void Submit(const Principal& who, std::vector<protocol::SubmitItem> items, SubmitDone done);
  StatusOr<const Job*> GetJob(const Principal& who, JobId id) const;
  std::vector<const Job*> ListJobs(const Principal& who, const JobFilter& filter) const;
  using JobDone = std::function<void(StatusOr<Job>)>;
  void Cancel(const Principal& who, JobId id, JobDone done);
  using OutputDone = std::function<void(StatusOr<OutputChunk>)>;
  void ReadOutput(const Principal& who, JobId id, const std::string& stream, int64_t offset,
                  int64_t limit, OutputDone done);
  std::vector<NodeStatus> ListNodes() const;
  // Admins: stop placing jobs on a node (running ones finish) / undo it.
  using NodeDone = std::function<void(StatusOr<NodeStatus>)>;
  void DrainNode(const Principal& who, const std::string& node, std::string reason, NodeDone done);
  void ResumeNode(const Principal& who, const std::string& node, NodeDone done);

  // --- Enterprises, tokens and credit (admins, and tenants for themselves) ---
  using TenantDone = std::function<void(StatusOr<Tenant>)>;
  void CreateTenant(const Principal& who, Tenant tenant, TenantDone done);
  // `change` is applied to the current record, then validated (quota rules, and that the
  // guarantees of all tenants fit the cluster) and saved.
  void UpdateTenant(const Principal& who, const std::string& name,
                    const std::function<Status(Tenant&)>& change, TenantDone done);
  StatusOr<const Tenant*> GetTenant(const Principal& who, const std::string& name) const;
  std::vector<const Tenant*> ListTenants(const Principal& who) const;
  using TokenDone = std::function<void(StatusOr<std::pair<ApiToken, std::string>>)>;
  void IssueToken(const Principal& who, const std::string& tenant, TokenRole role, std::string name,
                  TokenDone done);
  void RevokeToken(const Principal& who, const std::string& id,
                   std::function<void(StatusOr<ApiToken>)> done);
  StatusOr<std::vector<const ApiToken*>> ListTokens(const Principal& who,
                                                    const std::string& tenant) const;
  void AddGrant(const Principal& who, CreditBook::NewGrant grant,
                std::function<void(StatusOr<Grant>)> done);
  StatusOr<std::vector<const Grant*>> ListGrants(const Principal& who,
                                                 const std::string& tenant) const;
  StatusOr<TenantUsageView> TenantUsageOf(const Principal& who, const std::string& tenant) const;
  StatusOr<std::vector<UsageReportRow>> UsageReport(const Principal& who, UnixMillis from,
                                                    UnixMillis to, const std::string& tenant) const;
  StatusOr<LedgerVerification> VerifyLedger(const Principal& who) const;

  // --- Efficiency (admins) ---
  // A reading of the facility's energy meter: later than, and not below, the last one;
  // time 0 = now.
  void AddFacilityReading(const Principal& who, FacilityReading reading,
                          std::function<void(StatusOr<FacilityReading>)> done);
  StatusOr<std::vector<FacilityReading>> FacilityReadings(const Principal& who) const;
  // The report for [from, to), from the stored accounting records, the energy of the current
  // minutes and the attempts running now.
  StatusOr<EfficiencyReport> Efficiency(const Principal& who, UnixMillis from, UnixMillis to) const;
  // The authentication the REST API uses.
  StatusOr<Principal> Authenticate(const std::optional<std::string>& bearer_token) const {
    return tenants_.Authenticate(bearer_token);
  }

  // --- Agents (the agent hub) ---
  // Accepts a registration: records the node (UP unless drained), adopts or fences the
  // attempts it reports, and replaces any older connection of the same node. On error the
  // hub closes the connection with the message.
  Status OnAgentRegister(const protocol::RegisterMsg& message,
                         std::shared_ptr<AgentConnection> connection);
  // A message from the connection registered as `node`.
  void OnAgentMessage(const std::string& node, const protocol::AgentMessage& message);
  void OnAgentDisconnected(const std::string& node, const AgentConnection* connection);

  // Checks heartbeat deadlines and output-request timeouts. Call every ~heartbeat/4.
  void Tick();

  metrics::ClusterMetricsSnapshot MetricsSnapshot() const;
  const ClusterState& state() const { return state_; }
  const CreditBook& credit() const { return credit_; }
  const SchedulerOptions& options() const { return options_; }

 private:
  struct PendingOutput {
    std::string node;
    OutputDone done;
    SteadyTime deadline;
  };

  // Submission.
  Status PrepareSpec(protocol::SubmitItem& item, const std::string& where) const;
  void FinishSubmit(const std::string& tenant, std::vector<Job> fresh,
                    std::vector<std::optional<JobId>> existing, Status commit, SubmitDone done);

  // Cycles. `capacity_changed` is false when only new jobs arrived: then only they are
  // considered, since every older pending job already failed to fit with at least as much
  // room as there is now.
  void RequestCycle(bool capacity_changed = true);
  void RunCycle();

  // Agents.
  void OnHealth(NodeEntry& node, const protocol::HealthMsg& health);
  NodeStatus StatusOf(const NodeEntry& node) const;
  // Ends a RUNNING job whose node failed: requeued (same id) if it may be, else NODE_FAIL.
  void FailOrRequeue(Job& job, std::string reason, std::string message,
                     std::vector<store::Mutation>* batch);
  void OnJobUpdate(NodeEntry& node, const protocol::AttemptReport& report);
  void OnOutputResponse(const std::string& node, const protocol::OutputResponseMsg& message);
  void ReconcileAttempts(NodeEntry& node, const std::vector<protocol::AttemptReport>& reports);
  // Sends `job`'s launch to the node of each part of its allocation, each with its rank; or
  // only to `only_node`, when given (a node that reconnected without it).
  void SendLaunch(const Job& job, const std::string* only_node = nullptr);
  void Send(const std::string& node, const protocol::SchedulerMessage& message);
  // Sends `message` (e.g. a kill) to every node `job` has a part on.
  void SendToNodesOf(const Job& job, const protocol::SchedulerMessage& message);
  void MarkNodeDown(NodeEntry& node, const std::string& why);
  // Ends a RUNNING job in a terminal state: frees its allocation, settles its credit.
  // `exited`: the agent's report of the attempt's exit, when there is one.
  void EndJob(Job& job, JobState state, std::string reason, std::string message,
              std::vector<store::Mutation>* batch, const protocol::AttemptReport* exited = nullptr);
  // Puts a RUNNING job back in the queue (same id; the next launch is attempt + 1).
  void RequeueJob(Job& job, std::string reason, std::string message,
                  std::vector<store::Mutation>* batch,
                  const protocol::AttemptReport* exited = nullptr);
  // Ends (or, when preempted, requeues) the attempt an agent reported exited.
  void FinishAttempt(Job& job, const protocol::AttemptReport& report,
                     std::vector<store::Mutation>* batch);
  void SettleCredit(const Job& job, std::vector<store::Mutation>* batch);
  // Accounting (accounting.cc). Records the attempt of `job` that ended (`ended_as`: its
  // terminal state, or "REQUEUED"), with what the agent measured when it reported the exit.
  // Granted time is the scheduler's: from placement to now (the release). Nothing for a job
  // that holds no grant.
  void RecordAttempt(const Job& job, std::string_view ended_as,
                     const protocol::AttemptReport* exited, std::vector<store::Mutation>* batch);
  void OnNodeSample(NodeEntry& node, const protocol::NodeSample& sample);
  // Stores the energy buckets of nodes that went silent.
  void CloseSilentEnergyBuckets();
  void StoreEnergyBuckets(std::vector<NodeEnergyBucket> closed);

  // Quotas and reclaim.
  Status CheckTenantLimits(const Tenant& tenant, const JobSpec& spec, size_t new_jobs) const;
  Resources UpCapacity() const;
  Status CheckGuaranteesFit(const Tenant& changed) const;
  // Preempts borrowers' newest jobs so that pending jobs within their tenant's guarantee can
  // start: each such job (oldest first) books room in a view of the cluster after the
  // preemptions under way; where none is left, the fewest borrowers' jobs on one node make it.
  void Reclaim(const policies::ClusterSnapshot& snapshot);
  void Preempt(Job& job, const std::string& for_tenant);
  void CheckInvariantsOrDie(const char* where) const;

  // Queues `batch` for the next commit, then runs `then` on the state thread once it is
  // durable. Everything queued during one pass of the event loop (a job's end, the cycle it
  // triggers, a cancel) shares one transaction, and the `then`s run in order. A failure is
  // fatal (see above).
  void CommitOrDie(std::vector<store::Mutation> batch, std::function<void()> then);
  void Flush();

  SchedulerOptions options_;
  SchedulerDeps deps_;
  ClusterState state_;
  TenantBook tenants_;
  CreditBook credit_;
  int64_t next_job_id_ = 1;
  bool cycle_requested_ = false;
  bool capacity_changed_ = true;
  std::vector<JobId> arrived_;  // submitted since the last cycle
  std::vector<store::Mutation> outbox_;
  std::vector<std::function<void()>> outbox_actions_;
  bool flush_scheduled_ = false;
  std::set<JobId> launch_confirmed_;  // RUNNING jobs whose agent reported them started
  // Submits in flight by (tenant, idempotency key): later duplicates wait for the first.
  std::map<std::pair<std::string, std::string>, std::vector<std::function<void(Status)>>>
      inflight_keys_;
  int64_t next_output_request_ = 1;
  std::map<int64_t, PendingOutput> pending_output_;
  // Accounting: what each tenant's ended attempts add up to, the nodes' energy by minute, and
  // the facility meter's readings (sorted by time).
  std::map<std::string, AccountingTotals> tenant_totals_;
  // When each RUNNING job's current allocation was granted (scheduler clock): granted time
  // runs from here to its release, whatever the agent reports as the process's start.
  std::map<JobId, UnixMillis> granted_since_;
  NodeEnergyTracker energy_;
  std::vector<FacilityReading> facility_readings_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_SCHEDULER_H_
