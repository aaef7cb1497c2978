#include <grp.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "agent/energy/rapl_reader.h"
#include "tests/agent/powercap_fixture.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

// The range real Intel CPUs report for their package counters (about 262 kJ).

// Whether the status's message contains `text` (the message is printed when it does not).
::testing::AssertionResult Mentions(const Status& status, const std::string& text) {
  if (status.message().find(text) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << status.message() << "\" lacks \"" << text << "\"";
}

bool Same(const RaplDomainEnergy& e, int package, bool dram, int64_t microjoules) {
  return e.package == package && e.dram == dram && e.microjoules == microjoules;
}

TEST(RaplReaderTest, ThisMachineWithoutRaplIsNotFound) {
  if (std::filesystem::exists("/sys/class/powercap/intel-rapl:0")) {
    GTEST_SKIP() << "this machine has RAPL counters";
  }
  auto reader = RaplReader::Open("/sys/class/powercap");
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(reader.status(), "/sys/class/powercap"));
  EXPECT_TRUE(Mentions(reader.status(), "no RAPL energy counters"));
}

TEST(RaplReaderTest, EmptyOrMissingTreeIsNotFound) {
  TempDir root;
  ASSERT_TRUE(root.ok());
  auto missing = RaplReader::Open(root.File("absent"));
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(missing.status(), root.File("absent")));

  // Zones that are not packages (a platform "psys" zone) do not count.
  WriteZone(root, "intel-rapl:0", "psys", 5);
  auto empty = RaplReader::Open(root.path());
  EXPECT_EQ(empty.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(empty.status(), "no RAPL package domain"));
}

TEST(RaplReaderTest, ReadsTwoPackagesWithTheirDram) {
  TempDir root;
  ASSERT_TRUE(root.ok());
  WriteZone(root, "intel-rapl:0", "package-0", 1'000'000);
  WriteZone(root, "intel-rapl:0:0", "dram", 500'000, 65'712'999'613);
  WriteZone(root, "intel-rapl:0:1", "core", 700'000);  // part of the package figure: ignored
  WriteZone(root, "intel-rapl:1", "package-1", 2'000'000);
  WriteZone(root, "intel-rapl:1:0", "dram", 800'000, 65'712'999'613);
  WriteZone(root, "intel-rapl:2", "psys", 9'000'000);          // the platform: ignored
  WriteZone(root, "intel-rapl-mmio:0", "package-0", 123);      // a second view: ignored
  std::filesystem::create_directory(root.File("intel-rapl"));  // the control type itself

  auto opened = RaplReader::Open(root.path());
  ASSERT_OK(opened);
  RaplReader& reader = **opened;
  EXPECT_EQ(reader.packages(), 2);

  // The first Read primes the counters.
  auto first = reader.Read();
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 4u);
  EXPECT_TRUE(Same((*first)[0], 0, false, 0));
  EXPECT_TRUE(Same((*first)[1], 0, true, 0));
  EXPECT_TRUE(Same((*first)[2], 1, false, 0));
  EXPECT_TRUE(Same((*first)[3], 1, true, 0));

  SetEnergy(root, "intel-rapl:0", 1'000'000 + 35'000'000);  // 35 J on package 0
  SetEnergy(root, "intel-rapl:0:0", 500'000 + 4'250'000);   // 4.25 J on its DRAM
  SetEnergy(root, "intel-rapl:0:1", 99'000'000);            // core: not reported
  SetEnergy(root, "intel-rapl:1", 2'000'000 + 12'000'001);  // 12.000001 J on package 1
  // package 1's DRAM did not move.
  auto second = reader.Read();
  ASSERT_OK(second);
  ASSERT_EQ(second->size(), 4u);
  EXPECT_TRUE(Same((*second)[0], 0, false, 35'000'000));
  EXPECT_TRUE(Same((*second)[1], 0, true, 4'250'000));
  EXPECT_TRUE(Same((*second)[2], 1, false, 12'000'001));
  EXPECT_TRUE(Same((*second)[3], 1, true, 0));

  SetEnergy(root, "intel-rapl:1:0", 800'000 + 1);  // 1 µJ on package 1's DRAM
  auto third = reader.Read();
  ASSERT_OK(third);
  EXPECT_TRUE(Same((*third)[0], 0, false, 0));
  EXPECT_TRUE(Same((*third)[3], 1, true, 1));
}

TEST(RaplReaderTest, AddsTheRangeBackWhenACounterWraps) {
  TempDir root;
  ASSERT_TRUE(root.ok());
  WriteZone(root, "intel-rapl:0", "package-0", 262'100'000'000);
  auto opened = RaplReader::Open(root.path());
  ASSERT_OK(opened);
  RaplReader& reader = **opened;
  ASSERT_OK(reader.Read());  // primes at 262,100,000,000

  // 262,143,000,000 - 262,100,000,000 = 43,000,000 µJ.
  SetEnergy(root, "intel-rapl:0", 262'143'000'000);
  auto before_wrap = reader.Read();
  ASSERT_OK(before_wrap);
  EXPECT_EQ((*before_wrap)[0].microjoules, 43'000'000);

  // Went down: wrapped at 262,143,328,850. 5,000,000 + 262,143,328,850 - 262,143,000,000
  // = 5,328,850 µJ.
  SetEnergy(root, "intel-rapl:0", 5'000'000);
  auto wrapped = reader.Read();
  ASSERT_OK(wrapped);
  EXPECT_EQ((*wrapped)[0].microjoules, 5'328'850);

  // And on from the wrapped value: 12,000,000 - 5,000,000 = 7,000,000 µJ.
  SetEnergy(root, "intel-rapl:0", 12'000'000);
  auto after_wrap = reader.Read();
  ASSERT_OK(after_wrap);
  EXPECT_EQ((*after_wrap)[0].microjoules, 7'000'000);
}

TEST(RaplReaderTest, PackageWithoutDramDomain) {
  TempDir root;
  ASSERT_TRUE(root.ok());
  WriteZone(root, "intel-rapl:0", "package-0", 10);
  WriteZone(root, "intel-rapl:0:0", "core", 10);
  WriteZone(root, "intel-rapl:0:1", "uncore", 10);
  auto opened = RaplReader::Open(root.path());
  ASSERT_OK(opened);
  EXPECT_EQ((*opened)->packages(), 1);
  ASSERT_OK((*opened)->Read());
  SetEnergy(root, "intel-rapl:0", 25);
  auto read = (*opened)->Read();
  ASSERT_OK(read);
  ASSERT_EQ(read->size(), 1u);
  EXPECT_TRUE(Same((*read)[0], 0, false, 15));  // 25 - 10
}

TEST(RaplReaderTest, NonNumericCounterNamesTheFile) {
  TempDir root;
  ASSERT_TRUE(root.ok());
  WriteZone(root, "intel-rapl:0", "package-0", 100);
  WriteZone(root, "intel-rapl:0:0", "dram", 100);
  const std::string dram_energy = root.File("intel-rapl:0:0/energy_uj");
  WriteTextFile(dram_energy, "n/a\n");
  auto bad_open = RaplReader::Open(root.path());
  ASSERT_FALSE(bad_open.ok());
  EXPECT_TRUE(Mentions(bad_open.status(), dram_energy));
  EXPECT_TRUE(Mentions(bad_open.status(), "\"n/a\""));

  // Readable at Open, garbage at a Read: the Read fails naming the file and keeps the last good
  // values, so the next Read counts from them.
  SetEnergy(root, "intel-rapl:0:0", 100);
  auto opened = RaplReader::Open(root.path());
  ASSERT_OK(opened);
  ASSERT_OK((*opened)->Read());
  SetEnergy(root, "intel-rapl:0", 150);
  WriteTextFile(dram_energy, "-3\n");
  auto bad_read = (*opened)->Read();
  ASSERT_FALSE(bad_read.ok());
  EXPECT_TRUE(Mentions(bad_read.status(), dram_energy));
  SetEnergy(root, "intel-rapl:0:0", 160);
  auto read = (*opened)->Read();
  ASSERT_OK(read);
  EXPECT_TRUE(Same((*read)[0], 0, false, 50));  // 150 - 100
  EXPECT_TRUE(Same((*read)[1], 0, true, 60));   // 160 - 100
}

// Real kernels make energy_uj root-only (0400). The reader runs in a child that gives up root,
// so the check holds whoever runs the tests.
TEST(RaplReaderDeathTest, UnreadableCounterSaysItNeedsRoot) {
  TempDir root;
  ASSERT_TRUE(root.ok());
  WriteZone(root, "intel-rapl:0", "package-0", 100);
  ASSERT_EQ(::chmod(root.path().c_str(), 0755), 0);
  const std::string energy = root.File("intel-rapl:0/energy_uj");
  ASSERT_EQ(::chmod(energy.c_str(), 0000), 0);
  EXPECT_EXIT(
      {
        constexpr uid_t kNobody = 65534;
        if (::geteuid() == 0 &&
            (::setgroups(0, nullptr) != 0 || ::setresgid(kNobody, kNobody, kNobody) != 0 ||
             ::setresuid(kNobody, kNobody, kNobody) != 0)) {
          std::fprintf(stderr, "cannot give up root\n");
          ::_exit(2);
        }
        auto reader = RaplReader::Open(root.path());
        std::fprintf(stderr, "%s\n", reader.status().ToString().c_str());
        // _exit: no leak check in a process that is no longer allowed to inspect itself.
        ::_exit(reader.status().code() == StatusCode::kPermissionDenied ? 0 : 1);
      },
      ::testing::ExitedWithCode(0),
      "energy_uj: Permission denied \\(RAPL counters are root-only since CVE-2020-8694; run "
      "the agent as root\\)");
}

}  // namespace
}  // namespace sharc::agent
