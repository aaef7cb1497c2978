#include <dlfcn.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include "agent/energy/nvml_reader.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

// tests/agent/fake_nvml.cc, built as a loadable module.
constexpr char kFakeNvml[] = SHARC_FAKE_NVML_LIBRARY;

::testing::AssertionResult Mentions(const Status& status, const std::string& text) {
  if (status.message().find(text) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "\"" << status.message() << "\" lacks \"" << text << "\"";
}

// Points the fake at this test's files: `gpus` (one "energy_mj power_mw util" line per GPU)
// and `log` (the fake's init/shutdown calls).
class NvmlReaderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    ::setenv("SHARC_FAKE_NVML_FILE", gpus_file().c_str(), 1);
    ::setenv("SHARC_FAKE_NVML_LOG", log_file().c_str(), 1);
    ::unsetenv("SHARC_FAKE_NVML_INIT_ERROR");
  }
  void TearDown() override {
    ::unsetenv("SHARC_FAKE_NVML_FILE");
    ::unsetenv("SHARC_FAKE_NVML_LOG");
    ::unsetenv("SHARC_FAKE_NVML_INIT_ERROR");
  }
  std::string gpus_file() const { return dir_.File("gpus"); }
  std::string log_file() const { return dir_.File("log"); }
  void SetGpus(const std::string& lines) { WriteTextFile(gpus_file(), lines); }

 private:
  TempDir dir_;
};

TEST_F(NvmlReaderTest, ReadsEnergyDeltasOfTwoGpus) {
  SetGpus("1000000 250000 40\n2000000 300500 95\n");
  auto opened = NvmlReader::Open(kFakeNvml);
  ASSERT_OK(opened);
  NvmlReader& reader = **opened;
  EXPECT_EQ(reader.gpus(), 2);

  // The first Read primes the counters; power and utilisation are as reported.
  auto first = reader.Read();
  ASSERT_OK(first);
  ASSERT_EQ(first->size(), 2u);
  EXPECT_EQ((*first)[0].index, 0);
  EXPECT_EQ((*first)[0].millijoules, 0);
  EXPECT_EQ((*first)[0].milliwatts, 250'000);
  EXPECT_EQ((*first)[0].utilization_percent, 40);
  EXPECT_EQ((*first)[1].index, 1);
  EXPECT_EQ((*first)[1].millijoules, 0);
  EXPECT_EQ((*first)[1].milliwatts, 300'500);
  EXPECT_EQ((*first)[1].utilization_percent, 95);

  // GPU 0: 1,004,500 - 1,000,000 = 4,500 mJ; GPU 1: 2,000,100 - 2,000,000 = 100 mJ.
  SetGpus("1004500 180000 10\n2000100 60000 0\n");
  auto second = reader.Read();
  ASSERT_OK(second);
  EXPECT_EQ((*second)[0].millijoules, 4'500);
  EXPECT_EQ((*second)[0].milliwatts, 180'000);
  EXPECT_EQ((*second)[0].utilization_percent, 10);
  EXPECT_EQ((*second)[1].millijoules, 100);
  EXPECT_EQ((*second)[1].utilization_percent, 0);

  // Counters beyond 32 bits: GPU 0 5,000,000,000 - 1,004,500 = 4,998,995,500 mJ; GPU 1 still.
  SetGpus("5000000000 700000 100\n2000100 60000 0\n");
  auto third = reader.Read();
  ASSERT_OK(third);
  EXPECT_EQ((*third)[0].millijoules, 4'998'995'500);
  EXPECT_EQ((*third)[1].millijoules, 0);

  // A counter that went down (the driver reloaded) starts over: 0 this time, then deltas.
  SetGpus("5000000000 700000 100\n50 60000 0\n");
  auto reloaded = reader.Read();
  ASSERT_OK(reloaded);
  EXPECT_EQ((*reloaded)[1].millijoules, 0);
  SetGpus("5000000000 700000 100\n80 60000 0\n");
  auto after = reader.Read();
  ASSERT_OK(after);
  EXPECT_EQ((*after)[1].millijoules, 30);  // 80 - 50
}

TEST_F(NvmlReaderTest, MissingLibraryIsNotFound) {
  auto opened = NvmlReader::Open("/nonexistent/libnvidia-ml.so.1");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(opened.status(), "/nonexistent/libnvidia-ml.so.1"));
  EXPECT_TRUE(Mentions(opened.status(), "cannot load NVML"));
}

TEST_F(NvmlReaderTest, LibraryWithoutNvmlIsNotFound) {
  auto opened = NvmlReader::Open("libm.so.6");
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kNotFound);
  EXPECT_TRUE(Mentions(opened.status(), "libm.so.6: has no nvmlInit_v2"));
}

TEST_F(NvmlReaderTest, FailedInitIsUnavailableWithNvmlsError) {
  SetGpus("1 1 1\n");
  ::setenv("SHARC_FAKE_NVML_INIT_ERROR", "9", 1);  // NVML_ERROR_DRIVER_NOT_LOADED
  auto opened = NvmlReader::Open(kFakeNvml);
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Mentions(opened.status(), "nvmlInit_v2: Driver Not Loaded"));
  EXPECT_EQ(ReadTextFile(log_file()), "init\n");  // nothing to shut down
}

TEST_F(NvmlReaderTest, DestructorShutsNvmlDownAndUnloadsIt) {
  SetGpus("1 1 1\n");
  auto opened = NvmlReader::Open(kFakeNvml);
  ASSERT_OK(opened);
  EXPECT_EQ(ReadTextFile(log_file()), "init\n");
  void* loaded = ::dlopen(kFakeNvml, RTLD_NOW | RTLD_NOLOAD);
  ASSERT_NE(loaded, nullptr);  // loaded while the reader lives
  ::dlclose(loaded);

  opened->reset();
  EXPECT_EQ(ReadTextFile(log_file()), "init\nshutdown\n");
  EXPECT_EQ(::dlopen(kFakeNvml, RTLD_NOW | RTLD_NOLOAD), nullptr);
}

TEST_F(NvmlReaderTest, UnsupportedCounterFailsTheReadNamingTheGpu) {
  SetGpus("100 1000 5\n- 1000 5\n");
  auto opened = NvmlReader::Open(kFakeNvml);
  ASSERT_OK(opened);
  auto read = (*opened)->Read();
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Mentions(read.status(), "GPU 1: nvmlDeviceGetTotalEnergyConsumption: Not Supported"));

  // The failed Read primed nothing: the next one primes, the one after counts.
  SetGpus("150 1000 5\n10 1000 5\n");
  auto primed = (*opened)->Read();
  ASSERT_OK(primed);
  EXPECT_EQ((*primed)[0].millijoules, 0);
  SetGpus("175 1000 5\n12 1000 5\n");
  auto read_again = (*opened)->Read();
  ASSERT_OK(read_again);
  EXPECT_EQ((*read_again)[0].millijoules, 25);  // 175 - 150
  EXPECT_EQ((*read_again)[1].millijoules, 2);   // 12 - 10
}

TEST_F(NvmlReaderTest, NodeWithoutGpusReadsNothing) {
  SetGpus("");
  auto opened = NvmlReader::Open(kFakeNvml);
  ASSERT_OK(opened);
  EXPECT_EQ((*opened)->gpus(), 0);
  auto read = (*opened)->Read();
  ASSERT_OK(read);
  EXPECT_TRUE(read->empty());
}

}  // namespace
}  // namespace sharc::agent
