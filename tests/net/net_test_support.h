// Test helpers for tests/net: an io_context on its own thread, a blocking queue for events
// that arrive on it, and a raw POSIX client socket for sending bytes no HTTP library would.
#ifndef SHARC_TESTS_NET_NET_TEST_SUPPORT_H_
#define SHARC_TESTS_NET_NET_TEST_SUPPORT_H_

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <future>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>

namespace sharc::net::testing {

// How long a test waits for an event that should come promptly.
inline constexpr std::chrono::seconds kEventTimeout{10};

// An io_context run by one thread, as a daemon runs it. Join() (or the destructor) stops it.
class IoThread {
 public:
  IoThread();
  ~IoThread();

  boost::asio::io_context& io() { return io_; }

  // Runs `task` on the io thread and waits for its result.
  template <typename Task>
  auto Run(Task task) -> std::invoke_result_t<Task&> {
    std::packaged_task<std::invoke_result_t<Task&>()> packaged(std::move(task));
    auto result = packaged.get_future();
    boost::asio::post(io_, [&packaged] { packaged(); });
    return result.get();
  }

  // Lets every handler queued so far run (two round trips through the queue).
  void Flush() {
    Run([] {});
    Run([] {});
  }

  void Join();

 private:
  boost::asio::io_context io_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// A queue that io-thread callbacks push to and the test thread pops from with a deadline.
template <typename T>
class BlockingQueue {
 public:
  void Push(T value) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(value));
    ready_.notify_all();
  }

  // The oldest item, or nullopt if none arrives within `timeout`.
  std::optional<T> Pop(std::chrono::milliseconds timeout = kEventTimeout) {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, timeout, [this] { return !items_.empty(); })) return std::nullopt;
    T value = std::move(items_.front());
    items_.pop_front();
    return value;
  }

  size_t size() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }

 private:
  mutable std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<T> items_;
};

// A blocking TCP client on a plain socket, for raw HTTP bytes. Every read has a deadline.
class RawClient {
 public:
  // Connects to 127.0.0.1:port from `source` (another loopback address poses as another
  // peer); check connected().
  explicit RawClient(uint16_t port, const char* source = "127.0.0.1");
  ~RawClient();
  RawClient(const RawClient&) = delete;
  RawClient& operator=(const RawClient&) = delete;

  bool connected() const { return fd_ >= 0; }
  bool Send(std::string_view bytes);
  // Reads until `marker` has been seen (true), or EOF/timeout (false). All bytes read so far
  // are in received().
  bool ReadUntil(std::string_view marker, std::chrono::milliseconds timeout = kEventTimeout);
  // Reads until the server closes the connection (true) or the timeout passes (false).
  bool ReadUntilClosed(std::chrono::milliseconds timeout = kEventTimeout);
  const std::string& received() const { return received_; }
  void Close();

 private:
  // One read of whatever is available: >0 bytes, 0 on EOF, -1 on timeout or error.
  long ReadSome(std::chrono::steady_clock::time_point deadline);

  int fd_ = -1;
  std::string received_;
};

}  // namespace sharc::net::testing

#endif  // SHARC_TESTS_NET_NET_TEST_SUPPORT_H_
