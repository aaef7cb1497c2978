#include "agent/agent_lease.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace sharc::agent {

std::string LeasePath(const std::string& state_dir) { return state_dir + "/lease"; }

StatusOr<AgentLease> AgentLease::Open(const std::string& state_dir) {
  const std::string path = LeasePath(state_dir);
  UniqueFd fd(open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644));
  if (fd.get() < 0) {
    return InternalError("cannot open the agent's lease file '" + path +
                         "': " + std::strerror(errno));
  }
  uint64_t counter = 0;  // what the last agent process left, if anything
  if (pread(fd.get(), &counter, sizeof(counter), 0) != static_cast<ssize_t>(sizeof(counter))) {
    counter = 0;
  }
  return AgentLease(std::move(fd), counter);
}

void AgentLease::Renew() {
  const auto now = std::chrono::steady_clock::now();
  if (fd_.get() < 0 || now - last_renewal_ < std::chrono::milliseconds(50)) return;
  last_renewal_ = now;
  ++counter_;
  if (counter_ == 0) counter_ = 1;  // 0 is what an unreadable file reads as
  (void)pwrite(fd_.get(), &counter_, sizeof(counter_), 0);
}

}  // namespace sharc::agent
