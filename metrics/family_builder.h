// Building prometheus-cpp metric families by hand, for the scrape-time collectors (the
// scheduler's ClusterCollector, the agent's NodeCollector): a family named from names.h, and
// gauge or counter samples added to it.
#ifndef SHARC_METRICS_FAMILY_BUILDER_H_
#define SHARC_METRICS_FAMILY_BUILDER_H_

#include <prometheus/client_metric.h>
#include <prometheus/metric_family.h>
#include <prometheus/metric_type.h>

#include <string>
#include <utility>
#include <vector>

#include "metrics/names.h"

namespace sharc::metrics {

using Labels = std::vector<prometheus::ClientMetric::Label>;

inline prometheus::MetricFamily GaugeFamily(const MetricName& name) {
  prometheus::MetricFamily family;
  family.name = std::string(name.name);
  family.help = std::string(name.help);
  family.type = prometheus::MetricType::Gauge;
  return family;
}

inline prometheus::MetricFamily CounterFamily(const MetricName& name) {
  prometheus::MetricFamily family = GaugeFamily(name);
  family.type = prometheus::MetricType::Counter;
  return family;
}

inline void AddGauge(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

inline void AddCounter(prometheus::MetricFamily& family, Labels labels, double value) {
  prometheus::ClientMetric metric;
  metric.label = std::move(labels);
  metric.counter.value = value;
  family.metric.push_back(std::move(metric));
}

}  // namespace sharc::metrics

#endif  // SHARC_METRICS_FAMILY_BUILDER_H_
