// WriteFileAtomically: what ends at the path is exactly the new contents with the asked mode
// (less the umask for a new file), whatever was left at the temporary name (a reused spare, a
// crash's leftover).
#include "core/file_util.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "tests/testing/temp_dir.h"

namespace sharc {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::WriteTextFile;

int ModeOf(const std::string& path) {
  struct stat st = {};
  return ::stat(path.c_str(), &st) == 0 ? static_cast<int>(st.st_mode & 07777) : -1;
}

TEST(WriteFileAtomicallyTest, WritesTheContentsWithTheModeAndLeavesNoTemporaryFile) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("record");
  ASSERT_TRUE(WriteFileAtomically(path, "first", 0600).ok());
  ASSERT_TRUE(WriteFileAtomically(path, "second", 0600).ok());
  EXPECT_EQ(ReadTextFile(path), "second");
  EXPECT_EQ(ModeOf(path), 0600);
  EXPECT_FALSE(std::filesystem::exists(path + ".tmp"));
}

TEST(WriteFileAtomicallyTest, ANewFileGetsTheModeLessTheUmask) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const mode_t previous = ::umask(027);
  Status written = WriteFileAtomically(dir.File("ready"), "url\n", 0644);
  ::umask(previous);
  ASSERT_TRUE(written.ok()) << written.ToString();
  EXPECT_EQ(ModeOf(dir.File("ready")), 0640);
}

TEST(WriteFileAtomicallyTest, ALongerFileAtTheTemporaryNameIsCutToTheNewContentsAndMode) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("credential");
  WriteTextFile(path + ".tmp", std::string(10000, 'x'));
  ASSERT_EQ(::chmod((path + ".tmp").c_str(), 0666), 0);
  ASSERT_TRUE(WriteFileAtomically(path, "secret\n", 0600).ok());
  EXPECT_EQ(ReadTextFile(path), "secret\n");
  EXPECT_EQ(ModeOf(path), 0600) << "kept the mode of what was left at the temporary name";
}

TEST(WriteFileAtomicallyTest, ASymlinkAtTheTemporaryNameIsNotFollowed) {
  testing::TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("record");
  const std::string target = dir.File("elsewhere");
  WriteTextFile(target, "untouched");
  std::filesystem::create_symlink(target, path + ".tmp");
  EXPECT_FALSE(WriteFileAtomically(path, "new", 0600).ok());
  EXPECT_EQ(ReadTextFile(target), "untouched");
  EXPECT_FALSE(std::filesystem::exists(path));
}

}  // namespace
}  // namespace sharc
