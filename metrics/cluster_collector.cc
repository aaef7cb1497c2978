#include "metrics/cluster_collector.h"

#include <optional>

#include "core/version.h"
#include "metrics/names.h"

namespace sharc::metrics {
namespace {

prometheus::MetricFamily Gauge(const MetricName& name) {
  prometheus::MetricFamily family;
  family.name = std::string(name.name);
  family.help = std::string(name.help);
  family.type = prometheus::MetricType::Gauge;
  return family;
}

prometheus::MetricFamily Counter(const MetricName& name) {
  prometheus::MetricFamily family = Gauge(name);
  family.type = prometheus::MetricType::Counter;
  return family;
}

void AddCount(prometheus::MetricFamily& family, std::vector<prometheus::ClientMetric::Label> labels,
              double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  family.metric.push_back(std::move(metric));
}

void AddSample(prometheus::MetricFamily& family,
               std::vector<prometheus::ClientMetric::Label> labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

// Base units: CPUs (not millicpus), bytes, devices.
double InBaseUnit(const std::string& resource, int64_t value) {
  if (resource == "cpu") return static_cast<double>(value) / 1000.0;
  return static_cast<double>(value);
}

}  // namespace

std::vector<prometheus::MetricFamily> BuildClusterFamilies(const ClusterMetricsSnapshot& s) {
  std::vector<prometheus::MetricFamily> families;

  prometheus::MetricFamily build = Gauge(kBuildInfo);
  AddSample(build,
            {{"component", s.component},
             {"revision", std::string(GitRevision())},
             {"version", std::string(Version())}},
            1);
  families.push_back(std::move(build));

  prometheus::MetricFamily nodes = Gauge(kNodes);
  for (const char* state : {"DOWN", "DRAIN", "UP"}) {
    auto it = s.nodes_by_state.find(state);
    AddSample(nodes, {{"state", state}}, it == s.nodes_by_state.end() ? 0 : it->second);
  }
  families.push_back(std::move(nodes));

  prometheus::MetricFamily jobs = Gauge(kJobs);
  for (const auto& [key, count] : s.jobs_by_state_tenant) {
    AddSample(jobs, {{"state", key.first}, {"tenant", key.second}}, static_cast<double>(count));
  }
  families.push_back(std::move(jobs));

  prometheus::MetricFamily resources = Gauge(kNodeResources);
  for (const auto& node : s.node_resources) {
    for (const char* resource : {"cpu", "gpu", "memory"}) {
      AddSample(resources, {{"node", node.node}, {"resource", resource}, {"type", "allocated"}},
                InBaseUnit(resource, node.allocated.Get(resource)));
      AddSample(resources, {{"node", node.node}, {"resource", resource}, {"type", "total"}},
                InBaseUnit(resource, node.total.Get(resource)));
    }
    if (node.used) {
      for (const char* resource : {"cpu", "memory"}) {
        AddSample(resources, {{"node", node.node}, {"resource", resource}, {"type", "used"}},
                  InBaseUnit(resource, node.used->Get(resource)));
      }
    }
  }
  families.push_back(std::move(resources));

  prometheus::MetricFamily heartbeat_age = Gauge(kNodeHeartbeatAge);
  for (const auto& node : s.node_resources) {
    AddSample(heartbeat_age, {{"node", node.node}}, node.heartbeat_age_seconds);
  }
  families.push_back(std::move(heartbeat_age));

  prometheus::MetricFamily connections = Gauge(kAgentConnections);
  AddSample(connections, {}, static_cast<double>(s.agent_connections));
  families.push_back(std::move(connections));

  prometheus::MetricFamily quota = Gauge(kTenantQuota);
  for (const auto& t : s.tenant_quotas) {
    for (const char* resource : {"cpu", "gpu", "memory"}) {
      AddSample(quota, {{"resource", resource}, {"tenant", t.tenant}, {"type", "guaranteed"}},
                InBaseUnit(resource, t.guaranteed.Get(resource)));
      if (std::optional<int64_t> max = t.max.Get(resource)) {
        AddSample(quota, {{"resource", resource}, {"tenant", t.tenant}, {"type", "max"}},
                  InBaseUnit(resource, *max));
      }
      AddSample(quota, {{"resource", resource}, {"tenant", t.tenant}, {"type", "used"}},
                InBaseUnit(resource, t.used.Get(resource)));
    }
  }
  families.push_back(std::move(quota));

  if (s.credit_enforced) {
    prometheus::MetricFamily balance = Gauge(kTenantCreditBalance);
    for (const auto& [tenant, micros] : s.credit_balance) {
      AddSample(balance, {{"tenant", tenant}}, static_cast<double>(micros) / 1e6);
    }
    families.push_back(std::move(balance));
    prometheus::MetricFamily spent = Counter(kTenantCreditSpent);
    for (const auto& [key, micros] : s.credit_spent) {
      AddCount(spent, {{"source", key.second}, {"tenant", key.first}},
               static_cast<double>(micros) / 1e6);
    }
    families.push_back(std::move(spent));
  }

  prometheus::MetricFamily pending = Gauge(kTenantPendingJobs);
  for (const auto& [key, count] : s.pending_by_tenant_reason) {
    AddSample(pending,
              {{"reason", key.second.empty() ? "NONE" : key.second}, {"tenant", key.first}},
              static_cast<double>(count));
  }
  families.push_back(std::move(pending));

  prometheus::MetricFamily cpu_seconds = Counter(kTenantCpuSeconds);
  prometheus::MetricFamily gpu_seconds = Counter(kTenantGpuSeconds);
  prometheus::MetricFamily energy = Counter(kTenantEnergy);
  for (const auto& [tenant, a] : s.tenant_accounting) {
    AddCount(cpu_seconds, {{"tenant", tenant}, {"type", "granted"}}, a.granted_cpu_seconds);
    AddCount(cpu_seconds, {{"tenant", tenant}, {"type", "used"}}, a.used_cpu_seconds);
    AddCount(gpu_seconds, {{"tenant", tenant}}, a.granted_gpu_seconds);
    AddCount(energy, {{"tenant", tenant}}, a.energy_joules);
  }
  families.push_back(std::move(cpu_seconds));
  families.push_back(std::move(gpu_seconds));
  families.push_back(std::move(energy));

  if (s.pue > 0) {
    prometheus::MetricFamily pue = Gauge(kFacilityPue);
    AddSample(pue, {}, s.pue);
    families.push_back(std::move(pue));
  }
  if (s.grid_carbon_g_per_kwh > 0) {
    prometheus::MetricFamily carbon = Gauge(kGridCarbonIntensity);
    AddSample(carbon, {}, s.grid_carbon_g_per_kwh / 3.6e6);
    families.push_back(std::move(carbon));
  }
  return families;
}

}  // namespace sharc::metrics
