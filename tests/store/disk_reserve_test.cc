// A disk that fills up under the store: a real tmpfs, a real SQLite file, a real ENOSPC.
#include "store/disk_reserve.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <vector>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/tmpfs_mount.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::Event;
using testing::OpenAt;
using testing::PendingJob;

// A job whose record needs some room: 256 KiB of environment.
Job BigJob(int64_t id) {
  Job job = PendingJob(id);
  job.spec.env["PAD"] = std::string(256 << 10, 'p');
  return job;
}

class DiskReserveTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!disk_.ok()) GTEST_SKIP() << "mounting a tmpfs needs root";
    options_.path = disk_.File("sharc.db");
    options_.min_free_bytes = 1 << 20;
    options_.reserve_bytes = 2 << 20;
  }
  bool ReserveExists() const { return std::filesystem::exists(disk_.File("sharc.db.reserve")); }

  ::sharc::testing::TmpfsMount disk_{16 << 20};
  SqliteStoreOptions options_;
};

TEST_F(DiskReserveTest, AFullDiskRefusesChangesButTheReserveFinishesACommit) {
  StatusOr<std::unique_ptr<Store>> store = OpenAt(options_.path, options_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_TRUE((*store)->CheckRoom().ok());
  EXPECT_TRUE(ReserveExists());

  ASSERT_GT(disk_.Fill("filler"), 0);
  Status room = (*store)->CheckRoom();
  EXPECT_EQ(room.code(), StatusCode::kUnavailable);
  EXPECT_NE(room.message().find("the data directory " + disk_.path() + " has"), std::string::npos)
      << room.message();
  EXPECT_NE(room.message().find("store.min_free (1 MiB)"), std::string::npos) << room.message();

  // A change the scheduler cannot refuse still commits: the reserve is given up for it.
  ASSERT_TRUE(CommitAndWait(**store, {PutJob{BigJob(1)}}).ok());
  EXPECT_FALSE(ReserveExists());

  // Space comes back: changes are welcome again, and the reserve is taken again.
  ASSERT_EQ(::unlink(disk_.File("filler").c_str()), 0);
  EXPECT_TRUE((*store)->CheckRoom().ok());
  EXPECT_TRUE(ReserveExists());
  ASSERT_TRUE(CommitAndWait(**store, {PutJob{BigJob(2)}}).ok());
  (*store)->Close();

  StatusOr<std::unique_ptr<Store>> reopened = OpenAt(options_.path, options_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  StatusOr<StoredState> state = (*reopened)->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_EQ(state->jobs.size(), 2u);
  EXPECT_EQ(state->jobs[0].spec.env.at("PAD").size(), 256u << 10);
}

// A reserve the filesystem has no room for is not silently left out: the operator is told.
TEST_F(DiskReserveTest, AReserveThereIsNoRoomForIsLoggedNamingTheSetting) {
  options_.reserve_bytes = 64 << 20;  // more than the 16 MiB disk
  ::testing::internal::CaptureStderr();
  StatusOr<std::unique_ptr<Store>> store = OpenAt(options_.path, options_);
  const std::string log = ::testing::internal::GetCapturedStderr();
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_FALSE(ReserveExists());
  EXPECT_NE(
      log.find("store.reserve: could not set aside 64 MiB at " + disk_.File("sharc.db.reserve")),
      std::string::npos)
      << log;
  (*store)->Close();
}

TEST_F(DiskReserveTest, WithoutAReserveTheCommitFailsAndChangesNothing) {
  options_.reserve_bytes = 0;
  StatusOr<std::unique_ptr<Store>> store = OpenAt(options_.path, options_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(CommitAndWait(**store, {PutJob{PendingJob(1)}}).ok());
  ASSERT_GT(disk_.Fill("filler"), 0);
  Status failed = CommitAndWait(**store, {PutJob{BigJob(2)}});
  EXPECT_EQ(failed.code(), StatusCode::kUnavailable);
  EXPECT_NE(failed.message().find("full"), std::string::npos) << failed.message();
  (*store)->Close();
  ASSERT_EQ(::unlink(disk_.File("filler").c_str()), 0);
  StatusOr<std::unique_ptr<Store>> reopened = OpenAt(options_.path, options_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  StatusOr<StoredState> state = (*reopened)->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  ASSERT_EQ(state->jobs.size(), 1u);
  EXPECT_EQ(state->jobs[0].id.value, 1);
}

// The scheduler's own changes (a job that ended on its node) are already made in memory: a full
// disk with no reserve left holds them until space returns instead of failing them (which would
// end the scheduler), while the changes people ask for fail at once, having changed nothing.
TEST_F(DiskReserveTest, AChangeThatWaitsForSpaceIsHeldUntilSpaceReturnsAndKeepsItsPlace) {
  options_.reserve_bytes = 0;
  StatusOr<std::unique_ptr<Store>> store = OpenAt(options_.path, options_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_TRUE(CommitAndWait(**store, {PutJob{PendingJob(1)}}).ok());
  ASSERT_GT(disk_.Fill("filler"), 0);

  Event held_done;
  Status held_status = InternalError("not yet");
  (*store)->CommitWaitingForSpace({PutJob{BigJob(5)}}, [&](Status s) {
    held_status = s;
    held_done.Notify();
  });
  std::atomic<bool> second_done = false;
  (*store)->CommitWaitingForSpace({PutJob{BigJob(2)}}, [&](Status) { second_done = true; });
  // A change asked for meanwhile fails, and says why.
  Status refused = CommitAndWait(**store, {PutJob{PendingJob(3)}});
  EXPECT_EQ(refused.code(), StatusCode::kUnavailable);
  EXPECT_NE(refused.message().find("full"), std::string::npos) << refused.message();
  EXPECT_FALSE(second_done);

  ASSERT_EQ(::unlink(disk_.File("filler").c_str()), 0);
  ASSERT_TRUE(held_done.Wait());
  EXPECT_TRUE(held_status.ok()) << held_status.ToString();
  ASSERT_TRUE(CommitAndWait(**store, {PutJob{PendingJob(4)}}).ok());
  EXPECT_TRUE(second_done);  // written before job 4: the order of commits holds
  (*store)->Close();

  StatusOr<std::unique_ptr<Store>> reopened = OpenAt(options_.path, options_);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  StatusOr<StoredState> state = (*reopened)->Load();
  ASSERT_TRUE(state.ok()) << state.status().ToString();
  std::vector<int64_t> ids;
  for (const Job& job : state->jobs) ids.push_back(job.id.value);
  std::sort(ids.begin(), ids.end());
  EXPECT_EQ(ids, (std::vector<int64_t>{1, 2, 4, 5}));  // not 3, which was refused
}

TEST_F(DiskReserveTest, AHeldChangeFailsWhenTheStoreClosesBeforeSpaceReturns) {
  options_.reserve_bytes = 0;
  StatusOr<std::unique_ptr<Store>> store = OpenAt(options_.path, options_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_GT(disk_.Fill("filler"), 0);
  Event done;
  Status status;
  (*store)->CommitWaitingForSpace({PutJob{BigJob(1)}}, [&](Status s) {
    status = s;
    done.Notify();
  });
  (*store)->Close();
  ASSERT_TRUE(done.Wait());
  EXPECT_EQ(status.code(), StatusCode::kUnavailable) << status.ToString();
}

}  // namespace
}  // namespace sharc::store
