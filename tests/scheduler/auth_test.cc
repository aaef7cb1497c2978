#include "scheduler/auth.h"

#include <gtest/gtest.h>

namespace sharc::scheduler {
namespace {

std::string TenantsFile() {
  return R"({
    // comments are allowed
    "admins": [{"name": "ops", "token_sha256": ")" + Sha256Hex("admin-secret") + R"("}],
    "tenants": [
      {"name": "acme", "tokens": [{"name": "ci", "token_sha256": ")" + Sha256Hex("acme-secret") + R"("}]},
      {"name": "globex"}
    ]})";
}

TEST(Sha256HexTest, MatchesTheKnownDigest) {
  EXPECT_EQ(Sha256Hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

TEST(AuthenticatorTest, MapsTokensToPrincipals) {
  auto auth = Authenticator::FromJsonText(TenantsFile());
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  auto admin = auth->Authenticate("admin-secret");
  ASSERT_TRUE(admin.ok());
  EXPECT_TRUE(admin->is_admin());
  EXPECT_TRUE(admin->CanAccess("anyone"));
  auto acme = auth->Authenticate("acme-secret");
  ASSERT_TRUE(acme.ok());
  EXPECT_EQ(acme->tenant, "acme");
  EXPECT_TRUE(acme->CanAccess("acme"));
  EXPECT_FALSE(acme->CanAccess("globex"));
  EXPECT_EQ(auth->tenants(), (std::vector<std::string>{"acme", "globex"}));
  EXPECT_EQ(auth->Authenticate("nope").status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth->Authenticate(std::nullopt).status().code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(auth->Authenticate("").status().code(), StatusCode::kUnauthenticated);
}

TEST(AuthenticatorTest, RefusesBadFilesWithTheField) {
  EXPECT_NE(Authenticator::FromJsonText(R"({"tenants":[{"name":"Bad Name"}]})")
                .status()
                .message()
                .find("tenants[0].name"),
            std::string::npos);
  EXPECT_NE(Authenticator::FromJsonText(
                R"({"admins":[{"name":"ops","token_sha256":"plaintext"}]})")
                .status()
                .message()
                .find("64 lower-case hex"),
            std::string::npos);
  EXPECT_NE(Authenticator::FromJsonText(R"({"tenants":[{"name":"a"},{"name":"a"}]})")
                .status()
                .message()
                .find("listed twice"),
            std::string::npos);
  EXPECT_NE(Authenticator::FromJsonText(R"({"tenant":[]})").status().message().find(
                "did you mean 'tenants'"),
            std::string::npos);
}

}  // namespace
}  // namespace sharc::scheduler
