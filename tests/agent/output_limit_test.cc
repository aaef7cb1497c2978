#include "agent/output_limit.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::TempDir;

TEST(OutputLimitTest, KeepsTheFirstBytesAndMarksTheCutAndTheJobWritesOnAfterIt) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  const std::string path = dir.File("stdout");
  // The job's file, opened as job_monitor.cc opens it.
  int job = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0640);
  ASSERT_GE(job, 0);
  std::string first(5000, 'a');
  ASSERT_EQ(::write(job, first.data(), first.size()), 5000);
  StatusOr<bool> cut = CapOutputFile(path, 4096);
  ASSERT_TRUE(cut.ok()) << cut.status().ToString();
  EXPECT_TRUE(*cut);
  const std::string marker = OutputCutMarker(4096);
  EXPECT_NE(marker.find("output cut here at 4 KiB"), std::string::npos) << marker;
  EXPECT_EQ(ReadTextFile(path), std::string(4096, 'a') + marker);
  // Within the limit and the marker: nothing to do.
  EXPECT_FALSE(*CapOutputFile(path, 4096));

  // What the job writes next lands after the marker (no hole), and is cut away again.
  ASSERT_EQ(::write(job, "more", 4), 4);
  EXPECT_EQ(ReadTextFile(path), std::string(4096, 'a') + marker + "more");
  ASSERT_EQ(::write(job, first.data(), first.size()), 5000);
  EXPECT_TRUE(*CapOutputFile(path, 4096));
  EXPECT_EQ(ReadTextFile(path), std::string(4096, 'a') + marker);
  ::close(job);
}

TEST(OutputLimitTest, AMissingFileIsNotAnErrorAndASmallOneIsLeftAlone) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  EXPECT_FALSE(*CapOutputFile(dir.File("none"), 4096));
  ::sharc::testing::WriteTextFile(dir.File("small"), "hello\n");
  EXPECT_FALSE(*CapOutputFile(dir.File("small"), 4096));
  EXPECT_EQ(ReadTextFile(dir.File("small")), "hello\n");
}

}  // namespace
}  // namespace sharc::agent
