// What every part of the scheduler shares: its options, its injected dependencies, the state,
// the commit queue, and the two links between parts that would otherwise know each other
// (sending to agents, asking for a cycle). Built once by Scheduler; everything here lives on the
// state thread.
#ifndef SHARC_SCHEDULER_SCHEDULER_CONTEXT_H_
#define SHARC_SCHEDULER_SCHEDULER_CONTEXT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "core/clock.h"
#include "core/credit.h"
#include "metrics/scheduler_metrics.h"
#include "protocol/agent_messages.h"
#include "scheduler/cluster_state.h"
#include "scheduler/commit_queue.h"
#include "scheduler/efficiency_report.h"
#include "scheduler/scheduling_config.h"
#include "scheduler/tenants_file.h"
#include "store/store.h"

namespace sharc::scheduler {

struct SchedulerOptions {
  std::chrono::milliseconds heartbeat_interval{1000};
  std::chrono::milliseconds node_timeout{30000};
  int64_t default_memory_per_cpu = int64_t{1} << 30;
  std::chrono::seconds default_time_limit{3600};
  std::chrono::seconds max_time_limit{7 * 24 * 3600};
  std::chrono::milliseconds output_timeout{10000};
  // Agents kill their running attempts after this long without hearing from the scheduler
  // (0 = never); must stay below node_timeout so that no attempt outlives its requeue.
  std::chrono::milliseconds fence_after{15000};
  // A job is requeued after a node failure while it has had fewer attempts than this.
  int32_t max_attempts = 5;
  // Finished jobs leave memory this long after they ended, or sooner when more than
  // max_finished_in_memory are held; their records stay in the store.
  std::chrono::milliseconds retention{3600 * 1000};
  size_t max_finished_in_memory = 100000;
  PriceList prices;               // all zero: credit is not enforced
  TenantsFile tenants_file;       // admins, and tenants the file declares (the file wins)
  bool check_invariants = false;  // after every cycle and commit; abort on a violation
  EfficiencySettings efficiency;  // PUE and grid carbon intensity, for reports and metrics
  SchedulingConfig scheduling;    // profile, priority classes, fair share, cycle pacing
};

struct SchedulerDeps {
  const Clock* clock = nullptr;
  store::Store* store = nullptr;
  // Runs a task on the state thread; thread-safe.
  std::function<void(std::function<void()>)> post;
  // Runs a task on the state thread after a delay (the paced full cycle); state thread only.
  std::function<void(std::chrono::milliseconds, std::function<void()>)> post_after;
  // Runs a task off the state thread (heavy report reads); thread-safe. The task posts its
  // result back with `post`.
  std::function<void(std::function<void()>)> run_in_background;
  metrics::SchedulerMetrics* metrics = nullptr;  // may be null
};

// Sending to agents, implemented by NodeSessions.
class AgentLink {
 public:
  virtual ~AgentLink() = default;
  // Sends `message` to `node` if it is connected; nothing otherwise.
  virtual void Send(const std::string& node, const protocol::SchedulerMessage& message) = 0;
};

// Asking for a scheduling cycle, implemented by CycleRunner.
class CycleLink {
 public:
  virtual ~CycleLink() = default;
  // Coalesced: many requests before the cycle runs make one cycle. Something changed that may
  // let waiting jobs start (resources freed, a limit raised).
  virtual void RequestCycle() = 0;
  // A new job was queued: the next cycle looks at it (if nothing else changed, only at the new
  // jobs: every older one already found no room with at least as much as there is now).
  virtual void Arrived(JobId job) = 0;
};

struct SchedulerContext {
  const SchedulerOptions& options;
  const SchedulerDeps& deps;
  ClusterState& state;
  CommitQueue& commits;
  AgentLink& agents;
  CycleLink& cycles;

  UnixMillis Now() const { return deps.clock->WallMillis(); }
  SteadyTime SteadyNow() const { return deps.clock->SteadyNow(); }
};

// How an asynchronous operation hands its result back (on the state thread).
template <typename T>
using Reply = std::function<void(StatusOr<T>)>;

// Runs `work` off the state thread (store reads) and delivers its result with `done` on the
// state thread.
template <typename T>
void InBackground(const SchedulerContext& context, std::function<StatusOr<T>()> work,
                  Reply<T> done) {
  auto post = context.deps.post;
  context.deps.run_in_background([post, work = std::move(work), done = std::move(done)]() mutable {
    StatusOr<T> result = work();
    post([result = std::move(result), done = std::move(done)]() mutable {
      done(std::move(result));
    });
  });
}

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_SCHEDULER_CONTEXT_H_
