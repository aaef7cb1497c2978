// The agent's own /metrics: node usage, GPUs, energy and job start latency, every series
// labelled with the node's name so dashboards can join them with the scheduler's.
//
// Node state is computed at scrape time from a snapshot (BuildNodeFamilies, pure); the job
// start latency is a histogram observed as jobs start (AgentMetrics). Names and help texts
// are in metrics/names.h.
#ifndef SHARC_AGENT_NODE_METRICS_H_
#define SHARC_AGENT_NODE_METRICS_H_

#include <prometheus/collectable.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include <chrono>
#include <functional>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "agent/energy/energy_meter.h"
#include "agent/node_usage.h"

namespace sharc::agent {

struct NodeMetricsSnapshot {
  std::string node;
  std::optional<NodeUsage> usage;  // absent until the first successful read of /proc
  int64_t running_jobs = 0;
  std::vector<int> gpus;         // every GPU of the node, by index
  std::set<int> gpus_allocated;  // those granted to running attempts
  NodeEnergy energy;
};

// Pure: the families for one snapshot. CPU seconds and memory appear once /proc was read;
// GPU series only on nodes with GPUs; the dram domain only when RAPL measures it. Energy
// counters start at 0 and only grow.
std::vector<prometheus::MetricFamily> BuildNodeFamilies(const NodeMetricsSnapshot& s);

class NodeCollector final : public prometheus::Collectable {
 public:
  // `snapshot` runs on the scraping thread: the agent serves /metrics on its io thread.
  explicit NodeCollector(std::function<NodeMetricsSnapshot()> snapshot)
      : snapshot_(std::move(snapshot)) {}
  std::vector<prometheus::MetricFamily> Collect() const override {
    return BuildNodeFamilies(snapshot_());
  }

 private:
  std::function<NodeMetricsSnapshot()> snapshot_;
};

// The agent's event-driven metrics, registered once. Thread-safe (prometheus-cpp's are).
class AgentMetrics {
 public:
  // Registers in `registry`, which must outlive this object.
  AgentMetrics(prometheus::Registry& registry, const std::string& node);
  void ObserveJobStart(std::chrono::nanoseconds duration);

 private:
  prometheus::Histogram& job_start_duration_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_NODE_METRICS_H_
