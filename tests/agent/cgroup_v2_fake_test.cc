// The cgroup v2 manager against a fake unified tree in a temp dir (plain files standing in
// for the control files, so every write can be read back exactly). This machine's kernel has
// no usable v2 hierarchy, so these are the v2 tests.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/cgroup_manager.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

class CgroupV2FakeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(dir_.ok());
    WriteTextFile(dir_.File("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma\n");
    WriteTextFile(dir_.File("cgroup.subtree_control"), "");
    WriteTextFile(dir_.File("cgroup.procs"), "");
  }

  // A group with the files a 6.x kernel creates (swap accounting on).
  void AddGroup(const std::string& group) {
    std::string dir = Path(group, "");
    std::filesystem::create_directories(dir);
    for (const char* file : {"cgroup.procs", "cgroup.subtree_control", "cgroup.kill",
                             "cgroup.freeze", "cpuset.cpus", "cpuset.mems"}) {
      WriteTextFile(dir + "/" + file, "");
    }
    for (const char* file : {"memory.max", "memory.swap.max", "pids.max"}) {
      WriteTextFile(dir + "/" + file, "max\n");
    }
    WriteTextFile(dir + "/cgroup.events", "populated 0\nfrozen 0\n");
    WriteTextFile(dir + "/cpu.stat", "usage_usec 0\nuser_usec 0\nsystem_usec 0\n");
    WriteTextFile(dir + "/memory.peak", "0\n");
    WriteTextFile(dir + "/memory.events", "low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n");
  }

  std::string Path(const std::string& group, const std::string& file) const {
    std::string path = dir_.path() + "/" + group;
    return file.empty() ? path : path + "/" + file;
  }
  std::string Read(const std::string& group, const std::string& file) const {
    return ReadTextFile(Path(group, file));
  }

  CgroupOptions Options(const std::string& parent = "sharc") const {
    CgroupOptions options;
    options.root = dir_.path();
    options.parent = parent;
    options.force_version = CgroupVersion::kV2;
    return options;
  }

  std::unique_ptr<CgroupManager> OpenWithJob() {
    AddGroup("sharc");
    AddGroup("sharc/job-1");
    auto manager = CgroupManager::Open(Options());
    EXPECT_OK(manager);
    return manager.ok() ? std::move(manager).value() : nullptr;
  }

  TempDir dir_{"sharc-cgroup-v2"};
};

TEST_F(CgroupV2FakeTest, OpenEnablesControllersAtTheRootAndEveryParentLevel) {
  AddGroup("sharc");
  AddGroup("sharc/n1");
  auto manager = CgroupManager::Open(Options("sharc/n1"));
  ASSERT_OK(manager);
  EXPECT_EQ((*manager)->version(), CgroupVersion::kV2);
  EXPECT_EQ(ReadTextFile(dir_.File("cgroup.subtree_control")), "+cpuset +memory +pids\n");
  EXPECT_EQ(Read("sharc", "cgroup.subtree_control"), "+cpuset +memory +pids\n");
  EXPECT_EQ(Read("sharc/n1", "cgroup.subtree_control"), "+cpuset +memory +pids\n");
  EXPECT_NE((*manager)->Describe().find("devices not enforced: needs eBPF"), std::string::npos);
}

TEST_F(CgroupV2FakeTest, OpenLeavesLevelsThatAlreadyEnableTheControllers) {
  WriteTextFile(dir_.File("cgroup.subtree_control"), "cpu cpuset memory pids\n");
  AddGroup("sharc");
  ASSERT_OK(CgroupManager::Open(Options()));
  EXPECT_EQ(ReadTextFile(dir_.File("cgroup.subtree_control")), "cpu cpuset memory pids\n");
  EXPECT_EQ(Read("sharc", "cgroup.subtree_control"), "+cpuset +memory +pids\n");
}

TEST_F(CgroupV2FakeTest, DetectsV2WhenTheRootOffersTheControllers) {
  AddGroup("sharc");
  CgroupOptions options = Options();
  options.force_version.reset();
  auto manager = CgroupManager::Open(options);
  ASSERT_OK(manager);
  EXPECT_EQ((*manager)->version(), CgroupVersion::kV2);
}

TEST_F(CgroupV2FakeTest, OpenSaysWhichControllersTheRootLacks) {
  WriteTextFile(dir_.File("cgroup.controllers"), "cpu io pids\n");
  auto manager = CgroupManager::Open(Options());
  ASSERT_FALSE(manager.ok());
  EXPECT_EQ(manager.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(manager.status().message(), "cgroup v2 at " + dir_.path() +
                                            " lacks controllers: cpuset memory (its "
                                            "cgroup.controllers: \"cpu io pids\")");
}

TEST_F(CgroupV2FakeTest, OpenFailsWhenTheParentCannotEnableControllers) {
  // The parent directory exists but has no cgroup.subtree_control (not a cgroup).
  std::filesystem::create_directories(Path("sharc", ""));
  auto manager = CgroupManager::Open(Options());
  ASSERT_FALSE(manager.ok());
  EXPECT_EQ(manager.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(manager.status().message(), "cgroup v2: " + Path("sharc", "cgroup.subtree_control") +
                                            ": No such file or directory");
}

TEST_F(CgroupV2FakeTest, CreateWritesEveryLimit) {
  auto manager = OpenWithJob();
  ASSERT_NE(manager, nullptr);
  JobLimits limits;
  limits.cpus = {0, 1, 4};
  limits.mems = {0};
  limits.memory_bytes = 32 << 20;
  limits.pids_max = 20;
  limits.allowed_devices = std::vector<DeviceRule>{{'c', 195, 0, "rwm"}};  // accepted, unenforced
  ASSERT_OK(manager->Create("job-1", limits));
  EXPECT_EQ(Read("sharc/job-1", "cpuset.cpus"), "0,1,4\n");
  EXPECT_EQ(Read("sharc/job-1", "cpuset.mems"), "0\n");
  EXPECT_EQ(Read("sharc/job-1", "memory.max"), "33554432\n");
  EXPECT_EQ(Read("sharc/job-1", "memory.swap.max"), "0\n");
  EXPECT_EQ(Read("sharc/job-1", "pids.max"), "20\n");
}

TEST_F(CgroupV2FakeTest, CreateWithoutLimitsInheritsAndUnlimits) {
  auto manager = OpenWithJob();
  ASSERT_NE(manager, nullptr);
  std::filesystem::remove(Path("sharc/job-1", "memory.swap.max"));  // no swap accounting
  ASSERT_OK(manager->Create("job-1", JobLimits{}));
  EXPECT_EQ(Read("sharc/job-1", "cpuset.cpus"), "\n");  // "" = the parent's
  EXPECT_EQ(Read("sharc/job-1", "cpuset.mems"), "\n");
  EXPECT_EQ(Read("sharc/job-1", "memory.max"), "max\n");
  EXPECT_EQ(Read("sharc/job-1", "pids.max"), "max\n");
  EXPECT_FALSE(std::filesystem::exists(Path("sharc/job-1", "memory.swap.max")));
}

TEST_F(CgroupV2FakeTest, FailedCreateNamesTheFileAndLeavesNothingBehind) {
  AddGroup("sharc");
  auto manager = CgroupManager::Open(Options());
  ASSERT_OK(manager);
  // A new, empty directory has no cpuset.cpus to write.
  Status s = (*manager)->Create("job-2", JobLimits{});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(),
            Path("sharc/job-2", "cpuset.cpus") + ": cannot write \"\": No such file or directory");
  EXPECT_FALSE(std::filesystem::exists(Path("sharc/job-2", "")));
  EXPECT_EQ((*manager)->Create("../x", JobLimits{}).code(), StatusCode::kInvalidArgument);
}

TEST_F(CgroupV2FakeTest, ProcsFilesAndPids) {
  auto manager = OpenWithJob();
  ASSERT_NE(manager, nullptr);
  EXPECT_EQ(manager->ProcsFiles("job-1"),
            std::vector<std::string>{Path("sharc/job-1", "cgroup.procs")});
  WriteTextFile(Path("sharc/job-1", "cgroup.procs"), "101\n202\n");
  auto pids = manager->Pids("job-1");
  ASSERT_OK(pids);
  EXPECT_EQ(*pids, (std::vector<int>{101, 202}));
  EXPECT_EQ(manager->Pids("job-9").status().code(), StatusCode::kNotFound);
}

TEST_F(CgroupV2FakeTest, UsageReadsCpuStatPeakAndOomKill) {
  auto manager = OpenWithJob();
  ASSERT_NE(manager, nullptr);
  WriteTextFile(Path("sharc/job-1", "cpu.stat"),
                "usage_usec 250999\nuser_usec 200000\nsystem_usec 50999\nnr_periods 0\n");
  WriteTextFile(Path("sharc/job-1", "memory.peak"), "33554432\n");
  WriteTextFile(Path("sharc/job-1", "memory.events"),
                "low 0\nhigh 0\nmax 12\noom 1\noom_kill 1\noom_group_kill 0\n");
  auto usage = manager->Usage("job-1");
  ASSERT_OK(usage);
  EXPECT_EQ(usage->cpu_time_ms, 250);
  EXPECT_EQ(usage->peak_memory_bytes, 33554432);
  EXPECT_TRUE(usage->oom_killed);

  // Before 5.19 there is no memory.peak; "max" hits without a kill are not an OOM kill.
  std::filesystem::remove(Path("sharc/job-1", "memory.peak"));
  WriteTextFile(Path("sharc/job-1", "memory.events"), "low 0\nhigh 0\nmax 12\noom 0\noom_kill 0\n");
  usage = manager->Usage("job-1");
  ASSERT_OK(usage);
  EXPECT_EQ(usage->peak_memory_bytes, 0);
  EXPECT_FALSE(usage->oom_killed);

  WriteTextFile(Path("sharc/job-1", "cpu.stat"), "user_usec 1\n");
  EXPECT_EQ(manager->Usage("job-1").status().message(),
            Path("sharc/job-1", "cpu.stat") + ": no usage_usec line");
}

TEST_F(CgroupV2FakeTest, KillAllUsesCgroupKill) {
  auto manager = OpenWithJob();
  ASSERT_NE(manager, nullptr);
  EXPECT_OK(manager->KillAll("job-1"));
  EXPECT_EQ(Read("sharc/job-1", "cgroup.kill"), "1\n");
  EXPECT_EQ(Read("sharc/job-1", "cgroup.freeze"), "");
  EXPECT_OK(manager->KillAll("job-9"));  // no such group: nothing to kill
}

TEST_F(CgroupV2FakeTest, KillAllFreezesWhenThereIsNoCgroupKill) {
  auto manager = OpenWithJob();
  ASSERT_NE(manager, nullptr);
  std::filesystem::remove(Path("sharc/job-1", "cgroup.kill"));  // before 5.14
  WriteTextFile(Path("sharc/job-1", "cgroup.events"), "populated 0\nfrozen 1\n");
  EXPECT_OK(manager->KillAll("job-1"));
  EXPECT_EQ(Read("sharc/job-1", "cgroup.freeze"), "0\n");  // frozen, then thawed
}

TEST_F(CgroupV2FakeTest, RemoveDeletesTheGroup) {
  AddGroup("sharc");
  auto manager = CgroupManager::Open(Options());
  ASSERT_OK(manager);
  std::filesystem::create_directory(Path("sharc/job-3", ""));
  EXPECT_OK((*manager)->Remove("job-3"));
  EXPECT_FALSE(std::filesystem::exists(Path("sharc/job-3", "")));
  EXPECT_OK((*manager)->Remove("job-3"));
}

TEST_F(CgroupV2FakeTest, CpuTimePerCpuSplitsUsageEvenlyOverTheGroupsCpus) {
  auto manager = OpenWithJob();
  ASSERT_NE(manager, nullptr);
  WriteTextFile(Path("sharc/job-1", "cpu.stat"), "usage_usec 1000003\nuser_usec 1\n");
  WriteTextFile(Path("sharc/job-1", "cpuset.cpus"), "2-3,8\n");
  auto per_cpu = manager->CpuTimePerCpuMicros("job-1");
  ASSERT_OK(per_cpu);
  EXPECT_EQ(*per_cpu, (std::map<int, int64_t>{{2, 333335}, {3, 333334}, {8, 333334}}));

  // The effective set wins when the kernel provides it.
  WriteTextFile(Path("sharc/job-1", "cpuset.cpus.effective"), "5\n");
  per_cpu = manager->CpuTimePerCpuMicros("job-1");
  ASSERT_OK(per_cpu);
  EXPECT_EQ(*per_cpu, (std::map<int, int64_t>{{5, 1000003}}));
  EXPECT_EQ(manager->CpuTimePerCpuMicros("job-9").status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace sharc::agent
