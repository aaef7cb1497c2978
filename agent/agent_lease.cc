#include "agent/agent_lease.h"

#include <cerrno>
#include <cstring>
#include <utility>

namespace sharc::agent {

std::string LeasePath(const std::string& state_dir) { return state_dir + "/lease"; }

StatusOr<AgentLease> AgentLease::Open(const std::string& state_dir) {
  const std::string path = LeasePath(state_dir);
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (fd < 0) {
    return InternalError("cannot open the agent's lease file '" + path +
                         "': " + std::strerror(errno));
  }
  return AgentLease(fd, ReadLeaseCounter(path.c_str()));
}

AgentLease::AgentLease(AgentLease&& other) noexcept
    : fd_(std::exchange(other.fd_, -1)),
      counter_(other.counter_),
      last_renewal_(other.last_renewal_) {}

AgentLease& AgentLease::operator=(AgentLease&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) close(fd_);
    fd_ = std::exchange(other.fd_, -1);
    counter_ = other.counter_;
    last_renewal_ = other.last_renewal_;
  }
  return *this;
}

AgentLease::~AgentLease() {
  if (fd_ >= 0) close(fd_);
}

void AgentLease::Renew() {
  const auto now = std::chrono::steady_clock::now();
  if (fd_ < 0 || now - last_renewal_ < std::chrono::milliseconds(50)) return;
  last_renewal_ = now;
  ++counter_;
  if (counter_ == 0) counter_ = 1;  // 0 is what an unreadable file reads as
  (void)pwrite(fd_, &counter_, sizeof(counter_), 0);
}

}  // namespace sharc::agent
