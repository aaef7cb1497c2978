#include "agent/node_metrics.h"

#include "core/version.h"
#include "metrics/names.h"

namespace sharc::agent {
namespace {

using Labels = std::vector<prometheus::ClientMetric::Label>;

prometheus::MetricFamily Family(const metrics::MetricName& name, prometheus::MetricType type) {
  prometheus::MetricFamily family;
  family.name = std::string(name.name);
  family.help = std::string(name.help);
  family.type = type;
  return family;
}

void AddGauge(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

void AddCounter(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  family.metric.push_back(std::move(metric));
}

double Joules(int64_t microjoules) { return static_cast<double>(microjoules) / 1e6; }

}  // namespace

std::vector<prometheus::MetricFamily> BuildNodeFamilies(const NodeMetricsSnapshot& s) {
  using prometheus::MetricType;
  std::vector<prometheus::MetricFamily> families;
  const std::string& node = s.node;

  prometheus::MetricFamily build = Family(metrics::kBuildInfo, MetricType::Gauge);
  AddGauge(build,
           {{"component", "agent"},
            {"node", node},
            {"revision", std::string(GitRevision())},
            {"version", std::string(Version())}},
           1);
  families.push_back(std::move(build));

  if (s.usage) {
    prometheus::MetricFamily cpu = Family(metrics::kNodeCpuSeconds, MetricType::Counter);
    AddCounter(cpu, {{"node", node}}, static_cast<double>(s.usage->cpu_busy_ms) / 1000);
    families.push_back(std::move(cpu));
    prometheus::MetricFamily memory = Family(metrics::kNodeMemory, MetricType::Gauge);
    AddGauge(memory, {{"node", node}, {"type", "total"}},
             static_cast<double>(s.usage->memory_total_bytes));
    AddGauge(memory, {{"node", node}, {"type", "used"}},
             static_cast<double>(s.usage->memory_used_bytes));
    families.push_back(std::move(memory));
  }

  prometheus::MetricFamily running = Family(metrics::kNodeRunningJobs, MetricType::Gauge);
  AddGauge(running, {{"node", node}}, static_cast<double>(s.running_jobs));
  families.push_back(std::move(running));

  if (!s.gpus.empty()) {
    prometheus::MetricFamily allocated = Family(metrics::kNodeGpuAllocated, MetricType::Gauge);
    prometheus::MetricFamily power = Family(metrics::kNodeGpuPower, MetricType::Gauge);
    for (int gpu : s.gpus) {
      const Labels labels = {{"gpu", std::to_string(gpu)}, {"node", node}};
      AddGauge(allocated, labels, s.gpus_allocated.count(gpu) ? 1 : 0);
      auto milliwatts = s.energy.gpu_milliwatts.find(gpu);
      if (milliwatts != s.energy.gpu_milliwatts.end()) {
        AddGauge(power, labels, static_cast<double>(milliwatts->second) / 1000);
      }
    }
    families.push_back(std::move(allocated));
    if (!power.metric.empty()) families.push_back(std::move(power));
  }

  // (domain, source, microjoules) for each domain this node measures or models.
  struct Domain {
    EnergyDomain domain;
    EnergySource source;
    int64_t microjoules;
  };
  std::vector<Domain> domains = {
      {EnergyDomain::kPackage, s.energy.cpu_source, s.energy.package_uj}};
  if (s.energy.cpu_source == EnergySource::kRapl) {
    domains.push_back({EnergyDomain::kDram, EnergySource::kRapl, s.energy.dram_uj});
  }
  if (s.energy.gpu_source) {
    domains.push_back({EnergyDomain::kGpu, *s.energy.gpu_source, s.energy.gpu_uj});
  }
  prometheus::MetricFamily energy = Family(metrics::kNodeEnergy, MetricType::Counter);
  prometheus::MetricFamily sources = Family(metrics::kNodeEnergySource, MetricType::Gauge);
  for (const Domain& d : domains) {
    const Labels labels = {{"domain", std::string(EnergyDomainName(d.domain))},
                           {"node", node},
                           {"source", std::string(EnergySourceName(d.source))}};
    AddCounter(energy, labels, Joules(d.microjoules));
    AddGauge(sources, labels, 1);
  }
  families.push_back(std::move(energy));
  prometheus::MetricFamily idle = Family(metrics::kNodeIdleEnergy, MetricType::Counter);
  AddCounter(idle, {{"node", node}}, Joules(s.energy.idle_uj));
  families.push_back(std::move(idle));
  families.push_back(std::move(sources));
  return families;
}

AgentMetrics::AgentMetrics(prometheus::Registry& registry, const std::string& node)
    : job_start_duration_(prometheus::BuildHistogram()
                              .Name(std::string(metrics::kJobStartDuration.name))
                              .Help(std::string(metrics::kJobStartDuration.help))
                              .Register(registry)
                              .Add({{"node", node}}, metrics::LatencyBuckets())) {}

void AgentMetrics::ObserveJobStart(std::chrono::nanoseconds duration) {
  job_start_duration_.Observe(std::chrono::duration<double>(duration).count());
}

}  // namespace sharc::agent
