// Opening refuses what is not a sharc database of a version this build reads, with a message
// that names the file and says what to do, and leaves such a file untouched.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "store/sqlite_schema.h"
#include "store/sqlite_store.h"
#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::OpenAt;
using testing::TempDir;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream content;
  content << in.rdbuf();
  return content.str();
}

TEST(SqliteStoreRefusalTest, RefusesATextFile) {
  TempDir dir;
  std::string path = dir.File("notes.txt");
  std::string text;
  for (int i = 0; i < 100; ++i) text += "these are my notes, not a database\n";
  std::ofstream(path) << text;

  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(store.status().message(), "'" + path + "' is not a sharc database"))
      << store.status().message();
  EXPECT_EQ(ReadFile(path), text);
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
}

TEST(SqliteStoreRefusalTest, RefusesAnotherApplicationsDatabase) {
  TempDir dir;
  std::string path = dir.File("other.db");
  testing::ExecSql(path, "CREATE TABLE photos (id INTEGER PRIMARY KEY, blob BLOB)");

  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_TRUE(Contains(store.status().message(), "is not a sharc database"))
      << store.status().message();
  EXPECT_TRUE(Contains(store.status().message(), "another application"))
      << store.status().message();
  EXPECT_EQ(testing::QueryInt(path, "SELECT count(*) FROM sqlite_schema"), 1);
}

TEST(SqliteStoreRefusalTest, RefusesASchemaFromANewerSharc) {
  TempDir dir;
  std::string path = dir.File("sharc.db");
  ASSERT_TRUE(OpenAt(path).ok());
  testing::ExecSql(path, "PRAGMA user_version = 99");

  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  std::string message = store.status().message();
  EXPECT_TRUE(Contains(message, path)) << message;
  EXPECT_TRUE(Contains(message, "newer sharc")) << message;
  EXPECT_TRUE(Contains(message, "schema version 99")) << message;
  EXPECT_TRUE(Contains(message, "up to version " + std::to_string(kSchemaVersion))) << message;
  EXPECT_EQ(testing::QueryInt(path, "PRAGMA user_version"), 99);
}

TEST(SqliteStoreRefusalTest, ReportsAMissingDirectory) {
  TempDir dir;
  std::string path = dir.File("no/such/dir/sharc.db");
  StatusOr<std::unique_ptr<Store>> store = OpenAt(path);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(store.status().message(), path)) << store.status().message();
}

TEST(SqliteStoreRefusalTest, RefusesInvalidOptions) {
  TempDir dir;
  EXPECT_EQ(OpenAt("").status().code(), StatusCode::kInvalidArgument);
  SqliteStoreOptions options;
  options.max_batches_per_transaction = 0;
  EXPECT_EQ(OpenAt(dir.File("a.db"), options).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sharc::store
