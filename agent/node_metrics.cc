#include "agent/node_metrics.h"

#include "core/version.h"
#include "metrics/family_builder.h"
#include "metrics/names.h"

namespace sharc::agent {
namespace {

using metrics::AddCounter;
using metrics::AddGauge;
using metrics::Labels;

double Joules(int64_t microjoules) { return static_cast<double>(microjoules) / 1e6; }

}  // namespace

std::vector<prometheus::MetricFamily> BuildNodeFamilies(const NodeMetricsSnapshot& s) {
  std::vector<prometheus::MetricFamily> families;
  const std::string& node = s.node;

  prometheus::MetricFamily build = metrics::GaugeFamily(metrics::kBuildInfo);
  AddGauge(build,
           {{"component", "agent"},
            {"node", node},
            {"revision", std::string(GitRevision())},
            {"version", std::string(Version())}},
           1);
  families.push_back(std::move(build));

  if (s.usage) {
    prometheus::MetricFamily cpu = metrics::CounterFamily(metrics::kNodeCpuSeconds);
    AddCounter(cpu, {{"node", node}}, static_cast<double>(s.usage->cpu_busy_ms) / 1000);
    families.push_back(std::move(cpu));
    prometheus::MetricFamily memory = metrics::GaugeFamily(metrics::kNodeMemory);
    AddGauge(memory, {{"node", node}, {"type", "total"}},
             static_cast<double>(s.usage->memory_total_bytes));
    AddGauge(memory, {{"node", node}, {"type", "used"}},
             static_cast<double>(s.usage->memory_used_bytes));
    families.push_back(std::move(memory));
  }

  prometheus::MetricFamily running = metrics::GaugeFamily(metrics::kNodeRunningJobs);
  AddGauge(running, {{"node", node}}, static_cast<double>(s.running_jobs));
  families.push_back(std::move(running));

  if (!s.gpus.empty()) {
    prometheus::MetricFamily allocated = metrics::GaugeFamily(metrics::kNodeGpuAllocated);
    prometheus::MetricFamily power = metrics::GaugeFamily(metrics::kNodeGpuPower);
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
  prometheus::MetricFamily energy = metrics::CounterFamily(metrics::kNodeEnergy);
  prometheus::MetricFamily sources = metrics::GaugeFamily(metrics::kNodeEnergySource);
  for (const Domain& d : domains) {
    const Labels labels = {{"domain", std::string(EnergyDomainName(d.domain))},
                           {"node", node},
                           {"source", std::string(EnergySourceName(d.source))}};
    AddCounter(energy, labels, Joules(d.microjoules));
    AddGauge(sources, labels, 1);
  }
  families.push_back(std::move(energy));
  prometheus::MetricFamily idle = metrics::CounterFamily(metrics::kNodeIdleEnergy);
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
