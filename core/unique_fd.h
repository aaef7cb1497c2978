// Owns one file descriptor: closes it when destroyed or reset; moves, never copies.
#ifndef SHARC_CORE_UNIQUE_FD_H_
#define SHARC_CORE_UNIQUE_FD_H_

#include <unistd.h>

#include <utility>

namespace sharc {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  UniqueFd(UniqueFd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  UniqueFd& operator=(UniqueFd&& other) noexcept {
    Reset(std::exchange(other.fd_, -1));
    return *this;
  }
  ~UniqueFd() { Reset(); }
  int get() const { return fd_; }
  int Release() { return std::exchange(fd_, -1); }
  void Reset(int fd = -1) {
    if (fd_ >= 0) close(fd_);
    fd_ = fd;
  }

 private:
  int fd_ = -1;
};

}  // namespace sharc

#endif  // SHARC_CORE_UNIQUE_FD_H_
