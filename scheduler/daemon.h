// Wires the scheduler daemon together: the store, the policies, the Scheduler core, the REST
// API, the agent hub, /metrics, and the HTTP server, all on one io_context run by one thread.
#ifndef SHARC_SCHEDULER_DAEMON_H_
#define SHARC_SCHEDULER_DAEMON_H_

#include <cstdint>
#include <memory>

#include "core/status.h"
#include "scheduler/config.h"
#include "scheduler/startup_files.h"

namespace sharc::scheduler {

class SchedulerDaemon {
 public:
  // Opens the data directory and store, restores state with `files` (CheckStartupFiles), and
  // binds the listening socket. Every failure is a message naming what to fix.
  static StatusOr<std::unique_ptr<SchedulerDaemon>> Start(const SchedulerConfig& config,
                                                          StartupFiles files);
  ~SchedulerDaemon();

  uint16_t port() const;

  // Serves until SIGINT/SIGTERM or Stop(); then shuts down cleanly (queued commits finish).
  void Run();
  // Thread-safe.
  void Stop();

 private:
  class Impl;
  explicit SchedulerDaemon(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_DAEMON_H_
