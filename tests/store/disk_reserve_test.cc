// A disk that fills up under the store: a real tmpfs, a real SQLite file, a real ENOSPC.
#include "store/disk_reserve.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"
#include "tests/testing/tmpfs_mount.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
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

}  // namespace
}  // namespace sharc::store
