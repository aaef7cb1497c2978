// Resolves identities against this machine's real user database; creating a user needs root.
#include "agent/identity.h"

#include <gtest/gtest.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <string>

namespace sharc::agent {
namespace {

bool IsRoot() { return geteuid() == 0; }

// The real "nobody" (uid 65534 on Debian), looked up rather than assumed.
std::optional<LaunchSpec::Identity> Nobody() {
  struct passwd* entry = getpwnam("nobody");
  if (entry == nullptr) return std::nullopt;
  return LaunchSpec::Identity{entry->pw_uid, entry->pw_gid, {}};
}

// Runs as if the agent were root (the identity is only computed here, never assumed), so
// only creating a user needs real root.
class ResolveIdentityTest : public ::testing::Test {
 protected:
  void SetUp() override { host_.is_root = true; }
  void TearDown() override {
    if (getpwnam(user_.c_str()) != nullptr) {
      std::string command = "userdel " + user_;  // also removes its user group
      EXPECT_EQ(std::system(command.c_str()), 0) << command;
    }
  }

  StatusOr<std::optional<LaunchSpec::Identity>> Resolve(const std::string& tenant) {
    return ResolveIdentity(policy_, tenant, host_);
  }

  // A tenant name no other test run uses, and its default user name.
  const std::string tenant_ = "t" + std::to_string(getpid());
  const std::string user_ = "sharc-" + tenant_;
  IdentityPolicy policy_;
  IdentityHost host_;
};

TEST_F(ResolveIdentityTest, MapsATenantToAnExistingUser) {
  std::optional<LaunchSpec::Identity> nobody = Nobody();
  if (!nobody.has_value()) GTEST_SKIP() << "this machine has no user 'nobody'";
  policy_.users["acme"] = "nobody";
  auto identity = Resolve("acme");
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  ASSERT_TRUE(identity->has_value());
  EXPECT_EQ((*identity)->uid, nobody->uid);
  EXPECT_EQ((*identity)->gid, nobody->gid);
  // getgrouplist includes the primary group.
  const std::vector<gid_t>& groups = (*identity)->groups;
  EXPECT_NE(std::find(groups.begin(), groups.end(), nobody->gid), groups.end());
}

TEST_F(ResolveIdentityTest, MapsATenantToNumericIds) {
  policy_.users["acme"] = "4000:4001";
  auto identity = Resolve("acme");
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  ASSERT_TRUE(identity->has_value());
  EXPECT_EQ((*identity)->uid, 4000u);
  EXPECT_EQ((*identity)->gid, 4001u);
  EXPECT_EQ((*identity)->groups, std::vector<gid_t>{4001});
}

TEST_F(ResolveIdentityTest, RejectsMalformedNumericIds) {
  for (const char* bad : {"4000:", ":4001", "4000:x", "-1:5", "1:2:3", "4294967295:1"}) {
    policy_.users["acme"] = bad;
    auto identity = Resolve("acme");
    EXPECT_EQ(identity.status().code(), StatusCode::kInvalidArgument) << bad;
    EXPECT_NE(identity.status().message().find("<uid>:<gid>"), std::string::npos)
        << identity.status().message();
  }
}

TEST_F(ResolveIdentityTest, AnUnknownMappedUserIsAClearError) {
  policy_.users["acme"] = "sharc-no-such-user";
  auto identity = Resolve("acme");
  EXPECT_EQ(identity.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(identity.status().message(),
            "identities.users maps tenant acme to user 'sharc-no-such-user', which does not "
            "exist on this node");
}

TEST_F(ResolveIdentityTest, ATenantWithoutAUserIsAClearError) {
  auto identity = Resolve(tenant_);
  EXPECT_EQ(identity.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(identity.status().message(),
            "no user for tenant " + tenant_ +
                " on this node: map it in identities.users or set identities.create_users");
}

TEST_F(ResolveIdentityTest, RefusesRootUnlessTheTenantIsAllowed) {
  policy_.users["acme"] = "root";
  policy_.users["ops"] = "0:0";
  for (const char* tenant : {"acme", "ops"}) {
    auto identity = Resolve(tenant);
    EXPECT_EQ(identity.status().code(), StatusCode::kPermissionDenied) << tenant;
    EXPECT_NE(identity.status().message().find("identities.allow_root"), std::string::npos);
  }
  policy_.allow_root = {"acme"};
  auto identity = Resolve("acme");
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  ASSERT_TRUE(identity->has_value());
  EXPECT_EQ((*identity)->uid, 0u);
  EXPECT_EQ(Resolve("ops").status().code(), StatusCode::kPermissionDenied);
}

TEST_F(ResolveIdentityTest, CreatesTheTenantsUserWhenAllowed) {
  if (!IsRoot()) GTEST_SKIP() << "needs root to create a user";
  ASSERT_EQ(getpwnam(user_.c_str()), nullptr) << user_ << " exists before the test";
  policy_.create_users = true;
  auto identity = Resolve(tenant_);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  ASSERT_TRUE(identity->has_value());
  struct passwd* entry = getpwnam(user_.c_str());
  ASSERT_NE(entry, nullptr) << user_ << " was not created";
  EXPECT_EQ((*identity)->uid, entry->pw_uid);
  EXPECT_EQ((*identity)->gid, entry->pw_gid);
  EXPECT_NE((*identity)->uid, 0u);
  EXPECT_EQ(std::string(entry->pw_shell), "/usr/sbin/nologin");
  EXPECT_EQ(std::string(entry->pw_dir), "/nonexistent");

  // Found, not created again, on the next call; and without create_users too.
  policy_.create_users = false;
  auto again = Resolve(tenant_);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  ASSERT_TRUE(again->has_value());
  EXPECT_EQ((*again)->uid, (*identity)->uid);
}

TEST_F(ResolveIdentityTest, AProjectGetsAUserOfItsOwn) {
  if (!IsRoot()) GTEST_SKIP() << "needs root to create a user";
  const std::string project = tenant_ + "/p";
  const std::string project_user = user_ + ".p";
  ASSERT_EQ(getpwnam(project_user.c_str()), nullptr) << project_user << " exists before the test";
  policy_.create_users = true;
  auto identity = Resolve(project);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  ASSERT_TRUE(identity->has_value());
  struct passwd* entry = getpwnam(project_user.c_str());
  ASSERT_NE(entry, nullptr) << project_user << " was not created";
  EXPECT_EQ((*identity)->uid, entry->pw_uid);
  EXPECT_EQ(getpwnam(user_.c_str()), nullptr) << "the enterprise's user was made instead";
  std::string command = "userdel " + project_user;
  EXPECT_EQ(std::system(command.c_str()), 0) << command;
}

TEST_F(ResolveIdentityTest, SaysSoWhenUseraddIsMissing) {
  policy_.create_users = true;
  host_.useradd_path = "/nonexistent/useradd";
  auto identity = Resolve(tenant_);
  EXPECT_EQ(identity.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(identity.status().message().find("/nonexistent/useradd is not an executable"),
            std::string::npos)
      << identity.status().message();
  EXPECT_EQ(getpwnam(user_.c_str()), nullptr);
}

TEST_F(ResolveIdentityTest, ReportsAFailingUseradd) {
  policy_.create_users = true;
  host_.useradd_path = "/bin/false";
  auto identity = Resolve(tenant_);
  EXPECT_EQ(identity.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(identity.status().message().find("/bin/false exited with 1"), std::string::npos)
      << identity.status().message();
}

TEST(ResolveIdentityNotRootTest, RunsAsTheAgentWhenItIsNotRoot) {
  IdentityPolicy policy;
  policy.users["acme"] = "nobody";
  IdentityHost host;
  host.is_root = false;
  auto identity = ResolveIdentity(policy, "acme", host);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_FALSE(identity->has_value());
  // Even for a tenant that could not be resolved as root.
  identity = ResolveIdentity(policy, "unmapped", host);
  ASSERT_TRUE(identity.ok()) << identity.status().ToString();
  EXPECT_FALSE(identity->has_value());
}

TEST(ResolveIdentityTenantTest, RejectsWhatIsNotATenantName) {
  IdentityPolicy policy;
  policy.create_users = true;
  for (const std::string& bad :
       {std::string(""), std::string("Acme"), std::string("a b"), std::string("a/b/c"),
        std::string("../etc"), std::string("a.b"), std::string("a;rm"), std::string("a\0b", 3)}) {
    EXPECT_EQ(ResolveIdentity(policy, bad).status().code(), StatusCode::kInvalidArgument) << bad;
  }
  // Valid characters but too long for "sharc-<tenant>": a clear error, nothing created.
  IdentityHost root;
  root.is_root = true;
  auto identity = ResolveIdentity(policy, std::string(40, 'a'), root);
  EXPECT_EQ(identity.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(identity.status().message().find("identities.users"), std::string::npos)
      << identity.status().message();
}

}  // namespace
}  // namespace sharc::agent
