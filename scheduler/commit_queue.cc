#include "scheduler/commit_queue.h"

#include <unistd.h>

#include "core/log.h"

namespace sharc::scheduler {

void CommitQueue::CommitOrDie(std::vector<store::Mutation> batch, std::function<void()> then) {
  for (store::Mutation& m : batch) outbox_.push_back(std::move(m));
  actions_.push_back(std::move(then));
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  post_([this] { Flush(); });
}

void CommitQueue::Flush() {
  flush_scheduled_ = false;
  std::vector<std::function<void()>> actions = std::move(actions_);
  actions_.clear();
  store_.CommitWaitingForSpace(
      std::move(outbox_), [post = post_, actions = std::move(actions)](Status status) mutable {
        if (!status.ok()) {
          LogError("scheduler", "could not persist a state change (" + status.ToString() +
                                    "); exiting so that a restart reloads the durable "
                                    "state");
          ::_exit(75);
        }
        post([actions = std::move(actions)] {
          for (const auto& action : actions) action();
        });
      });
  outbox_.clear();
}

}  // namespace sharc::scheduler
