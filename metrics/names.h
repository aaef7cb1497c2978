// Every metric sharc exports: name, help text and buckets, in one place.
//
// Conventions (promtool check metrics stays clean): the sharc_ prefix, base units in the name
// (_seconds, _bytes, _joules), _total only on counters, and labels at most per tenant, per
// node, per resource — never per job or per user.
#ifndef SHARC_METRICS_NAMES_H_
#define SHARC_METRICS_NAMES_H_

#include <string_view>
#include <vector>

namespace sharc::metrics {

struct MetricName {
  std::string_view name;
  std::string_view help;
};

// Scheduler, computed at scrape time from a snapshot of its state.
inline constexpr MetricName kBuildInfo{
    "sharc_build_info", "Always 1; labels carry the version, git revision and component."};
inline constexpr MetricName kNodes{"sharc_nodes", "Nodes known to the scheduler, by state."};
inline constexpr MetricName kJobs{"sharc_jobs",
                                  "Jobs known to the scheduler, by state and tenant."};
inline constexpr MetricName kNodeResources{
    "sharc_node_resources",
    "Node capacity (type=total), what is granted to jobs (type=allocated) and what is in use "
    "(type=used, as the node's agent last measured it; cpu and memory only; none for a DOWN "
    "node). Units: "
    "resource=cpu in CPUs, memory in bytes, gpu in devices."};
inline constexpr MetricName kNodeHeartbeatAge{
    "sharc_node_heartbeat_age_seconds",
    "Seconds since the scheduler last heard from each node's agent (across scheduler "
    "restarts)."};
inline constexpr MetricName kTenantCpuSeconds{
    "sharc_tenant_cpu_seconds_total",
    "CPU-seconds per tenant: type=granted (CPUs held x wall time, running jobs included), "
    "type=used (CPU time measured in the jobs' cgroups, finished jobs)."};
inline constexpr MetricName kTenantGpuSeconds{
    "sharc_tenant_gpu_seconds_total",
    "GPU-seconds granted to each tenant (GPUs held x wall time, running jobs included)."};
inline constexpr MetricName kTenantEnergy{
    "sharc_tenant_energy_joules_total",
    "Energy attributed to each tenant's finished jobs (their share of the packages' and the "
    "GPUs' energy)."};
inline constexpr MetricName kFacilityPue{
    "sharc_facility_pue", "The configured power usage effectiveness: facility energy / IT energy."};
inline constexpr MetricName kGridCarbonIntensity{
    "sharc_grid_carbon_intensity_grams_per_joule",
    "The configured carbon intensity of the grid, in grams of CO2 per joule."};
inline constexpr MetricName kAgentConnections{"sharc_agent_connections",
                                              "Agents currently connected to the scheduler."};

inline constexpr MetricName kTenantQuota{
    "sharc_tenant_quota",
    "Tenant quotas (type=guaranteed|max) and what counts against them (type=used: the "
    "tenant's running jobs, an enterprise's projects' included). Units as "
    "sharc_node_resources; no max series means unlimited."};
inline constexpr MetricName kTenantCreditBalance{
    "sharc_tenant_credit_balance",
    "Credits a tenant can reserve now, on grants valid now (reserved credit excluded)."};
inline constexpr MetricName kTenantCreditSpent{
    "sharc_tenant_credit_spent_total",
    "Credits charged for finished work, by tenant and grant source (voucher, purchase)."};
inline constexpr MetricName kTenantPendingJobs{"sharc_tenant_pending_jobs",
                                               "Pending jobs by tenant and the reason they wait."};
inline constexpr MetricName kTenantFairShareWeight{
    "sharc_tenant_fair_share_weight", "Each tenant's fair-share weight among its siblings."};
inline constexpr MetricName kTenantFairShareUsage{
    "sharc_tenant_fair_share_usage_seconds",
    "Each tenant's decayed usage (its projects' included): dominant-share seconds, i.e. the "
    "largest fraction of the cluster's CPUs, memory or GPUs held, times time, halved every "
    "half-life."};
inline constexpr MetricName kTenantFairShareFactor{
    "sharc_tenant_fair_share_factor",
    "Each tenant's fair-share factor among its siblings, 0 to 1: 1 unused, 0.5 at its share, "
    "less the further beyond it (higher is served first)."};
inline constexpr MetricName kBackfillReservations{
    "sharc_scheduling_reservations",
    "Backfill reservations in effect: pending jobs with resources set aside for their start."};

// Scheduler, updated as events happen.
inline constexpr MetricName kJobSubmissions{
    "sharc_job_submissions_total",
    "Jobs submitted, by tenant and result (accepted, invalid, conflict, over_limit, "
    "unsatisfiable, unavailable)."};
inline constexpr MetricName kSchedulingCycleDuration{
    "sharc_scheduling_cycle_duration_seconds",
    "Time one scheduling cycle took to order and place the pending jobs."};
inline constexpr MetricName kStoreCommitDuration{
    "sharc_store_commit_duration_seconds",
    "Time one store transaction took to commit, fsync included (group commit: one "
    "transaction carries many requests)."};
inline constexpr MetricName kAgentMessagesRejected{
    "sharc_agent_messages_rejected_total",
    "Messages from agents that were malformed or not allowed, and were refused."};
inline constexpr MetricName kPreemptions{
    "sharc_preemptions_total",
    "Running jobs stopped to make room for others, by the victim's tenant and the reason "
    "(priority: a higher priority class; reclaim: a tenant's guarantee)."};
inline constexpr MetricName kRestRequests{
    "sharc_http_requests_total", "HTTP requests answered, by status class (2xx, 4xx, 5xx)."};
inline constexpr MetricName kHttpRefused{
    "sharc_http_refused_total",
    "Requests refused before a handler saw them, by reason: body_too_large (413), "
    "headers_too_large (431), malformed (400), unauthenticated (a body sent without a valid "
    "token), forbidden (a body sent by a caller the roles table refuses), busy (503: too many "
    "bodies arriving at once), too_slow (a request not complete "
    "within the read timeout), too_many_connections and too_many_from_peer (503: a new "
    "connection beyond http.max_connections or http.max_connections_per_peer), tls_handshake "
    "and plain_http (a failed TLS handshake, a plain-HTTP request to HTTPS), websocket_idle (an "
    "agent's WebSocket closed after http.websocket_idle_timeout without a message) and "
    "message_too_large (a WebSocket message over 16 MiB)."};

inline constexpr MetricName kAuthFailures{
    "sharc_auth_failures_total",
    "Callers refused for who they are, by reason: no_token, bad_token (unknown, revoked or "
    "expired), forbidden (a valid token whose role may not: 403, or about another tenant's "
    "object: 404), join_secret (an agent without the right "
    "join secret), node_credential (an agent registering as a node without that node's "
    "credential, or while it is connected)."};
inline constexpr MetricName kClockJumps{
    "sharc_clock_jumps_total",
    "Times the scheduler saw the wall clock jump (by more than 1s) against the monotonic clock; "
    "the log says when and by how much. Timeouts are unaffected; wall times stamped around a "
    "jump are off by it."};

inline constexpr MetricName kQueueWait{
    "sharc_job_queue_wait_seconds",
    "Time each job attempt waited to start, by tenant: from the job's submit for its first "
    "attempt, from its requeue (preemption, failed node) for a later one."};
inline constexpr MetricName kPlacementDuration{
    "sharc_scheduling_placement_duration_seconds",
    "Time a scheduling cycle spent searching the nodes for one pending job (jobs held by "
    "quota or skipped because the cluster is full are not searched and not counted)."};

// Agent (its own /metrics), computed at scrape time from the agent's snapshot.
inline constexpr MetricName kNodeCpuSeconds{
    "sharc_node_cpu_seconds_total",
    "CPU time used on the node by everything (from /proc/stat), in CPU-seconds."};
inline constexpr MetricName kNodeMemory{
    "sharc_node_memory_bytes",
    "Node memory: type=total or type=used (total minus available, from /proc/meminfo)."};
inline constexpr MetricName kNodeRunningJobs{"sharc_node_running_jobs",
                                             "Job attempts running on the node."};
inline constexpr MetricName kNodeGpuAllocated{"sharc_node_gpu_allocated",
                                              "1 if the GPU is granted to a running job, else 0."};
inline constexpr MetricName kNodeGpuPower{"sharc_node_gpu_power_watts",
                                          "Each GPU's power draw as last measured or modelled."};
inline constexpr MetricName kNodeEnergy{
    "sharc_node_energy_joules_total",
    "Energy the node used, by domain (package, dram, gpu) and source (rapl, nvml, model)."};
inline constexpr MetricName kNodeIdleEnergy{
    "sharc_node_idle_energy_joules_total",
    "The part of the node's energy no job can be charged for (idle and unattributable), "
    "never spread over jobs."};
inline constexpr MetricName kNodeEnergySource{
    "sharc_node_energy_source_info",
    "Always 1; the labels say which source measures each energy domain of the node."};
inline constexpr MetricName kJobStartDuration{
    "sharc_agent_job_start_duration_seconds",
    "Time from a launch order to the job's exec on the node (monitor and job forked, cgroup "
    "joined, identity switched)."};

// Exponential buckets from 100 µs to ~13 s: cycles and commits are expected in the
// sub-millisecond to millisecond range; the tail shows trouble.
std::vector<double> LatencyBuckets();
// Exponential buckets from 10 ms to ~3 h (x4 steps): how long jobs wait in the queue.
std::vector<double> QueueWaitBuckets();

}  // namespace sharc::metrics

#endif  // SHARC_METRICS_NAMES_H_
