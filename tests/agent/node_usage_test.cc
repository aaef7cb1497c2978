// NodeUsageSampler on fixture /proc files in a temp dir.
#include "agent/node_usage.h"

#include <gtest/gtest.h>

#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

constexpr const char* kMemInfo =
    "MemTotal:        8000000 kB\n"
    "MemFree:         1000000 kB\n"
    "MemAvailable:    6000000 kB\n"
    "Buffers:          100000 kB\n";

// user nice system idle iowait irq softirq steal guest guest_nice
std::string Stat(const std::string& cpu_line) {
  return "cpu  " + cpu_line +
         "\ncpu0 1 2 3 4 5 6 7 8 0 0\ncpu1 1 2 3 4 5 6 7 8 0 0\n"
         "intr 12345 0 0\nctxt 999\nbtime 1700000000\n";
}

class NodeUsageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    WriteTextFile(dir_.File("meminfo"), kMemInfo);
  }
  TempDir dir_{"sharc-proc"};
};

TEST_F(NodeUsageTest, FirstSampleHasCumulativeFiguresOnly) {
  WriteTextFile(dir_.File("stat"), Stat("100 0 50 800 50 0 0 0 7 0"));
  NodeUsageSampler sampler(dir_.path(), /*ticks_per_second=*/100);
  auto usage = sampler.Sample();
  ASSERT_OK(usage);
  EXPECT_EQ(usage->cpu_busy_ms, 1500);  // user 100 + system 50 ticks; guest is inside user
  EXPECT_EQ(usage->memory_total_bytes, 8000000LL * 1024);
  EXPECT_EQ(usage->memory_used_bytes, 2000000LL * 1024);  // total - available
  EXPECT_FALSE(usage->cpu_used_millis.has_value());
  EXPECT_FALSE(usage->cpu_busy_permille.has_value());
}

TEST_F(NodeUsageTest, IntervalFiguresComeFromTheDifference) {
  WriteTextFile(dir_.File("stat"), Stat("100 0 50 800 50 0 0 0 0 0"));
  NodeUsageSampler sampler(dir_.path(), 100);
  ASSERT_OK(sampler.Sample());
  // +200 user, +100 system, +300 idle, +0 iowait: 300 of 600 ticks busy on 2 CPUs.
  WriteTextFile(dir_.File("stat"), Stat("300 0 150 1100 50 0 0 0 0 0"));
  auto usage = sampler.Sample();
  ASSERT_OK(usage);
  EXPECT_EQ(usage->cpu_busy_ms, 4500);
  EXPECT_EQ(usage->cpu_busy_permille, 500);
  EXPECT_EQ(usage->cpu_used_millis, 1000);  // one CPU's worth out of two

  // iowait counts as idle; steal as busy.
  WriteTextFile(dir_.File("stat"), Stat("300 0 150 1100 250 0 0 200 0 0"));
  usage = sampler.Sample();
  ASSERT_OK(usage);
  EXPECT_EQ(usage->cpu_busy_permille, 500);
  EXPECT_EQ(usage->cpu_used_millis, 1000);

  // No tick passed: nothing was busy.
  usage = sampler.Sample();
  ASSERT_OK(usage);
  EXPECT_EQ(usage->cpu_busy_permille, 0);
  EXPECT_EQ(usage->cpu_used_millis, 0);
}

TEST_F(NodeUsageTest, MalformedFilesNameTheFile) {
  WriteTextFile(dir_.File("stat"), "cpu0 1 2 3\n");
  NodeUsageSampler sampler(dir_.path(), 100);
  EXPECT_EQ(sampler.Sample().status().message(),
            dir_.File("stat") + ": no well-formed aggregate \"cpu\" line");
  WriteTextFile(dir_.File("stat"), Stat("1 2 x 4 5 6 7 8 0 0"));
  EXPECT_EQ(sampler.Sample().status().code(), StatusCode::kInvalidArgument);

  WriteTextFile(dir_.File("stat"), Stat("1 2 3 4 5 6 7 8 0 0"));
  WriteTextFile(dir_.File("meminfo"), "MemTotal: 100 kB\n");
  EXPECT_EQ(sampler.Sample().status().message(),
            dir_.File("meminfo") + ": needs MemTotal and MemAvailable lines");
}

TEST_F(NodeUsageTest, MissingProcIsNotFound) {
  NodeUsageSampler sampler(dir_.File("nowhere"), 100);
  EXPECT_EQ(sampler.Sample().status().code(), StatusCode::kNotFound);
}

TEST(NodeUsageRealProcTest, ReadsThisMachine) {
  NodeUsageSampler sampler;
  auto first = sampler.Sample();
  ASSERT_OK(first);
  EXPECT_GT(first->memory_total_bytes, 0);
  EXPECT_GT(first->cpu_busy_ms, 0);
  auto second = sampler.Sample();
  ASSERT_OK(second);
  ASSERT_TRUE(second->cpu_busy_permille.has_value());
  EXPECT_LE(*second->cpu_busy_permille, 1000);
}

}  // namespace
}  // namespace sharc::agent
