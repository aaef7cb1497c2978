// The cgroup v1 manager against a fake tree: a temp dir laid out like /sys/fs/cgroup with
// one directory per controller, holding the control files the kernel would create (plain
// files here, so every write can be read back exactly).
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "agent/cgroup_manager.h"
#include "agent/cgroup_v1.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::TempDir;
using ::sharc::testing::WriteTextFile;

constexpr const char* kAllControllers[] = {"cpuset",  "memory",  "pids",
                                           "devices", "cpuacct", "freezer"};
constexpr char kUnlimited[] = "9223372036854771712\n";

// A fake v1 tree: <root>/<controller>/..., each group with its controller's files.
class FakeV1Tree {
 public:
  explicit FakeV1Tree(const std::string& root,
                      std::vector<std::string> controllers = {std::begin(kAllControllers),
                                                              std::end(kAllControllers)},
                      bool swap_accounting = true)
      : root_(root), controllers_(std::move(controllers)), memsw_(swap_accounting) {
    AddGroup("");
    if (Has("cpuset")) {
      WriteTextFile(Path("cpuset", "", "cpuset.cpus"), "0-7\n");
      WriteTextFile(Path("cpuset", "", "cpuset.mems"), "0-1\n");
    }
  }

  // Creates <controller>/<group> in every hierarchy with the files a kernel would put there.
  void AddGroup(const std::string& group) {
    for (const std::string& controller : controllers_) {
      std::filesystem::create_directories(Path(controller, group, ""));
      WriteTextFile(Path(controller, group, "cgroup.procs"), "");
      for (const auto& [file, content] : DefaultFiles(controller)) {
        WriteTextFile(Path(controller, group, file), content);
      }
    }
  }

  std::string Path(const std::string& controller, const std::string& group,
                   const std::string& file) const {
    std::string path = root_ + "/" + controller;
    if (!group.empty()) path += "/" + group;
    return file.empty() ? path : path + "/" + file;
  }
  std::string Read(const std::string& controller, const std::string& group,
                   const std::string& file) const {
    return ReadTextFile(Path(controller, group, file));
  }
  void Write(const std::string& controller, const std::string& group, const std::string& file,
             const std::string& content) const {
    WriteTextFile(Path(controller, group, file), content);
  }

 private:
  bool Has(const std::string& controller) const {
    return std::find(controllers_.begin(), controllers_.end(), controller) != controllers_.end();
  }
  std::map<std::string, std::string> DefaultFiles(const std::string& controller) const {
    if (controller == "cpuset") return {{"cpuset.cpus", ""}, {"cpuset.mems", ""}};
    if (controller == "memory") {
      std::map<std::string, std::string> files = {
          {"memory.limit_in_bytes", kUnlimited},
          {"memory.swappiness", "60\n"},
          {"memory.max_usage_in_bytes", "0\n"},
          {"memory.failcnt", "0\n"},
          {"memory.oom_control", "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n"}};
      if (memsw_) files["memory.memsw.limit_in_bytes"] = kUnlimited;
      return files;
    }
    if (controller == "pids") return {{"pids.max", "max\n"}};
    if (controller == "devices") return {{"devices.allow", ""}, {"devices.deny", ""}};
    if (controller == "cpuacct") return {{"cpuacct.usage", "0\n"}};
    if (controller == "freezer") return {{"freezer.state", "THAWED\n"}};
    return {};
  }

  std::string root_;
  std::vector<std::string> controllers_;
  bool memsw_;
};

class CgroupV1FakeTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(dir_.ok()); }

  CgroupOptions Options(const std::string& parent = "sharc") const {
    CgroupOptions options;
    options.root = dir_.path();
    options.parent = parent;
    options.force_version = CgroupVersion::kV1;
    return options;
  }

  // A manager over a tree that already has the parent and the group "job-1".
  std::unique_ptr<CgroupManager> OpenWithJob(FakeV1Tree& tree) {
    tree.AddGroup("sharc");
    tree.AddGroup("sharc/job-1");
    StatusOr<std::unique_ptr<CgroupManager>> manager = CgroupManager::Open(Options());
    EXPECT_OK(manager);
    return manager.ok() ? std::move(manager).value() : nullptr;
  }

  TempDir dir_{"sharc-cgroup-v1"};
};

TEST_F(CgroupV1FakeTest, OpenCopiesCpusetDownToEveryParentLevel) {
  FakeV1Tree tree(dir_.path());
  tree.AddGroup("sharc");
  tree.AddGroup("sharc/n1");
  auto manager = CgroupManager::Open(Options("sharc/n1"));
  ASSERT_OK(manager);
  EXPECT_EQ((*manager)->version(), CgroupVersion::kV1);
  EXPECT_EQ((*manager)->Describe(), "cgroup v1 (cpuset, memory, pids, devices, cpuacct, freezer)");
  EXPECT_EQ(tree.Read("cpuset", "sharc", "cpuset.cpus"), "0-7\n");
  EXPECT_EQ(tree.Read("cpuset", "sharc", "cpuset.mems"), "0-1\n");
  EXPECT_EQ(tree.Read("cpuset", "sharc/n1", "cpuset.cpus"), "0-7\n");
  EXPECT_EQ(tree.Read("cpuset", "sharc/n1", "cpuset.mems"), "0-1\n");
}

TEST_F(CgroupV1FakeTest, OpenKeepsACpusetTheParentAlreadyHas) {
  FakeV1Tree tree(dir_.path());
  tree.AddGroup("sharc");
  tree.Write("cpuset", "sharc", "cpuset.cpus", "2-3\n");
  ASSERT_OK(CgroupManager::Open(Options()));
  EXPECT_EQ(tree.Read("cpuset", "sharc", "cpuset.cpus"), "2-3\n");
  EXPECT_EQ(tree.Read("cpuset", "sharc", "cpuset.mems"), "0-1\n");
}

TEST_F(CgroupV1FakeTest, OpenSaysWhichRequiredControllersAreMissing) {
  FakeV1Tree tree(dir_.path(), {"cpuset", "memory", "devices"});
  auto manager = CgroupManager::Open(Options());
  ASSERT_FALSE(manager.ok());
  EXPECT_EQ(manager.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(manager.status().message(),
            "no cgroup hierarchy with the pids controller is mounted under " + dir_.path());
}

TEST_F(CgroupV1FakeTest, OpenRefusesAParentThatLeavesTheHierarchy) {
  FakeV1Tree tree(dir_.path());
  for (const char* parent : {"../etc", "sharc//n1", "/sharc", ""}) {
    auto manager = CgroupManager::Open(Options(parent));
    ASSERT_FALSE(manager.ok()) << parent;
    EXPECT_EQ(manager.status().code(), StatusCode::kInvalidArgument) << parent;
  }
}

TEST_F(CgroupV1FakeTest, DescribeNamesMissingOptionalControllers) {
  FakeV1Tree tree(dir_.path(), {"cpuset", "memory", "pids"});
  tree.AddGroup("sharc");
  tree.AddGroup("sharc/job-1");
  auto manager = CgroupManager::Open(Options());
  ASSERT_OK(manager);
  EXPECT_EQ((*manager)->Describe(),
            "cgroup v1 (cpuset, memory, pids; devices not enforced: no devices hierarchy; no CPU "
            "time: no cpuacct hierarchy; kills without freezing: no freezer hierarchy)");
  // Devices are asked for but cannot be enforced: Create still succeeds.
  JobLimits limits;
  limits.allowed_devices = std::vector<DeviceRule>{};
  EXPECT_OK((*manager)->Create("job-1", limits));
  auto usage = (*manager)->Usage("job-1");
  ASSERT_OK(usage);
  EXPECT_EQ(usage->cpu_time_ms, 0);
}

TEST_F(CgroupV1FakeTest, DetectsV1WhenTheUnifiedRootLacksControllers) {
  // Like this machine: a cgroup2 root offering only hugetlb, v1 hierarchies beside it.
  FakeV1Tree tree(dir_.path());
  tree.AddGroup("sharc");
  WriteTextFile(dir_.File("cgroup.controllers"), "hugetlb\n");
  CgroupOptions options = Options();
  options.force_version.reset();
  auto manager = CgroupManager::Open(options);
  ASSERT_OK(manager);
  EXPECT_EQ((*manager)->version(), CgroupVersion::kV1);
}

TEST_F(CgroupV1FakeTest, NeitherVersionUsableNamesBothProblems) {
  WriteTextFile(dir_.File("cgroup.controllers"), "hugetlb\n");
  CgroupOptions options = Options();
  options.force_version.reset();
  auto manager = CgroupManager::Open(options);
  ASSERT_FALSE(manager.ok());
  EXPECT_EQ(manager.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(manager.status().message().find("lacks controllers: cpuset memory pids"),
            std::string::npos)
      << manager.status().message();
  EXPECT_NE(manager.status().message().find(
                "no cgroup hierarchy with the cpuset, memory, pids controllers is mounted"),
            std::string::npos)
      << manager.status().message();
}

TEST_F(CgroupV1FakeTest, CreateWritesEveryLimit) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  JobLimits limits;
  limits.cpus = {8, 0, 1, 2, 3};
  limits.memory_bytes = 32 << 20;
  limits.pids_max = 20;
  ASSERT_OK(manager->Create("job-1", limits));
  EXPECT_EQ(tree.Read("cpuset", "sharc/job-1", "cpuset.cpus"), "0-3,8\n");
  EXPECT_EQ(tree.Read("cpuset", "sharc/job-1", "cpuset.mems"), "0-1\n");  // the parent's
  EXPECT_EQ(tree.Read("memory", "sharc/job-1", "memory.limit_in_bytes"), "33554432\n");
  EXPECT_EQ(tree.Read("memory", "sharc/job-1", "memory.memsw.limit_in_bytes"), "33554432\n");
  EXPECT_EQ(tree.Read("memory", "sharc/job-1", "memory.swappiness"), "60\n");  // untouched
  EXPECT_EQ(tree.Read("memory", "sharc/job-1", "memory.oom_control"),
            "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  EXPECT_EQ(tree.Read("pids", "sharc/job-1", "pids.max"), "20\n");
  // allowed_devices unset: devices are left alone.
  EXPECT_EQ(tree.Read("devices", "sharc/job-1", "devices.deny"), "");
  EXPECT_EQ(tree.Read("devices", "sharc/job-1", "devices.allow"), "");
}

TEST_F(CgroupV1FakeTest, CreateWithoutLimitsWritesTheUnlimitedValues) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  tree.Write("cpuset", "sharc", "cpuset.cpus", "1,3\n");
  ASSERT_OK(manager->Create("job-1", JobLimits{}));
  EXPECT_EQ(tree.Read("cpuset", "sharc/job-1", "cpuset.cpus"), "1,3\n");
  EXPECT_EQ(tree.Read("cpuset", "sharc/job-1", "cpuset.mems"), "0-1\n");
  EXPECT_EQ(tree.Read("memory", "sharc/job-1", "memory.limit_in_bytes"), "-1\n");
  EXPECT_EQ(tree.Read("memory", "sharc/job-1", "memory.memsw.limit_in_bytes"), "-1\n");
  EXPECT_EQ(tree.Read("pids", "sharc/job-1", "pids.max"), "max\n");
}

TEST_F(CgroupV1FakeTest, WithoutSwapAccountingSwappinessIsZero) {
  FakeV1Tree tree(dir_.path(), {std::begin(kAllControllers), std::end(kAllControllers)},
                  /*swap_accounting=*/false);
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  JobLimits limits;
  limits.memory_bytes = 64 << 20;
  ASSERT_OK(manager->Create("job-1", limits));
  EXPECT_EQ(tree.Read("memory", "sharc/job-1", "memory.limit_in_bytes"), "67108864\n");
  EXPECT_EQ(tree.Read("memory", "sharc/job-1", "memory.swappiness"), "0\n");
  EXPECT_FALSE(
      std::filesystem::exists(tree.Path("memory", "sharc/job-1", "memory.memsw.limit_in_bytes")));
}

TEST_F(CgroupV1FakeTest, CreateDeniesAllDevicesThenAllowsTheStandardSetAndTheJobs) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  JobLimits limits;
  limits.allowed_devices =
      std::vector<DeviceRule>{{'c', 195, 0, "rwm"}, {'c', 195, -1, "rw"}, {'b', 8, 1, "r"}};
  ASSERT_OK(manager->Create("job-1", limits));
  EXPECT_EQ(tree.Read("devices", "sharc/job-1", "devices.deny"), "a\n");
  EXPECT_EQ(tree.Read("devices", "sharc/job-1", "devices.allow"),
            "c 1:3 rwm\nc 1:5 rwm\nc 1:7 rwm\nc 1:8 rwm\nc 1:9 rwm\nc 5:0 rwm\nc 5:2 rwm\n"
            "c 136:* rwm\nc 195:0 rwm\nc 195:* rw\nb 8:1 r\n");
}

TEST_F(CgroupV1FakeTest, CreateRefusesBadInputBeforeTouchingTheTree) {
  FakeV1Tree tree(dir_.path());
  tree.AddGroup("sharc");
  auto manager = CgroupManager::Open(Options());
  ASSERT_OK(manager);
  JobLimits bad_device;
  bad_device.allowed_devices = std::vector<DeviceRule>{{'x', 1, 3, "rwm"}};
  JobLimits bad_access;
  bad_access.allowed_devices = std::vector<DeviceRule>{{'c', 1, 3, "rwx"}};
  JobLimits bad_memory;
  bad_memory.memory_bytes = -1;
  for (const JobLimits& limits : {bad_device, bad_access, bad_memory}) {
    Status s = (*manager)->Create("job-2", limits);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  }
  for (const char* name : {"../job", "", ".hidden", "a/b"}) {
    EXPECT_EQ((*manager)->Create(name, JobLimits{}).code(), StatusCode::kInvalidArgument) << name;
  }
  for (const char* controller : kAllControllers) {
    EXPECT_FALSE(std::filesystem::exists(tree.Path(controller, "sharc/job-2", "")));
  }
}

TEST_F(CgroupV1FakeTest, FailedCreateLeavesNothingBehind) {
  // The job's directories start out empty here, so the first write finds no cpuset.cpus.
  FakeV1Tree tree(dir_.path());
  tree.AddGroup("sharc");
  auto manager = CgroupManager::Open(Options());
  ASSERT_OK(manager);
  Status s = (*manager)->Create("job-3", JobLimits{});
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), tree.Path("cpuset", "sharc/job-3", "cpuset.cpus") +
                             ": cannot write \"0-7\": No such file or directory");
  for (const char* controller : kAllControllers) {
    EXPECT_FALSE(std::filesystem::exists(tree.Path(controller, "sharc/job-3", "")));
  }
}

TEST_F(CgroupV1FakeTest, WriteErrorsNameTheFileAndTheErrno) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  // A control file that cannot be written: read-only for a non-root test; a directory in
  // its place fails for root too.
  std::string file = tree.Path("memory", "sharc/job-1", "memory.limit_in_bytes");
  std::string expected;
  if (geteuid() == 0) {
    std::filesystem::remove(file);
    std::filesystem::create_directory(file);
    expected = file + ": cannot write \"33554432\": Is a directory";
  } else {
    ASSERT_EQ(chmod(file.c_str(), 0444), 0);
    expected = file + ": cannot write \"33554432\": Permission denied";
  }
  // Without swap accounting the limit is the first memory file written.
  std::filesystem::remove(tree.Path("memory", "sharc/job-1", "memory.memsw.limit_in_bytes"));
  JobLimits limits;
  limits.memory_bytes = 32 << 20;
  Status s = manager->Create("job-1", limits);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), expected);
  // The group existed before: a failed Create of an existing group does not remove it.
  EXPECT_TRUE(std::filesystem::exists(tree.Path("memory", "sharc/job-1", "")));
}

TEST_F(CgroupV1FakeTest, ProcsFilesAreOnePerHierarchy) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  std::vector<std::string> expected;
  for (const char* controller : kAllControllers) {
    expected.push_back(tree.Path(controller, "sharc/job-1", "cgroup.procs"));
  }
  EXPECT_EQ(manager->ProcsFiles("job-1"), expected);
}

TEST_F(CgroupV1FakeTest, CoMountedControllersShareOneProcsFile) {
  std::string root = dir_.path();
  for (const char* dir : {"cpuset,cpuacct", "memory", "pids"}) {
    std::filesystem::create_directories(root + "/" + dir + "/sharc");
    WriteTextFile(root + "/" + dir + "/sharc/cpuset.cpus", "0\n");
    WriteTextFile(root + "/" + dir + "/sharc/cpuset.mems", "0\n");
  }
  CgroupV1::Hierarchies hierarchies = {{"cpuset", root + "/cpuset,cpuacct"},
                                       {"cpuacct", root + "/cpuset,cpuacct"},
                                       {"memory", root + "/memory"},
                                       {"pids", root + "/pids"}};
  auto manager = CgroupV1::Open(Options(), hierarchies);
  ASSERT_OK(manager);
  EXPECT_EQ((*manager)->ProcsFiles("j"),
            (std::vector<std::string>{root + "/cpuset,cpuacct/sharc/j/cgroup.procs",
                                      root + "/memory/sharc/j/cgroup.procs",
                                      root + "/pids/sharc/j/cgroup.procs"}));
}

TEST_F(CgroupV1FakeTest, PidsAreTheUnionOfAllHierarchies) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  tree.Write("cpuset", "sharc/job-1", "cgroup.procs", "34\n12\n");
  tree.Write("memory", "sharc/job-1", "cgroup.procs", "34\n56\n");
  auto pids = manager->Pids("job-1");
  ASSERT_OK(pids);
  EXPECT_EQ(*pids, (std::vector<int>{12, 34, 56}));
  EXPECT_EQ(manager->Pids("job-9").status().code(), StatusCode::kNotFound);
  tree.Write("pids", "sharc/job-1", "cgroup.procs", "x\n");
  EXPECT_EQ(manager->Pids("job-1").status().message(),
            tree.Path("pids", "sharc/job-1", "cgroup.procs") + ": not a pid: \"x\"");
}

TEST_F(CgroupV1FakeTest, UsageReadsCpuPeakAndOomKill) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  tree.Write("cpuacct", "sharc/job-1", "cpuacct.usage", "1234567890\n");
  tree.Write("memory", "sharc/job-1", "memory.max_usage_in_bytes", "33550336\n");
  tree.Write("memory", "sharc/job-1", "memory.oom_control",
             "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
  auto usage = manager->Usage("job-1");
  ASSERT_OK(usage);
  EXPECT_EQ(usage->cpu_time_ms, 1234);
  EXPECT_EQ(usage->peak_memory_bytes, 33550336);
  EXPECT_TRUE(usage->oom_killed);

  tree.Write("memory", "sharc/job-1", "memory.oom_control",
             "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
  tree.Write("memory", "sharc/job-1", "memory.failcnt", "7\n");  // oom_kill is authoritative
  usage = manager->Usage("job-1");
  ASSERT_OK(usage);
  EXPECT_FALSE(usage->oom_killed);
}

TEST_F(CgroupV1FakeTest, OldKernelsWithoutOomKillFallBackToFailcnt) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  tree.Write("memory", "sharc/job-1", "memory.oom_control", "oom_kill_disable 0\nunder_oom 0\n");
  auto usage = manager->Usage("job-1");
  ASSERT_OK(usage);
  EXPECT_FALSE(usage->oom_killed);
  tree.Write("memory", "sharc/job-1", "memory.failcnt", "3\n");
  usage = manager->Usage("job-1");
  ASSERT_OK(usage);
  EXPECT_TRUE(usage->oom_killed);
}

TEST_F(CgroupV1FakeTest, UsageOfAMissingGroupIsNotFound) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  auto usage = manager->Usage("job-9");
  EXPECT_EQ(usage.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(usage.status().message(),
            tree.Path("cpuacct", "sharc/job-9", "cpuacct.usage") + ": No such file or directory");
}

TEST_F(CgroupV1FakeTest, CpuTimePerCpuReadsUsagePercpuInMicroseconds) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  tree.Write("cpuacct", "sharc/job-1", "cpuacct.usage_percpu", "0 2000000 0 999 3000000000 \n");
  auto per_cpu = manager->CpuTimePerCpuMicros("job-1");
  ASSERT_OK(per_cpu);
  EXPECT_EQ(*per_cpu, (std::map<int, int64_t>{{1, 2000}, {4, 3000000}}));  // 999 ns rounds to 0

  tree.Write("cpuacct", "sharc/job-1", "cpuacct.usage_percpu", "12 x\n");
  per_cpu = manager->CpuTimePerCpuMicros("job-1");
  EXPECT_EQ(
      per_cpu.status().message(),
      tree.Path("cpuacct", "sharc/job-1", "cpuacct.usage_percpu") + ": not a CPU time: \"x\"");
  EXPECT_EQ(manager->CpuTimePerCpuMicros("job-9").status().code(), StatusCode::kNotFound);
}

TEST_F(CgroupV1FakeTest, KillAllOfAnEmptyGroupLeavesTheFreezerAlone) {
  FakeV1Tree tree(dir_.path());
  auto manager = OpenWithJob(tree);
  ASSERT_NE(manager, nullptr);
  const std::string before = tree.Read("freezer", "sharc/job-1", "freezer.state");
  EXPECT_OK(manager->KillAll("job-1"));
  EXPECT_EQ(tree.Read("freezer", "sharc/job-1", "freezer.state"), before);
  EXPECT_OK(manager->KillAll("job-9"));  // no such group: nothing to kill
}

TEST_F(CgroupV1FakeTest, RemoveDeletesTheGroupInEveryHierarchy) {
  FakeV1Tree tree(dir_.path());
  tree.AddGroup("sharc");
  auto manager = CgroupManager::Open(Options());
  ASSERT_OK(manager);
  for (const char* controller : kAllControllers) {
    std::filesystem::create_directory(tree.Path(controller, "sharc/job-4", ""));
  }
  EXPECT_OK((*manager)->Remove("job-4"));
  for (const char* controller : kAllControllers) {
    EXPECT_FALSE(std::filesystem::exists(tree.Path(controller, "sharc/job-4", "")));
  }
  EXPECT_OK((*manager)->Remove("job-4"));  // already gone

  tree.AddGroup("sharc/job-5");  // plain files keep a fake group from being removed
  Status s = (*manager)->Remove("job-5");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), tree.Path("cpuset", "sharc/job-5", "") +
                             ": cannot remove the group: Directory not empty");
}

TEST(CgroupV1MountInfoTest, ParsesControllersAndMountPoints) {
  const std::string mountinfo =
      "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
      "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:9 - cgroup cgroup "
      "rw,cpu,cpuacct\n"
      "33 30 0:30 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset\n"
      "34 30 0:31 /docker/abc /my\\040cgroups/memory rw - cgroup cgroup rw,memory\n"
      "35 30 0:32 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
      "36 30 0:33 / /mnt/other-pids rw - cgroup cgroup rw,pids\n"
      "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n"
      "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw,memory_recursiveprot\n";
  CgroupV1::Hierarchies expected = {{"cpuacct", "/sys/fs/cgroup/cpu,cpuacct"},
                                    {"cpuset", "/sys/fs/cgroup/cpuset"},
                                    {"memory", "/my cgroups/memory"},
                                    {"pids", "/sys/fs/cgroup/pids"}};
  EXPECT_EQ(CgroupV1::ParseMountInfo(mountinfo), expected);
  EXPECT_TRUE(CgroupV1::ParseMountInfo("garbage\n\n - \n").empty());
}

TEST(CgroupV1DeviceRuleTest, FormatsRules) {
  EXPECT_EQ(*CgroupV1::FormatDeviceRule({'c', 195, 0, "rwm"}), "c 195:0 rwm");
  EXPECT_EQ(*CgroupV1::FormatDeviceRule({'b', 8, -1, "r"}), "b 8:* r");
  EXPECT_FALSE(CgroupV1::FormatDeviceRule({'c', -1, 0, "r"}).ok());
  EXPECT_FALSE(CgroupV1::FormatDeviceRule({'c', 1, -2, "r"}).ok());
  EXPECT_FALSE(CgroupV1::FormatDeviceRule({'c', 1, 3, ""}).ok());
  EXPECT_FALSE(CgroupV1::FormatDeviceRule({'c', 1, 3, "rr"}).ok());
}

}  // namespace
}  // namespace sharc::agent
