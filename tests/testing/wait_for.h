// Polls a condition until it holds or a deadline passes: how tests wait for another process
// without sleeping for a fixed time.
#ifndef SHARC_TESTS_TESTING_WAIT_FOR_H_
#define SHARC_TESTS_TESTING_WAIT_FOR_H_

#include <chrono>
#include <functional>
#include <thread>

namespace sharc::testing {

// True as soon as `condition` returns true; false if it still does not at the deadline.
inline bool WaitFor(const std::function<bool()>& condition,
                    std::chrono::milliseconds timeout = std::chrono::seconds(20),
                    std::chrono::milliseconds poll = std::chrono::milliseconds(10)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(poll);
  }
}

}  // namespace sharc::testing

#endif  // SHARC_TESTS_TESTING_WAIT_FOR_H_
