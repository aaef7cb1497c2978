// The scheduler's event-driven metrics (counters and histograms), registered once at start-up
// and held by reference. Thread-safe (prometheus-cpp metrics are).
#ifndef SHARC_METRICS_SCHEDULER_METRICS_H_
#define SHARC_METRICS_SCHEDULER_METRICS_H_

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include <chrono>
#include <string>
#include <string_view>

namespace sharc::metrics {

class SchedulerMetrics {
 public:
  // Registers the families in `registry`, which must outlive this object.
  explicit SchedulerMetrics(prometheus::Registry& registry);

  // result: "accepted", "invalid", "conflict" (an idempotency key reused for another request),
  // "over_limit", "unsatisfiable", "unavailable".
  void CountSubmissions(std::string_view tenant, std::string_view result, int64_t jobs);
  void ObserveCycle(std::chrono::nanoseconds duration);
  void ObserveCommit(std::chrono::nanoseconds duration);
  // One job's search for a node within a cycle.
  void ObservePlacement(std::chrono::nanoseconds duration);
  // How long a job attempt waited to start: since the submit, or since the requeue.
  void ObserveQueueWait(std::string_view tenant, std::chrono::milliseconds wait);
  void CountRejectedAgentMessage();
  // reason: "priority" or "reclaim".
  void CountPreemption(std::string_view tenant, std::string_view reason);
  void CountHttpResponse(int status);
  // A reason of kAuthFailures.
  void CountAuthFailure(std::string_view reason);
  // The wall clock jumped against the monotonic one (core/clock_jump.h).
  void CountClockJump();
  // A reason of kHttpRefused (net::HttpServerOptions::on_refused).
  void CountHttpRefused(std::string_view reason);

 private:
  prometheus::Family<prometheus::Counter>& submissions_;
  prometheus::Histogram& cycle_duration_;
  prometheus::Histogram& commit_duration_;
  prometheus::Histogram& placement_duration_;
  prometheus::Family<prometheus::Histogram>& queue_wait_;
  prometheus::Counter& agent_messages_rejected_;
  prometheus::Family<prometheus::Counter>& preemptions_;
  prometheus::Family<prometheus::Counter>& http_requests_;
  prometheus::Family<prometheus::Counter>& http_refused_;
  prometheus::Family<prometheus::Counter>& auth_failures_;
  prometheus::Counter& clock_jumps_;
};

}  // namespace sharc::metrics

#endif  // SHARC_METRICS_SCHEDULER_METRICS_H_
