// Durability across kill -9: a child process commits jobs one by one and reports each id on a
// pipe once its done ran; the parent kills it mid-stream and finds every reported id stored.
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <set>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::OpenAt;
using testing::TempDir;

constexpr int kAcksBeforeKill = 100;

// The child: commits job 1, 2, 3, ... (each with ReserveJobIds), one at a time, and writes
// each id to `ack_fd` from its done. Never returns; ends when killed or when the pipe breaks.
[[noreturn]] void CommitUntilKilled(const std::string& path, int ack_fd) {
  signal(SIGPIPE, SIG_DFL);
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  if (!store.ok()) _exit(2);
  std::mutex mu;
  std::condition_variable cv;
  int64_t acknowledged = 0;
  for (int64_t id = 1;; ++id) {
    (*store)->Commit({PutJob{testing::FullJob(id)}, ReserveJobIds{id + 1}}, [&, id](Status status) {
      if (!status.ok()) _exit(3);
      if (write(ack_fd, &id, sizeof id) != sizeof id) _exit(4);
      std::lock_guard lock(mu);
      acknowledged = id;
      cv.notify_one();
    });
    std::unique_lock lock(mu);
    cv.wait(lock, [&] { return acknowledged == id; });
  }
}

// Reads one 8-byte id, waiting up to `deadline`; false at end of stream or on timeout.
bool ReadAck(int fd, std::chrono::steady_clock::time_point deadline, int64_t* id) {
  size_t got = 0;
  char* out = reinterpret_cast<char*>(id);
  while (got < sizeof *id) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd p{fd, POLLIN, 0};
    if (left.count() <= 0 || poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
    ssize_t n = read(fd, out + got, sizeof *id - got);
    if (n <= 0) return false;
    got += static_cast<size_t>(n);
  }
  return true;
}

TEST(SqliteStoreCrashTest, EveryAcknowledgedCommitSurvivesKill9) {
  TempDir dir;
  const std::string path = dir.File("sharc.db");
  int fds[2];
  ASSERT_EQ(pipe(fds), 0);
  // Fork before this process starts any thread.
  pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    close(fds[0]);
    CommitUntilKilled(path, fds[1]);
  }
  close(fds[1]);

  std::set<int64_t> acked;
  const auto deadline = std::chrono::steady_clock::now() + testing::kDeadline;
  int64_t id = 0;
  while (acked.size() < kAcksBeforeKill && ReadAck(fds[0], deadline, &id)) acked.insert(id);
  kill(child, SIGKILL);
  int wait_status = 0;
  ASSERT_EQ(waitpid(child, &wait_status, 0), child);
  // Acks written before the kill are acknowledged too.
  while (ReadAck(fds[0], deadline, &id)) acked.insert(id);
  close(fds[0]);
  ASSERT_TRUE(WIFSIGNALED(wait_status) && WTERMSIG(wait_status) == SIGKILL)
      << "the child ended on its own (status " << wait_status << ") after " << acked.size()
      << " acks";
  ASSERT_GE(acked.size(), static_cast<size_t>(kAcksBeforeKill));

  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  StatusOr<StoredState> state = (*store)->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  std::set<int64_t> stored;
  for (const Job& job : state->jobs) {
    stored.insert(job.id.value);
    EXPECT_EQ(job, testing::FullJob(job.id.value));
  }
  for (int64_t acknowledged : acked) {
    EXPECT_TRUE(stored.count(acknowledged)) << "acknowledged job " << acknowledged << " lost";
  }
  // Acks came in order: the stored jobs are a prefix 1..n, n >= the last ack.
  EXPECT_EQ(*acked.rbegin(), static_cast<int64_t>(acked.size()));
  EXPECT_EQ(*stored.rbegin(), static_cast<int64_t>(stored.size()));
  EXPECT_GT(state->next_job_id, *acked.rbegin());
}

}  // namespace
}  // namespace sharc::store
