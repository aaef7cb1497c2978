// Samples the node's usage (/proc, node_usage.h) and energy (energy/energy_meter.h) together,
// and keeps the latest figures for heartbeats (protocol::NodeSample) and /metrics.
//
// The agent samples every energy.sample_interval, and AttemptRunner when attempts exit (once
// for the exits seen together) so their final reports carry their energy up to their end. A
// /proc read that fails is logged (once per distinct error) and the model then sees the CPUs
// as idle for that interval.
// Not thread-safe; the agent uses it from its io thread.
#ifndef SHARC_AGENT_USAGE_MONITOR_H_
#define SHARC_AGENT_USAGE_MONITOR_H_

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "agent/energy/energy_meter.h"
#include "agent/node_usage.h"
#include "core/clock.h"
#include "protocol/agent_messages.h"

namespace sharc::agent {

class UsageMonitor {
 public:
  // `agent_start_time` marks the start of the cumulative energy counters.
  UsageMonitor(std::unique_ptr<EnergyMeter> meter, NodeUsageSampler sampler,
               UnixMillis agent_start_time);

  // `now_ms`: a monotonic clock in milliseconds. `running`: every attempt running now.
  void Sample(int64_t now_ms, const std::vector<AttemptCpuTime>& running);

  // Energy attributed to the attempt since this monitor first saw it.
  AttemptEnergy attempt(const AttemptId& id) const { return meter_->attempt(id); }
  void Forget(const AttemptId& id) { meter_->Forget(id); }

  // The cumulative figures for a heartbeat; absent until one interval was measured.
  std::optional<protocol::NodeSample> LatestSample() const;
  const std::optional<NodeUsage>& usage() const { return usage_; }
  const NodeEnergy& energy() const { return meter_->node(); }

 private:
  std::unique_ptr<EnergyMeter> meter_;
  NodeUsageSampler sampler_;
  UnixMillis agent_start_time_;
  std::optional<NodeUsage> usage_;
  std::string last_error_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_USAGE_MONITOR_H_
