#include <gtest/gtest.h>

#include "agent/energy/energy_source.h"
#include "agent/energy/power_model.h"

namespace sharc::agent {
namespace {

TEST(ModelledMicrojoulesTest, IntegratesPowerBetweenIdleAndPeak) {
  // 100 W idle, 300 W peak, 50 % busy: 100,000 + 200,000 x 500 / 1000 = 200,000 mW;
  // x 1000 ms = 200,000,000 µJ (200 J).
  EXPECT_EQ(ModelledMicrojoules(100'000, 300'000, 500, 1000), 200'000'000);
  // Idle: 100,000 mW x 250 ms = 25,000,000 µJ.
  EXPECT_EQ(ModelledMicrojoules(100'000, 300'000, 0, 250), 25'000'000);
  // Flat out: 300,000 mW x 250 ms = 75,000,000 µJ.
  EXPECT_EQ(ModelledMicrojoules(100'000, 300'000, 1000, 250), 75'000'000);
  // A 700 W GPU at 25 %: 60,000 + 640,000 x 250 / 1000 = 220,000 mW; x 3,600,000 ms (an hour)
  // = 792,000,000,000 µJ (792 kJ = 0.22 kWh).
  EXPECT_EQ(ModelledMicrojoules(60'000, 700'000, 250, 3'600'000), 792'000'000'000);
}

TEST(ModelledMicrojoulesTest, RoundsDownOnceAtTheEnd) {
  // 0 + 1 mW x 1 / 1000 = 0.001 mW; x 999 ms = 0.999 µJ -> 0, but x 1000 ms = 1 µJ exactly
  // (rounding the milliwatts first would give 0).
  EXPECT_EQ(ModelledMicrojoules(0, 1, 1, 999), 0);
  EXPECT_EQ(ModelledMicrojoules(0, 1, 1, 1000), 1);
  // 10 mW + 7 mW x 333 / 1000 = 12.331 mW; x 3 ms = 36.993 µJ -> 36.
  EXPECT_EQ(ModelledMicrojoules(10, 17, 333, 3), 36);
}

TEST(ModelledMicrojoulesTest, ClampsUtilisationAndInterval) {
  // Skewed utilisation above 100 % counts as 100 %, below 0 as 0.
  EXPECT_EQ(ModelledMicrojoules(100'000, 300'000, 1500, 1000), 300'000'000);
  EXPECT_EQ(ModelledMicrojoules(100'000, 300'000, -5, 1000), 100'000'000);
  EXPECT_EQ(ModelledMicrojoules(100'000, 300'000, 500, -10), 0);
  EXPECT_EQ(ModelledMicrojoules(100'000, 300'000, 500, 0), 0);
}

TEST(GpuWattsTest, FindsTheModelThenTheDefault) {
  PowerModelConfig config;
  config.gpu["H100"] = {.idle_milliwatts = 70'000, .peak_milliwatts = 700'000};
  const PowerModelConfig::Watts* h100 = GpuWatts(config, "H100");
  ASSERT_NE(h100, nullptr);
  EXPECT_EQ(h100->peak_milliwatts, 700'000);
  EXPECT_EQ(GpuWatts(config, "A100"), nullptr);  // no such model and no default

  config.gpu["default"] = {.idle_milliwatts = 30'000, .peak_milliwatts = 300'000};
  const PowerModelConfig::Watts* a100 = GpuWatts(config, "A100");
  ASSERT_NE(a100, nullptr);
  EXPECT_EQ(a100->idle_milliwatts, 30'000);
  EXPECT_EQ(GpuWatts(config, "H100")->peak_milliwatts, 700'000);
}

TEST(EnergyNamesTest, NamesSourcesAndDomains) {
  EXPECT_EQ(EnergySourceName(EnergySource::kRapl), "rapl");
  EXPECT_EQ(EnergySourceName(EnergySource::kNvml), "nvml");
  EXPECT_EQ(EnergySourceName(EnergySource::kModel), "model");
  EXPECT_EQ(EnergyDomainName(EnergyDomain::kPackage), "package");
  EXPECT_EQ(EnergyDomainName(EnergyDomain::kDram), "dram");
  EXPECT_EQ(EnergyDomainName(EnergyDomain::kGpu), "gpu");
}

}  // namespace
}  // namespace sharc::agent
