// The agent's lease on its node's running jobs. The agent rewrites a counter in
// <state_dir>/lease each time it hears from the scheduler; every job monitor reads it, and kills
// its job once the counter has stood still for fence_after (job_monitor.h). So a job outlives
// its agent's last word from the scheduler by at most fence_after (below node_timeout), whether
// the agent is cut off (it fences the jobs itself too), stopped or crashed: never long enough to
// run beside the attempt the scheduler requeues elsewhere once the node is DOWN. An agent back
// within fence_after renews the lease and its jobs run on.
//
// The file holds 8 bytes: a counter in the host's byte order. Only a change matters, so a torn
// read at worst counts as one renewal.
#ifndef SHARC_AGENT_AGENT_LEASE_H_
#define SHARC_AGENT_AGENT_LEASE_H_

#include <fcntl.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <string>

#include "core/status.h"
#include "core/unique_fd.h"

namespace sharc::agent {

std::string LeasePath(const std::string& state_dir);

class AgentLease {
 public:
  // Opens (creating, mode 0644, owned by the agent's user) the lease file; it keeps counting
  // from what the last agent process left there.
  static StatusOr<AgentLease> Open(const std::string& state_dir);

  // Counts one renewal (at most one per 50 ms; more say nothing new). Best effort: a write that
  // fails leaves the lease to run out, and the jobs to be fenced, as if the agent were gone.
  void Renew();

 private:
  AgentLease(UniqueFd fd, uint64_t counter) : fd_(std::move(fd)), counter_(counter) {}
  UniqueFd fd_;
  uint64_t counter_ = 0;
  std::chrono::steady_clock::time_point last_renewal_{};
};

// The monitor's side: the counter at `path`, or 0 if the file cannot be read. Async-signal-safe
// (open, pread, close), as all of the monitor is.
inline uint64_t ReadLeaseCounter(const char* path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return 0;
  uint64_t counter = 0;
  if (pread(fd, &counter, sizeof(counter), 0) != static_cast<ssize_t>(sizeof(counter))) counter = 0;
  close(fd);
  return counter;
}

}  // namespace sharc::agent

#endif  // SHARC_AGENT_AGENT_LEASE_H_
