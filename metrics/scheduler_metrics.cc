#include "metrics/scheduler_metrics.h"

#include "metrics/names.h"

namespace sharc::metrics {
namespace {

double Seconds(std::chrono::nanoseconds d) { return std::chrono::duration<double>(d).count(); }

}  // namespace

SchedulerMetrics::SchedulerMetrics(prometheus::Registry& registry)
    : submissions_(prometheus::BuildCounter()
                       .Name(std::string(kJobSubmissions.name))
                       .Help(std::string(kJobSubmissions.help))
                       .Register(registry)),
      cycle_duration_(prometheus::BuildHistogram()
                          .Name(std::string(kSchedulingCycleDuration.name))
                          .Help(std::string(kSchedulingCycleDuration.help))
                          .Register(registry)
                          .Add({}, LatencyBuckets())),
      commit_duration_(prometheus::BuildHistogram()
                           .Name(std::string(kStoreCommitDuration.name))
                           .Help(std::string(kStoreCommitDuration.help))
                           .Register(registry)
                           .Add({}, LatencyBuckets())),
      placement_duration_(prometheus::BuildHistogram()
                              .Name(std::string(kPlacementDuration.name))
                              .Help(std::string(kPlacementDuration.help))
                              .Register(registry)
                              .Add({}, LatencyBuckets())),
      queue_wait_(prometheus::BuildHistogram()
                      .Name(std::string(kQueueWait.name))
                      .Help(std::string(kQueueWait.help))
                      .Register(registry)),
      agent_messages_rejected_(prometheus::BuildCounter()
                                   .Name(std::string(kAgentMessagesRejected.name))
                                   .Help(std::string(kAgentMessagesRejected.help))
                                   .Register(registry)
                                   .Add({})),
      preemptions_(prometheus::BuildCounter()
                       .Name(std::string(kPreemptions.name))
                       .Help(std::string(kPreemptions.help))
                       .Register(registry)),
      http_requests_(prometheus::BuildCounter()
                         .Name(std::string(kRestRequests.name))
                         .Help(std::string(kRestRequests.help))
                         .Register(registry)),
      http_refused_(prometheus::BuildCounter()
                        .Name(std::string(kHttpRefused.name))
                        .Help(std::string(kHttpRefused.help))
                        .Register(registry)),
      auth_failures_(prometheus::BuildCounter()
                         .Name(std::string(kAuthFailures.name))
                         .Help(std::string(kAuthFailures.help))
                         .Register(registry)),
      clock_jumps_(prometheus::BuildCounter()
                       .Name(std::string(kClockJumps.name))
                       .Help(std::string(kClockJumps.help))
                       .Register(registry)
                       .Add({})) {}

void SchedulerMetrics::CountSubmissions(std::string_view tenant, std::string_view result,
                                        int64_t jobs) {
  submissions_.Add({{"tenant", std::string(tenant)}, {"result", std::string(result)}})
      .Increment(static_cast<double>(jobs));
}

void SchedulerMetrics::ObserveCycle(std::chrono::nanoseconds d) {
  cycle_duration_.Observe(Seconds(d));
}

void SchedulerMetrics::ObserveCommit(std::chrono::nanoseconds d) {
  commit_duration_.Observe(Seconds(d));
}

void SchedulerMetrics::ObservePlacement(std::chrono::nanoseconds d) {
  placement_duration_.Observe(Seconds(d));
}

void SchedulerMetrics::ObserveQueueWait(std::string_view tenant, std::chrono::milliseconds wait) {
  queue_wait_.Add({{"tenant", std::string(tenant)}}, QueueWaitBuckets()).Observe(Seconds(wait));
}

void SchedulerMetrics::CountRejectedAgentMessage() { agent_messages_rejected_.Increment(); }

void SchedulerMetrics::CountPreemption(std::string_view tenant, std::string_view reason) {
  preemptions_.Add({{"tenant", std::string(tenant)}, {"reason", std::string(reason)}}).Increment();
}

void SchedulerMetrics::CountHttpRefused(std::string_view reason) {
  http_refused_.Add({{"reason", std::string(reason)}}).Increment();
}

void SchedulerMetrics::CountClockJump() { clock_jumps_.Increment(); }

void SchedulerMetrics::CountAuthFailure(std::string_view reason) {
  auth_failures_.Add({{"reason", std::string(reason)}}).Increment();
}

void SchedulerMetrics::CountHttpResponse(int status) {
  std::string code_class = std::to_string(status / 100) + "xx";
  http_requests_.Add({{"code", code_class}}).Increment();
}

}  // namespace sharc::metrics
