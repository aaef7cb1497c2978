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
    "Node capacity (type=total) and what is granted to jobs (type=allocated). Units: "
    "resource=cpu in CPUs, memory in bytes, gpu in devices."};
inline constexpr MetricName kAgentConnections{
    "sharc_agent_connections", "Agents currently connected to the scheduler."};

inline constexpr MetricName kTenantQuota{
    "sharc_tenant_quota",
    "Tenant quotas (type=guaranteed|max) and what the tenant holds (type=used). Units as "
    "sharc_node_resources; no max series means unlimited."};
inline constexpr MetricName kTenantCreditBalance{
    "sharc_tenant_credit_balance",
    "Credits a tenant can reserve now, on grants valid now (reserved credit excluded)."};
inline constexpr MetricName kTenantCreditSpent{
    "sharc_tenant_credit_spent_total",
    "Credits charged for finished work, by tenant and grant source (voucher, purchase)."};
inline constexpr MetricName kTenantPendingJobs{
    "sharc_tenant_pending_jobs", "Pending jobs by tenant and the reason they wait."};

// Scheduler, updated as events happen.
inline constexpr MetricName kJobSubmissions{
    "sharc_job_submissions_total",
    "Jobs submitted, by tenant and result (accepted, invalid, unsatisfiable, unavailable)."};
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
inline constexpr MetricName kRestRequests{
    "sharc_http_requests_total", "HTTP requests answered, by status class (2xx, 4xx, 5xx)."};

// Exponential buckets from 100 µs to ~13 s: cycles and commits are expected in the
// sub-millisecond to millisecond range; the tail shows trouble.
std::vector<double> LatencyBuckets();

}  // namespace sharc::metrics

#endif  // SHARC_METRICS_NAMES_H_
