// The identity cache against real files: a counting resolver with a watched temporary file,
// and (as root) this machine's own /etc/passwd changed by useradd and usermod.
#include "agent/identity_cache.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using Identity = LaunchSpec::Identity;
using testing::TempDir;
using testing::WriteTextFile;

class IdentityCacheTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    WriteTextFile(passwd_, "acme:x:4000:4000::/nonexistent:/usr/sbin/nologin\n");
  }

  // Counts lookups; answers uid `next_uid_` (or fails when `fail_` is set).
  IdentityCache MakeCache() {
    IdentityCacheOptions options;
    options.watched_files = {passwd_, dir_.File("group-that-does-not-exist")};
    options.max_age = std::chrono::seconds(60);
    return IdentityCache(
        [this](const std::string&) -> StatusOr<std::optional<Identity>> {
          ++lookups_;
          if (fail_) return FailedPreconditionError("no user");
          return std::optional<Identity>(Identity{next_uid_, 4000, {4000}});
        },
        clock_, options);
  }

  uid_t UidOf(IdentityCache& cache) {
    StatusOr<std::optional<Identity>> identity = cache.Resolve("acme");
    EXPECT_TRUE(identity.ok()) << identity.status().ToString();
    return identity.ok() && identity->has_value() ? (*identity)->uid : 0;
  }

  TempDir dir_;
  const std::string passwd_ = dir_.File("passwd");
  FakeClock clock_;
  int lookups_ = 0;
  uid_t next_uid_ = 4000;
  bool fail_ = false;
};

TEST_F(IdentityCacheTest, ReusesAnAnswerWhileTheFilesAreUnchanged) {
  IdentityCache cache = MakeCache();
  EXPECT_EQ(UidOf(cache), 4000u);
  next_uid_ = 4001;
  EXPECT_EQ(UidOf(cache), 4000u);
  clock_.Advance(std::chrono::seconds(59));
  EXPECT_EQ(UidOf(cache), 4000u);
  EXPECT_EQ(lookups_, 1);
}

TEST_F(IdentityCacheTest, LooksUpAgainWhenAWatchedFileIsReplaced) {
  IdentityCache cache = MakeCache();
  EXPECT_EQ(UidOf(cache), 4000u);
  next_uid_ = 4001;
  // As useradd and vipw do: a new file renamed over the old one (same size here).
  WriteTextFile(passwd_ + ".new", "acme:x:4001:4000::/nonexistent:/usr/sbin/nologin\n");
  ASSERT_EQ(std::rename((passwd_ + ".new").c_str(), passwd_.c_str()), 0);
  EXPECT_EQ(UidOf(cache), 4001u);
  EXPECT_EQ(lookups_, 2);
}

TEST_F(IdentityCacheTest, LooksUpAgainWhenAWatchedFileIsRewrittenInPlace) {
  IdentityCache cache = MakeCache();
  EXPECT_EQ(UidOf(cache), 4000u);
  next_uid_ = 4002;
  WriteTextFile(passwd_, "acme:x:4002:4000::/nonexistent:/usr/sbin/nologin\nbeta:x:1:1::/:/\n");
  EXPECT_EQ(UidOf(cache), 4002u);
  EXPECT_EQ(lookups_, 2);
}

TEST_F(IdentityCacheTest, LooksUpAgainWhenAWatchedFileAppears) {
  IdentityCache cache = MakeCache();
  EXPECT_EQ(UidOf(cache), 4000u);
  WriteTextFile(dir_.File("group-that-does-not-exist"), "acme:x:4000:\n");
  EXPECT_EQ(UidOf(cache), 4000u);
  EXPECT_EQ(lookups_, 2);
}

TEST_F(IdentityCacheTest, AnAnswerExpires) {
  IdentityCache cache = MakeCache();
  EXPECT_EQ(UidOf(cache), 4000u);
  next_uid_ = 4003;
  clock_.Advance(std::chrono::seconds(60));
  EXPECT_EQ(UidOf(cache), 4003u);
  EXPECT_EQ(lookups_, 2);
}

TEST_F(IdentityCacheTest, ErrorsAreNotRemembered) {
  IdentityCache cache = MakeCache();
  fail_ = true;
  EXPECT_EQ(cache.Resolve("acme").status().code(), StatusCode::kFailedPrecondition);
  fail_ = false;
  EXPECT_EQ(UidOf(cache), 4000u);
  EXPECT_EQ(UidOf(cache), 4000u);
  EXPECT_EQ(lookups_, 2);
}

// The real user database: a user created for the tenant, then given another uid by usermod,
// is seen with its new uid at the next launch.
TEST(IdentityCacheSystemTest, SeesUsermodThroughTheRealPasswdFile) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root to create and change a user";
  const std::string tenant = "c" + std::to_string(getpid());
  const std::string user = "sharc-" + tenant;
  ASSERT_EQ(getpwnam(user.c_str()), nullptr) << user << " exists before the test";
  IdentityPolicy policy;
  policy.create_users = true;
  FakeClock clock;
  IdentityCache cache(policy, clock);
  StatusOr<std::optional<Identity>> before = cache.Resolve(tenant);
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  ASSERT_TRUE(before->has_value());
  uid_t new_uid = (*before)->uid + 7;
  while (getpwuid(new_uid) != nullptr) ++new_uid;
  const std::string usermod = "usermod -u " + std::to_string(new_uid) + " " + user;
  int changed = std::system(usermod.c_str());
  StatusOr<std::optional<Identity>> after = cache.Resolve(tenant);
  std::system(("userdel " + user).c_str());
  ASSERT_EQ(changed, 0) << usermod;
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_TRUE(after->has_value());
  EXPECT_EQ((*after)->uid, new_uid);
}

}  // namespace
}  // namespace sharc::agent
