#include "agent/gpu_model.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::TempDir;
using ::sharc::testing::ReadTextFile;
using ::sharc::testing::WriteTextFile;

TEST(ShortGpuModelTest, TakesTheModelWordOfKnownNames) {
  EXPECT_EQ(ShortGpuModel("NVIDIA H100 80GB HBM3"), "H100");
  EXPECT_EQ(ShortGpuModel("NVIDIA A100-SXM4-40GB"), "A100");
  EXPECT_EQ(ShortGpuModel("Tesla V100-SXM2-16GB"), "V100");
  EXPECT_EQ(ShortGpuModel("Tesla T4"), "T4");
  EXPECT_EQ(ShortGpuModel("NVIDIA L40S"), "L40S");
  EXPECT_EQ(ShortGpuModel("NVIDIA A10G"), "A10G");
  EXPECT_EQ(ShortGpuModel("NVIDIA GH200 480GB"), "GH200");
  EXPECT_EQ(ShortGpuModel("NVIDIA RTX A6000"), "A6000");
  EXPECT_EQ(ShortGpuModel("AMD Instinct MI250X"), "MI250X");
}

TEST(ShortGpuModelTest, KeepsNamesWithoutAModelWordWhole) {
  EXPECT_EQ(ShortGpuModel("NVIDIA GeForce RTX 4090"), "NVIDIA GeForce RTX 4090");
  EXPECT_EQ(ShortGpuModel("  Intel(R) Data Center GPU Max 1550 "),
            "Intel(R) Data Center GPU Max 1550");
  EXPECT_EQ(ShortGpuModel("80GB"), "80GB");  // digits first: not a model word
  EXPECT_EQ(ShortGpuModel(""), "");
  EXPECT_EQ(ShortGpuModel("   "), "");
}

TEST(NvidiaDriverGpuModelTest, ReadsTheModelLineOfTheDriversGpuFile) {
  TempDir dir;
  ASSERT_TRUE(dir.ok());
  std::filesystem::create_directory(dir.File("0000:17:00.0"));
  WriteTextFile(dir.File("0000:17:00.0/information"),
            "Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 160\nBus Location: \t "
            "0000:17:00.0\nDevice Minor: \t 0\n");
  EXPECT_EQ(NvidiaDriverGpuModel(dir.path(), "0000:17:00.0"), "H100");
  EXPECT_EQ(NvidiaDriverGpuModel(dir.path(), "0000:3d:00.0"), "");  // no such GPU
  std::filesystem::create_directory(dir.File("0000:3d:00.0"));
  WriteTextFile(dir.File("0000:3d:00.0/information"), "IRQ: 5\n");
  EXPECT_EQ(NvidiaDriverGpuModel(dir.path(), "0000:3d:00.0"), "");  // no model line
}

}  // namespace
}  // namespace sharc::agent
