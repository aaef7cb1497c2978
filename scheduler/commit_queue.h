// The scheduler's commits: every change queued during one pass of the event loop (a job's end,
// the cycle it triggers, a cancel) shares one transaction, and the actions waiting on them run
// in order on the state thread once it is durable. A full disk holds the commit (and the ones
// after it) until space comes back (Store::CommitWaitingForSpace): the scheduler stays up and
// serves reads meanwhile. Any other failed commit of a change the scheduler already made in
// memory is fatal: the process exits (code 75) and a restart reloads the durable state, so
// nothing is ever acted on that is not durable.
#ifndef SHARC_SCHEDULER_COMMIT_QUEUE_H_
#define SHARC_SCHEDULER_COMMIT_QUEUE_H_

#include <functional>
#include <vector>

#include "store/store.h"

namespace sharc::scheduler {

class CommitQueue {
 public:
  // `post` runs a task on the state thread (thread-safe).
  CommitQueue(store::Store& store, std::function<void(std::function<void()>)> post)
      : store_(store), post_(std::move(post)) {}

  // Queues `batch` for the next commit; runs `then` on the state thread once it is durable.
  void CommitOrDie(std::vector<store::Mutation> batch, std::function<void()> then);

 private:
  void Flush();

  store::Store& store_;
  std::function<void(std::function<void()>)> post_;
  std::vector<store::Mutation> outbox_;
  std::vector<std::function<void()>> actions_;
  bool flush_scheduled_ = false;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_COMMIT_QUEUE_H_
