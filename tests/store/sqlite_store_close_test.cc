// The store's lifecycle: Close drains the queue, later commits fail with Unavailable, the
// destructor closes, and a done callback may commit again.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::OpenAt;
using testing::PendingJob;
using testing::TempDir;

constexpr int kQueued = 300;

// Commits kQueued one-job batches without waiting; counts the OK dones.
void CommitMany(Store& store, std::atomic<int>& ok_dones) {
  for (int i = 1; i <= kQueued; ++i) {
    store.Commit({PutJob{PendingJob(i)}}, [&ok_dones](Status status) {
      if (status.ok()) ++ok_dones;
    });
  }
}

size_t StoredJobs(const std::string& path) {
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return 0;
  StatusOr<StoredState> state = (*store)->Load();
  EXPECT_TRUE(state.ok()) << state.status().ToString();
  return state.ok() ? state->jobs.size() : 0;
}

TEST(SqliteStoreCloseTest, CloseCommitsEverythingQueued) {
  TempDir dir;
  std::atomic<int> ok_dones{0};
  StatusOr<std::unique_ptr<Store>> store = OpenAt(dir.File("sharc.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  CommitMany(**store, ok_dones);
  (*store)->Close();
  EXPECT_EQ(ok_dones.load(), kQueued);  // every done ran before Close returned
  store->reset();
  EXPECT_EQ(StoredJobs(dir.File("sharc.db")), static_cast<size_t>(kQueued));
}

TEST(SqliteStoreCloseTest, DestructorClosesAndDrains) {
  TempDir dir;
  std::atomic<int> ok_dones{0};
  {
    StatusOr<std::unique_ptr<Store>> store = OpenAt(dir.File("sharc.db"));
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    CommitMany(**store, ok_dones);
  }
  EXPECT_EQ(ok_dones.load(), kQueued);
  EXPECT_EQ(StoredJobs(dir.File("sharc.db")), static_cast<size_t>(kQueued));
}

TEST(SqliteStoreCloseTest, CommitAfterCloseFailsAtOnceWithUnavailable) {
  TempDir dir;
  StatusOr<std::unique_ptr<Store>> store = OpenAt(dir.File("sharc.db"));
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  (*store)->Close();
  (*store)->Close();  // idempotent
  bool called = false;
  Status result;
  std::thread::id caller = std::this_thread::get_id(), ran_on;
  (*store)->Commit({PutJob{PendingJob(1)}}, [&](Status status) {
    called = true;
    result = status;
    ran_on = std::this_thread::get_id();
  });
  ASSERT_TRUE(called);  // synchronously: there is no writer thread any more
  EXPECT_EQ(ran_on, caller);
  EXPECT_EQ(result.code(), StatusCode::kUnavailable);
  EXPECT_NE(result.message().find("closed"), std::string::npos) << result.message();
  EXPECT_EQ((*store)->Load().status().code(), StatusCode::kUnavailable);
  store->reset();
  EXPECT_EQ(StoredJobs(dir.File("sharc.db")), 0u);
}

TEST(SqliteStoreCloseTest, DoneMayCommitAgain) {
  TempDir dir;
  StatusOr<std::unique_ptr<Store>> opened = OpenAt(dir.File("sharc.db"));
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  Store& store = **opened;
  testing::Event second_done;
  Status second;
  store.Commit({PutJob{PendingJob(1)}}, [&](Status first) {
    EXPECT_TRUE(first.ok()) << first.ToString();
    // Runs on the writer thread, which must not hold the queue's lock here.
    store.Commit({PutJob{PendingJob(2)}}, [&](Status status) {
      second = status;
      second_done.Notify();
    });
  });
  ASSERT_TRUE(second_done.Wait());
  EXPECT_TRUE(second.ok()) << second.ToString();
  opened->reset();
  EXPECT_EQ(StoredJobs(dir.File("sharc.db")), 2u);
}

}  // namespace
}  // namespace sharc::store
