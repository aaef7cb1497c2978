#include "agent/node_credential.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "core/file_util.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::TempDir;

TEST(NodeCredentialTest, NoneUntilSavedThenKeptReadableByTheAgentOnly) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  StatusOr<std::string> none = LoadNodeCredential(dir.path());
  ASSERT_TRUE(none.ok()) << none.status().ToString();
  EXPECT_EQ(*none, "");

  ASSERT_TRUE(SaveNodeCredential(dir.path(), "c0ffee").ok());
  struct stat st;
  ASSERT_EQ(::stat(NodeCredentialPath(dir.path()).c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  StatusOr<std::string> kept = LoadNodeCredential(dir.path());
  ASSERT_TRUE(kept.ok()) << kept.status().ToString();
  EXPECT_EQ(*kept, "c0ffee");
  // A newer one replaces it.
  ASSERT_TRUE(SaveNodeCredential(dir.path(), "beef").ok());
  EXPECT_EQ(*LoadNodeCredential(dir.path()), "beef");
}

TEST(NodeCredentialTest, RefusesAFileOthersMayReadOrThatHoldsNoCredential) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = NodeCredentialPath(dir.path());
  ASSERT_TRUE(WriteFileAtomically(path, "c0ffee\n", 0644).ok());
  StatusOr<std::string> open = LoadNodeCredential(dir.path());
  EXPECT_EQ(open.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(open.status().message().find("chmod 600 " + path), std::string::npos)
      << open.status().message();

  for (const char* garbage : {"\n", "two words\n", "\x01\x02"}) {
    ASSERT_TRUE(WriteFileAtomically(path, garbage, 0600).ok());
    StatusOr<std::string> bad = LoadNodeCredential(dir.path());
    EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument) << garbage;
    EXPECT_NE(bad.status().message().find("not a node credential"), std::string::npos)
        << bad.status().message();
  }
}

}  // namespace
}  // namespace sharc::agent
