// Renders collectables (a registry, scrape-time collectors) in the Prometheus text format
// 0.0.4, for the daemon's own /metrics endpoint (one HTTP stack: no CivetWeb exposer).
#ifndef SHARC_METRICS_EXPOSITION_H_
#define SHARC_METRICS_EXPOSITION_H_

#include <prometheus/collectable.h>

#include <string>
#include <vector>

namespace sharc::metrics {

inline constexpr const char* kTextContentType = "text/plain; version=0.0.4; charset=utf-8";

// Families are emitted in the order given, each collectable's in its own order.
std::string RenderText(const std::vector<const prometheus::Collectable*>& sources);

}  // namespace sharc::metrics

#endif  // SHARC_METRICS_EXPOSITION_H_
