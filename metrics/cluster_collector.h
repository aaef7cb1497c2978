// Scheduler state as metrics, computed at scrape time from a snapshot (never mirrored into
// gauges by hand). The snapshot callback runs on the scraping thread; the scheduler serves
// /metrics on its state thread, so the callback may read state directly.
#ifndef SHARC_METRICS_CLUSTER_COLLECTOR_H_
#define SHARC_METRICS_CLUSTER_COLLECTOR_H_

#include <prometheus/collectable.h>
#include <prometheus/metric_family.h>

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/resources.h"
#include "core/tenant.h"

namespace sharc::metrics {

struct ClusterMetricsSnapshot {
  std::string component = "scheduler";
  std::map<std::string, int64_t> nodes_by_state;  // "UP" -> 3
  std::map<std::pair<std::string, std::string>, int64_t> jobs_by_state_tenant;
  struct NodeResources {
    std::string node;
    Resources total;
    Resources allocated;
    std::optional<Resources> used;  // cpu and memory, as the agent last measured them
    double heartbeat_age_seconds = 0;
  };
  std::vector<NodeResources> node_resources;
  int64_t agent_connections = 0;

  struct TenantQuota {
    std::string tenant;
    Resources guaranteed;
    ResourceLimits max;
    Resources used;
  };
  std::vector<TenantQuota> tenant_quotas;
  bool credit_enforced = false;
  std::map<std::string, int64_t> credit_balance;  // micro-credits available now, by tenant
  std::map<std::pair<std::string, std::string>, int64_t> credit_spent;  // (tenant, source)
  std::map<std::pair<std::string, std::string>, int64_t> pending_by_tenant_reason;

  // Accounting counters per tenant: ended attempts, plus running ones up to now (granted).
  struct TenantAccounting {
    double granted_cpu_seconds = 0;
    double used_cpu_seconds = 0;
    double granted_gpu_seconds = 0;
    double energy_joules = 0;
  };
  std::map<std::string, TenantAccounting> tenant_accounting;
  struct TenantFairShare {
    std::string tenant;
    int64_t weight = 1;
    double usage_seconds = 0;  // decayed dominant-share seconds, projects included
    double factor = 1;
  };
  std::vector<TenantFairShare> tenant_fair_share;
  int64_t reservations = 0;
  double pue = 0;                    // 0 = not configured: no series
  double grid_carbon_g_per_kwh = 0;  // 0 = not configured: no series
};

// Pure: the families for one snapshot. Every state gets a sharc_nodes series (0 included),
// so dashboards never see gaps.
std::vector<prometheus::MetricFamily> BuildClusterFamilies(const ClusterMetricsSnapshot& s);

class ClusterCollector final : public prometheus::Collectable {
 public:
  explicit ClusterCollector(std::function<ClusterMetricsSnapshot()> snapshot)
      : snapshot_(std::move(snapshot)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    return BuildClusterFamilies(snapshot_());
  }

 private:
  std::function<ClusterMetricsSnapshot()> snapshot_;
};

}  // namespace sharc::metrics

#endif  // SHARC_METRICS_CLUSTER_COLLECTOR_H_
