#include "metrics/cluster_collector.h"

#include <optional>

#include "core/version.h"
#include "metrics/family_builder.h"
#include "metrics/names.h"

namespace sharc::metrics {
namespace {

// Base units: CPUs (not millicpus), bytes, devices.
double InBaseUnit(const std::string& resource, int64_t value) {
  if (resource == "cpu") return static_cast<double>(value) / 1000.0;
  return static_cast<double>(value);
}

// Nodes, jobs by state and agents' connections.
void AddNodeFamilies(const ClusterMetricsSnapshot& s,
                     std::vector<prometheus::MetricFamily>& families) {
  prometheus::MetricFamily nodes = GaugeFamily(kNodes);
  for (const char* state : {"DOWN", "DRAIN", "UP"}) {
    auto it = s.nodes_by_state.find(state);
    AddGauge(nodes, {{"state", state}}, it == s.nodes_by_state.end() ? 0 : it->second);
  }
  families.push_back(std::move(nodes));

  prometheus::MetricFamily jobs = GaugeFamily(kJobs);
  for (const auto& [key, count] : s.jobs_by_state_tenant) {
    AddGauge(jobs, {{"state", key.first}, {"tenant", key.second}}, static_cast<double>(count));
  }
  families.push_back(std::move(jobs));

  prometheus::MetricFamily resources = GaugeFamily(kNodeResources);
  for (const auto& node : s.node_resources) {
    for (const char* resource : {"cpu", "gpu", "memory"}) {
      AddGauge(resources, {{"node", node.node}, {"resource", resource}, {"type", "allocated"}},
               InBaseUnit(resource, node.allocated.Get(resource)));
      AddGauge(resources, {{"node", node.node}, {"resource", resource}, {"type", "total"}},
               InBaseUnit(resource, node.total.Get(resource)));
    }
    if (node.used) {
      for (const char* resource : {"cpu", "memory"}) {
        AddGauge(resources, {{"node", node.node}, {"resource", resource}, {"type", "used"}},
                 InBaseUnit(resource, node.used->Get(resource)));
      }
    }
  }
  families.push_back(std::move(resources));

  prometheus::MetricFamily heartbeat_age = GaugeFamily(kNodeHeartbeatAge);
  for (const auto& node : s.node_resources) {
    AddGauge(heartbeat_age, {{"node", node.node}}, node.heartbeat_age_seconds);
  }
  families.push_back(std::move(heartbeat_age));

  prometheus::MetricFamily connections = GaugeFamily(kAgentConnections);
  AddGauge(connections, {}, static_cast<double>(s.agent_connections));
  families.push_back(std::move(connections));
}

// Quotas and credit.
void AddTenantFamilies(const ClusterMetricsSnapshot& s,
                       std::vector<prometheus::MetricFamily>& families) {
  prometheus::MetricFamily quota = GaugeFamily(kTenantQuota);
  for (const auto& t : s.tenant_quotas) {
    for (const char* resource : {"cpu", "gpu", "memory"}) {
      AddGauge(quota, {{"resource", resource}, {"tenant", t.tenant}, {"type", "guaranteed"}},
               InBaseUnit(resource, t.guaranteed.Get(resource)));
      if (std::optional<int64_t> max = t.max.Get(resource)) {
        AddGauge(quota, {{"resource", resource}, {"tenant", t.tenant}, {"type", "max"}},
                 InBaseUnit(resource, *max));
      }
      AddGauge(quota, {{"resource", resource}, {"tenant", t.tenant}, {"type", "used"}},
               InBaseUnit(resource, t.used.Get(resource)));
    }
  }
  families.push_back(std::move(quota));

  if (s.credit_enforced) {
    prometheus::MetricFamily balance = GaugeFamily(kTenantCreditBalance);
    for (const auto& [tenant, micros] : s.credit_balance) {
      AddGauge(balance, {{"tenant", tenant}}, static_cast<double>(micros) / 1e6);
    }
    families.push_back(std::move(balance));
    prometheus::MetricFamily spent = CounterFamily(kTenantCreditSpent);
    for (const auto& [key, micros] : s.credit_spent) {
      AddCounter(spent, {{"source", key.second}, {"tenant", key.first}},
                 static_cast<double>(micros) / 1e6);
    }
    families.push_back(std::move(spent));
  }
}

// Fair share, reservations, pending jobs by reason, and what tenants used.
void AddSchedulingFamilies(const ClusterMetricsSnapshot& s,
                           std::vector<prometheus::MetricFamily>& families) {
  prometheus::MetricFamily weight = GaugeFamily(kTenantFairShareWeight);
  prometheus::MetricFamily usage = GaugeFamily(kTenantFairShareUsage);
  prometheus::MetricFamily factor = GaugeFamily(kTenantFairShareFactor);
  for (const auto& t : s.tenant_fair_share) {
    AddGauge(weight, {{"tenant", t.tenant}}, static_cast<double>(t.weight));
    AddGauge(usage, {{"tenant", t.tenant}}, t.usage_seconds);
    AddGauge(factor, {{"tenant", t.tenant}}, t.factor);
  }
  families.push_back(std::move(weight));
  families.push_back(std::move(usage));
  families.push_back(std::move(factor));
  prometheus::MetricFamily reservations = GaugeFamily(kBackfillReservations);
  AddGauge(reservations, {}, static_cast<double>(s.reservations));
  families.push_back(std::move(reservations));

  prometheus::MetricFamily pending = GaugeFamily(kTenantPendingJobs);
  for (const auto& [key, count] : s.pending_by_tenant_reason) {
    AddGauge(pending, {{"reason", key.second.empty() ? "NONE" : key.second}, {"tenant", key.first}},
             static_cast<double>(count));
  }
  families.push_back(std::move(pending));

  prometheus::MetricFamily cpu_seconds = CounterFamily(kTenantCpuSeconds);
  prometheus::MetricFamily gpu_seconds = CounterFamily(kTenantGpuSeconds);
  prometheus::MetricFamily energy = CounterFamily(kTenantEnergy);
  for (const auto& [tenant, a] : s.tenant_accounting) {
    AddCounter(cpu_seconds, {{"tenant", tenant}, {"type", "granted"}}, a.granted_cpu_seconds);
    AddCounter(cpu_seconds, {{"tenant", tenant}, {"type", "used"}}, a.used_cpu_seconds);
    AddCounter(gpu_seconds, {{"tenant", tenant}}, a.granted_gpu_seconds);
    AddCounter(energy, {{"tenant", tenant}}, a.energy_joules);
  }
  families.push_back(std::move(cpu_seconds));
  families.push_back(std::move(gpu_seconds));
  families.push_back(std::move(energy));
}

}  // namespace

std::vector<prometheus::MetricFamily> BuildClusterFamilies(const ClusterMetricsSnapshot& s) {
  std::vector<prometheus::MetricFamily> families;

  prometheus::MetricFamily build = GaugeFamily(kBuildInfo);
  AddGauge(build,
           {{"component", s.component},
            {"revision", std::string(GitRevision())},
            {"version", std::string(Version())}},
           1);
  families.push_back(std::move(build));

  AddNodeFamilies(s, families);
  AddTenantFamilies(s, families);
  AddSchedulingFamilies(s, families);

  if (s.pue > 0) {
    prometheus::MetricFamily pue = GaugeFamily(kFacilityPue);
    AddGauge(pue, {}, s.pue);
    families.push_back(std::move(pue));
  }
  if (s.grid_carbon_g_per_kwh > 0) {
    prometheus::MetricFamily carbon = GaugeFamily(kGridCarbonIntensity);
    AddGauge(carbon, {}, s.grid_carbon_g_per_kwh / 3.6e6);
    families.push_back(std::move(carbon));
  }
  return families;
}

}  // namespace sharc::metrics
