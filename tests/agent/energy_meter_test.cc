// EnergyMeter over real sources: the RAPL reader on a powercap fixture tree in a temp dir
// (counters advanced between samples, one wrapping mid-job), and the power model when there
// is no RAPL tree and no NVML. Expected figures are worked out by hand in the comments.
#include "agent/energy/energy_meter.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "tests/agent/powercap_fixture.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

// Two packages of two PUs each: CPUs 0,1 on package 0 and 2,3 on package 1; `gpus` GPUs.
NodeTopology TwoPackages(int gpus = 0) {
  NodeTopology t;
  t.packages = 2;
  t.cores = 4;
  for (int cpu = 0; cpu < 4; ++cpu) t.pus.push_back(PuInfo{cpu, cpu, cpu / 2, cpu / 2});
  for (int i = 0; i < gpus; ++i) {
    GpuInfo gpu;
    gpu.index = i;
    gpu.model = i == 0 ? "H100" : "A100";
    t.gpus.push_back(gpu);
  }
  return t;
}

AttemptId Id(int64_t job) { return AttemptId{JobId{job}, 1}; }

AttemptCpuTime Running(int64_t job, std::map<int, int64_t> cpu_us, bool new_since_previous,
                       std::vector<int> gpus = {}) {
  return AttemptCpuTime{Id(job), std::move(cpu_us), std::move(gpus), new_since_previous};
}

constexpr int64_t kRange = 1'000'000'000;  // package 0's counter wraps at 1 kJ

TEST(EnergyMeterTest, RaplSplitsAPackageByCpuTimeAcrossAWrapAndKeepsTheIdleApart) {
  TempDir root("sharc-rapl");
  ASSERT_TRUE(root.ok());
  WriteZone(root, "intel-rapl:0", "package-0", 999'000'000, kRange);
  WriteZone(root, "intel-rapl:0:0", "dram", 5'000'000, kRange);
  WriteZone(root, "intel-rapl:1", "package-1", 100'000'000, kRange);
  EnergyMeterOptions options;
  options.rapl_root = root.path();
  options.nvml_library = root.File("no-nvml.so");
  std::unique_ptr<EnergyMeter> meter = EnergyMeter::Open(TwoPackages(), options);
  EXPECT_EQ(meter->node().cpu_source, EnergySource::kRapl);
  EXPECT_FALSE(meter->node().gpu_source.has_value());  // no GPUs

  // Priming: jobs 1 and 2 already run on package 0 (CPU 0 and CPU 1); their time so far is a
  // baseline.
  meter->Sample(10'000, std::nullopt,
                {Running(1, {{0, 5'000'000}}, false), Running(2, {{1, 1'000'000}}, false)});
  EXPECT_FALSE(meter->node().measured);

  // One second later package 0's counter has wrapped: 999'000'000 -> 1'000'000 over a range
  // of 1e9 is 2'000'000 µJ; its DRAM used 500'000 µJ, so package 0 gave 2'500'000 µJ.
  // Package 1 used 1'000'000 µJ.
  SetEnergy(root, "intel-rapl:0", 1'000'000);
  SetEnergy(root, "intel-rapl:0:0", 5'500'000);
  SetEnergy(root, "intel-rapl:1", 101'000'000);
  // Job 1 ran 0.5 s and job 2 0.25 s on package 0, which could give 2 CPUs x 1 s = 2'000'000
  // µs: job 1 gets 2'500'000 x 500'000 / 2'000'000 = 625'000 µJ, job 2 312'500 µJ.
  // Job 3 is new since the priming sample: all its 0.1 s on CPU 2 counts, 1'000'000 x
  // 100'000 / 2'000'000 = 50'000 µJ of package 1. Job 4 was re-adopted (not new): its
  // first sight is a baseline, 0 µJ.
  meter->Sample(11'000, std::nullopt,
                {Running(1, {{0, 5'500'000}}, false), Running(2, {{1, 1'250'000}}, false),
                 Running(3, {{2, 100'000}}, true), Running(4, {{3, 900'000}}, false)});
  EXPECT_TRUE(meter->node().measured);
  EXPECT_EQ(meter->attempt(Id(1)).cpu_uj, 625'000);
  EXPECT_EQ(meter->attempt(Id(2)).cpu_uj, 312'500);
  EXPECT_EQ(meter->attempt(Id(3)).cpu_uj, 50'000);
  EXPECT_EQ(meter->attempt(Id(4)).cpu_uj, 0);
  EXPECT_EQ(meter->attempt(Id(1)).gpu_uj, 0);
  EXPECT_EQ(meter->node().package_uj, 3'000'000);
  EXPECT_EQ(meter->node().dram_uj, 500'000);
  EXPECT_EQ(meter->node().gpu_uj, 0);
  // 3'500'000 - 625'000 - 312'500 - 50'000
  EXPECT_EQ(meter->node().idle_uj, 2'512'500);

  // Another second: package 0 +1'000'000 µJ, nothing else. Job 1 kept CPU 0 busy (1 s of
  // 2'000'000 µs: 500'000 µJ); job 2 idled; job 4 used 0.2 s on package 1, which used nothing.
  SetEnergy(root, "intel-rapl:0", 2'000'000);
  meter->Forget(Id(3));
  meter->Sample(12'000, std::nullopt,
                {Running(1, {{0, 6'500'000}}, false), Running(2, {{1, 1'250'000}}, false),
                 Running(4, {{3, 1'100'000}}, false)});
  EXPECT_EQ(meter->attempt(Id(1)).cpu_uj, 1'125'000);
  EXPECT_EQ(meter->attempt(Id(2)).cpu_uj, 312'500);
  EXPECT_EQ(meter->attempt(Id(3)).cpu_uj, 0);  // forgotten
  EXPECT_EQ(meter->attempt(Id(4)).cpu_uj, 0);
  EXPECT_EQ(meter->node().package_uj, 4'000'000);
  EXPECT_EQ(meter->node().idle_uj, 3'012'500);
  // Attributed + idle == total, to the microjoule.
  EXPECT_EQ(1'125'000 + 312'500 + 50'000 + meter->node().idle_uj,
            meter->node().package_uj + meter->node().dram_uj);
}

TEST(EnergyMeterTest, WithoutRaplOrNvmlTheModelIsUsedAndSaysSo) {
  TempDir root("sharc-no-rapl");
  ASSERT_TRUE(root.ok());
  EnergyMeterOptions options;
  options.rapl_root = root.File("absent");
  options.nvml_library = root.File("no-nvml.so");
  options.model.node_idle_milliwatts = 60'000;
  options.model.node_peak_milliwatts = 250'000;
  options.model.gpu["H100"] = {100'000, 700'000};
  options.model.gpu["default"] = {50'000, 300'000};
  std::unique_ptr<EnergyMeter> meter = EnergyMeter::Open(TwoPackages(/*gpus=*/2), options);
  EXPECT_EQ(meter->node().cpu_source, EnergySource::kModel);
  EXPECT_EQ(meter->node().gpu_source, EnergySource::kModel);

  meter->Sample(0, std::nullopt, {});
  // 2 s with the node 25% busy: 60 + (250 - 60) x 0.25 = 107.5 W, 215 J, 107.5 J per package.
  // Job 1 (new) ran 1 s on CPU 0; package 0 could give 2 CPUs x 2 s = 4'000'000 µs:
  // 107'500'000 x 1'000'000 / 4'000'000 = 26'875'000 µJ. It holds GPU 0 (H100): at peak,
  // 700 W x 2 s = 1'400'000'000 µJ. GPU 1 (A100, the default figure) is free: idle, 50 W x 2 s
  // = 100'000'000 µJ.
  meter->Sample(2'000, 250, {Running(1, {{0, 1'000'000}}, true, {0})});
  EXPECT_EQ(meter->attempt(Id(1)).cpu_uj, 26'875'000);
  EXPECT_EQ(meter->attempt(Id(1)).gpu_uj, 1'400'000'000);
  EXPECT_EQ(meter->node().package_uj, 215'000'000);
  EXPECT_EQ(meter->node().dram_uj, 0);
  EXPECT_EQ(meter->node().gpu_uj, 1'500'000'000);
  // 215'000'000 - 26'875'000 + 100'000'000
  EXPECT_EQ(meter->node().idle_uj, 288'125'000);
  EXPECT_EQ(meter->node().gpu_milliwatts, (std::map<int, int64_t>{{0, 700'000}, {1, 50'000}}));

  // 1 s more, fully idle node: 60 J over the packages, all idle; both GPUs free at idle.
  meter->Sample(3'000, 0, {Running(1, {{0, 1'000'000}}, true, {})});
  EXPECT_EQ(meter->attempt(Id(1)).cpu_uj, 26'875'000);  // no CPU time since the last sample
  EXPECT_EQ(meter->node().package_uj, 275'000'000);
  EXPECT_EQ(meter->node().gpu_uj, 1'500'000'000 + 100'000'000 + 50'000'000);
  EXPECT_EQ(meter->node().idle_uj, 288'125'000 + 60'000'000 + 150'000'000);
}

TEST(EnergyMeterTest, AGpuModelWithoutAFigureCountsZero) {
  TempDir root("sharc-no-rapl");
  ASSERT_TRUE(root.ok());
  EnergyMeterOptions options;
  options.rapl_root = root.File("absent");
  options.nvml_library = root.File("no-nvml.so");
  options.model.gpu["H100"] = {100'000, 700'000};  // no "default": the A100 has no figure
  std::unique_ptr<EnergyMeter> meter = EnergyMeter::Open(TwoPackages(2), options);
  meter->Sample(0, std::nullopt, {});
  meter->Sample(1'000, 0, {Running(1, {}, true, {1})});
  EXPECT_EQ(meter->attempt(Id(1)).gpu_uj, 0);
  EXPECT_EQ(meter->node().gpu_uj, 100'000'000);  // the free H100 at idle
  EXPECT_EQ(meter->node().gpu_milliwatts.at(1), 0);
}

}  // namespace
}  // namespace sharc::agent
