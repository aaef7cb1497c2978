#include "agent/usage_monitor.h"

#include "core/log.h"

namespace sharc::agent {

UsageMonitor::UsageMonitor(std::unique_ptr<EnergyMeter> meter, NodeUsageSampler sampler,
                           UnixMillis agent_start_time)
    : meter_(std::move(meter)), sampler_(std::move(sampler)), agent_start_time_(agent_start_time) {}

void UsageMonitor::Sample(int64_t now_ms, const std::vector<AttemptCpuTime>& running) {
  std::optional<int64_t> busy_permille;
  if (StatusOr<NodeUsage> usage = sampler_.Sample(); usage.ok()) {
    usage_ = *usage;
    busy_permille = usage->cpu_busy_permille;
    last_error_.clear();
  } else if (usage.status().message() != last_error_) {
    last_error_ = usage.status().message();
    LogWarning("agent", "node usage: " + last_error_);
  }
  meter_->Sample(now_ms, busy_permille, running);
}

std::optional<protocol::NodeSample> UsageMonitor::LatestSample() const {
  const NodeEnergy& energy = meter_->node();
  if (!energy.measured) return std::nullopt;
  protocol::NodeSample sample;
  sample.agent_start_time = agent_start_time_;
  if (usage_) {
    sample.cpu_used_millis = usage_->cpu_used_millis.value_or(0);
    sample.memory_used_bytes = usage_->memory_used_bytes;
  }
  sample.cpu_energy_uj = energy.package_uj + energy.dram_uj;
  sample.gpu_energy_uj = energy.gpu_uj;
  sample.idle_energy_uj = energy.idle_uj;
  sample.cpu_energy_source = std::string(EnergySourceName(energy.cpu_source));
  if (energy.gpu_source)
    sample.gpu_energy_source = std::string(EnergySourceName(*energy.gpu_source));
  return sample;
}

}  // namespace sharc::agent
