// The cgroup v1 manager on the real kernel: jobs are real processes that join their groups
// the way the launcher's job child does (writing their pid into ProcsFiles()) and then run
// a shell command or a small workload. Needs root and writable v1 cpuset, memory and pids
// hierarchies; skipped with the reason otherwise. Every wait polls with a deadline.
//
// Each test owns the parent "sharc-test-<pid>" in every hierarchy and removes it in TearDown,
// after killing whatever is left. The test process is a child subreaper while it runs, so
// processes that double-fork out of a job are reparented to it and reaped.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "agent/cgroup_manager.h"
#include "agent/cgroup_v1.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait_for.h"

namespace sharc::agent {
namespace {

using ::sharc::testing::ReadTextFile;
using ::sharc::testing::WaitFor;
using namespace std::chrono_literals;

constexpr int64_t kMiB = 1 << 20;

// Writes all of `text` to `fd` (for use after fork).
void WriteAll(int fd, const std::string& text) {
  size_t off = 0;
  while (off < text.size()) {
    ssize_t n = ::write(fd, text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;
    off += static_cast<size_t>(n);
  }
}

// A job process: the pid and the read end of a pipe that is its stdout.
struct Job {
  pid_t pid = -1;
  int out = -1;
};

// Forks a child that joins the group through `procs_files` (exit 120 if it cannot), points
// its stdout at a pipe, and then exits with `body()` (which may exec instead).
Job Spawn(const std::vector<std::string>& procs_files, const std::function<int()>& body) {
  int pipe_fds[2];
  if (::pipe2(pipe_fds, O_CLOEXEC) != 0) return {};
  pid_t pid = ::fork();
  if (pid == 0) {
    std::string self = std::to_string(::getpid());
    for (const std::string& file : procs_files) {
      int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
      if (fd < 0 || ::write(fd, self.data(), self.size()) != static_cast<ssize_t>(self.size())) {
        ::_exit(120);
      }
      ::close(fd);
    }
    ::dup2(pipe_fds[1], STDOUT_FILENO);
    ::_exit(body());
  }
  ::close(pipe_fds[1]);
  if (pid < 0) {
    ::close(pipe_fds[0]);
    return {};
  }
  return {pid, pipe_fds[0]};
}

std::function<int()> Shell(const std::string& script) {
  return [script] {
    ::execl("/bin/sh", "sh", "-c", script.c_str(), static_cast<char*>(nullptr));
    return 127;
  };
}

// One line of `fd` without its newline; what was read so far at EOF or after `timeout`.
std::string ReadLine(int fd, std::chrono::milliseconds timeout = 20s) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string line;
  while (true) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    struct pollfd p = {fd, POLLIN, 0};
    if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return line;
    char c;
    if (::read(fd, &c, 1) != 1 || c == '\n') return line;
    line += c;
  }
}

// The wait status of the child `pid` once it has ended; nullopt if it is still running at the
// deadline.
std::optional<int> WaitForExit(pid_t pid, std::chrono::milliseconds timeout = 20s) {
  int status = 0;
  bool ended = WaitFor([&] { return ::waitpid(pid, &status, WNOHANG) == pid; }, timeout, 1ms);
  if (!ended) return std::nullopt;
  return status;
}

bool KilledBySigkill(std::optional<int> status) {
  return status.has_value() && WIFSIGNALED(*status) && WTERMSIG(*status) == SIGKILL;
}
bool ExitedZero(std::optional<int> status) {
  return status.has_value() && WIFEXITED(*status) && WEXITSTATUS(*status) == 0;
}

// Running and not a zombie.
bool IsAlive(pid_t pid) {
  std::string stat = ReadTextFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

class CgroupV1KernelTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (::geteuid() != 0) GTEST_SKIP() << "needs root to create cgroups";
    options_.parent = "sharc-test-" + std::to_string(::getpid());
    hierarchies_ = CgroupV1::Find(options_);
    auto manager = CgroupManager::Open(options_);
    if (!manager.ok()) {
      GTEST_SKIP() << "no usable cgroup hierarchy: " << manager.status().ToString();
    }
    manager_ = std::move(manager).value();
    if (manager_->version() != CgroupVersion::kV1) {
      std::string described = manager_->Describe();
      ::rmdir((options_.root + "/" + options_.parent).c_str());  // the v2 parent Open made
      manager_.reset();
      GTEST_SKIP() << "these tests need cgroup v1; this machine has " << described;
    }
    ASSERT_EQ(::prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
  }

  void TearDown() override {
    if (manager_ != nullptr) {
      for (const std::string& name : jobs_) {
        EXPECT_OK(manager_->KillAll(name));
        EXPECT_OK(manager_->Remove(name));
      }
    }
    for (const Job& job : spawned_) {
      if (job.out >= 0) ::close(job.out);
    }
    ReapAll();
    RemoveParent();
    ::prctl(PR_SET_CHILD_SUBREAPER, 0);
  }

  // Creates the group and remembers it for TearDown.
  void CreateJob(const std::string& name, const JobLimits& limits) {
    jobs_.push_back(name);
    ASSERT_OK(manager_->Create(name, limits));
  }

  Job SpawnIn(const std::string& name, const std::function<int()>& body) {
    Job job = Spawn(manager_->ProcsFiles(name), body);
    EXPECT_GT(job.pid, 0) << "fork failed";
    spawned_.push_back(job);
    return job;
  }

  // Reaps every child (jobs and the orphans reparented here), waiting a bounded time.
  void ReapAll() {
    WaitFor(
        [] {
          while (true) {
            pid_t pid = ::waitpid(-1, nullptr, WNOHANG);
            if (pid < 0) return true;    // no children left
            if (pid == 0) return false;  // some still running
          }
        },
        5s);
  }

  // The parent in every hierarchy, after emptying any group left under it.
  void RemoveParent() {
    std::set<std::string> mounts;
    for (const auto& [controller, mount] : hierarchies_) mounts.insert(mount);
    for (const std::string& mount : mounts) {
      std::string parent = mount + "/" + options_.parent;
      std::error_code error;
      for (const auto& entry : std::filesystem::directory_iterator(parent, error)) {
        if (!entry.is_directory()) continue;
        ADD_FAILURE() << "group left behind: " << entry.path();
        ::rmdir(entry.path().c_str());
      }
      if (std::filesystem::exists(parent)) {
        EXPECT_EQ(::rmdir(parent.c_str()), 0) << parent << ": " << std::strerror(errno);
      }
    }
  }

  CgroupOptions options_;
  CgroupV1::Hierarchies hierarchies_;
  std::unique_ptr<CgroupManager> manager_;
  std::vector<std::string> jobs_;
  std::vector<Job> spawned_;
};

TEST_F(CgroupV1KernelTest, CpusetConfinesTheJobToItsCpus) {
  JobLimits limits;
  limits.cpus = {0};
  CreateJob("cpus", limits);
  Job job = SpawnIn("cpus", Shell("grep Cpus_allowed_list /proc/self/status"));
  EXPECT_EQ(ReadLine(job.out), "Cpus_allowed_list:\t0");
  EXPECT_TRUE(ExitedZero(WaitForExit(job.pid)));
}

TEST_F(CgroupV1KernelTest, MemoryLimitOomKillsTheJobAndSparesItsNeighbour) {
  // Touches `bytes` of fresh anonymous memory, page by page.
  auto allocate = [](size_t bytes) {
    return [bytes] {
      void* memory =
          ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (memory == MAP_FAILED) return 3;
      for (size_t i = 0; i < bytes; i += 4096) static_cast<volatile char*>(memory)[i] = 1;
      return 0;
    };
  };
  JobLimits hog_limits;
  hog_limits.memory_bytes = 32 * kMiB;
  CreateJob("hog", hog_limits);
  JobLimits neighbour_limits;
  neighbour_limits.memory_bytes = 64 * kMiB;
  CreateJob("neighbour", neighbour_limits);

  Job neighbour = SpawnIn("neighbour", allocate(16 * kMiB));
  Job hog = SpawnIn("hog", allocate(256 * kMiB));
  EXPECT_TRUE(KilledBySigkill(WaitForExit(hog.pid)));
  EXPECT_TRUE(ExitedZero(WaitForExit(neighbour.pid)));

  auto usage = manager_->Usage("hog");
  ASSERT_OK(usage);
  EXPECT_TRUE(usage->oom_killed);
  EXPECT_GT(usage->peak_memory_bytes, 24 * kMiB);
  EXPECT_LE(usage->peak_memory_bytes, 32 * kMiB);
  auto neighbour_usage = manager_->Usage("neighbour");
  ASSERT_OK(neighbour_usage);
  EXPECT_FALSE(neighbour_usage->oom_killed);
  EXPECT_GE(neighbour_usage->peak_memory_bytes, 16 * kMiB);
}

TEST_F(CgroupV1KernelTest, PidsMaxBoundsAForkBombAndKillAllEmptiesIt) {
  JobLimits limits;
  limits.pids_max = 20;
  CreateJob("bomb", limits);
  // Tries 100 forks (bounded even if the limit did not hold), reports, then waits.
  Job bomb = SpawnIn("bomb", [] {
    int forked = 0;
    int refused = 0;
    for (int i = 0; i < 100; ++i) {
      pid_t pid = ::fork();
      if (pid == 0) {
        ::pause();
        ::_exit(0);
      }
      pid > 0 ? ++forked : ++refused;
    }
    WriteAll(STDOUT_FILENO,
             "forked " + std::to_string(forked) + " refused " + std::to_string(refused) + "\n");
    ::pause();
    return 0;
  });
  EXPECT_EQ(ReadLine(bomb.out), "forked 19 refused 81");
  auto pids = manager_->Pids("bomb");
  ASSERT_OK(pids);
  EXPECT_EQ(pids->size(), 20u);

  ASSERT_OK(manager_->KillAll("bomb"));
  pids = manager_->Pids("bomb");
  ASSERT_OK(pids);
  EXPECT_TRUE(pids->empty());
  EXPECT_TRUE(KilledBySigkill(WaitForExit(bomb.pid)));
}

TEST_F(CgroupV1KernelTest, KillAllReachesAProcessThatLeftItsSession) {
  CreateJob("daemon", JobLimits{});
  // The subshell forks a setsid'd sleep and exits: the sleep is orphaned in a new session.
  Job job =
      SpawnIn("daemon", Shell("(setsid sh -c 'echo $$; exec sleep 1000' &); exec sleep 1000"));
  std::string line = ReadLine(job.out);
  ASSERT_FALSE(line.empty());
  pid_t escaped = std::stoi(line);
  ASSERT_TRUE(WaitFor([&] { return IsAlive(escaped); }));
  EXPECT_EQ(::getsid(escaped), escaped);
  EXPECT_NE(::getsid(escaped), ::getsid(job.pid));
  // Once the subshell has exited, the group holds the job and the escaped sleep.
  std::set<int> in_group;
  EXPECT_TRUE(WaitFor([&] {
    auto pids = manager_->Pids("daemon");
    in_group = pids.ok() ? std::set<int>(pids->begin(), pids->end()) : std::set<int>();
    return in_group == std::set<int>{job.pid, escaped};
  })) << "group holds "
      << in_group.size() << " processes";

  ASSERT_OK(manager_->KillAll("daemon"));
  EXPECT_TRUE(KilledBySigkill(WaitForExit(escaped)));  // reparented here (subreaper)
  EXPECT_TRUE(KilledBySigkill(WaitForExit(job.pid)));
  EXPECT_FALSE(IsAlive(escaped));
  auto pids = manager_->Pids("daemon");
  ASSERT_OK(pids);
  EXPECT_TRUE(pids->empty());

  // An empty group can be removed, in every hierarchy.
  ASSERT_OK(manager_->Remove("daemon"));
  for (const std::string& procs : manager_->ProcsFiles("daemon")) {
    EXPECT_FALSE(std::filesystem::exists(std::filesystem::path(procs).parent_path())) << procs;
  }
  EXPECT_OK(manager_->Remove("daemon"));
}

// Opens each device in the job and prints "<path>: OK" or "<path>: <error>", one per line.
std::function<int()> OpenDevices(std::vector<std::string> paths) {
  return [paths] {
    for (const std::string& path : paths) {
      int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
      WriteAll(STDOUT_FILENO, path + ": " + (fd >= 0 ? "OK" : std::strerror(errno)) + "\n");
    }
    return 0;
  };
}

TEST_F(CgroupV1KernelTest, DevicesAllowOnlyTheStandardSetAndTheJobsOwn) {
  ASSERT_TRUE(std::filesystem::exists("/dev/kmsg")) << "this test uses /dev/kmsg (c 1:11)";
  std::vector<std::string> devices = {"/dev/zero", "/dev/null", "/dev/kmsg"};
  if (std::filesystem::exists("/dev/mem")) devices.push_back("/dev/mem");

  JobLimits standard;
  standard.allowed_devices = std::vector<DeviceRule>{};
  CreateJob("standard", standard);
  Job job = SpawnIn("standard", OpenDevices(devices));
  EXPECT_EQ(ReadLine(job.out), "/dev/zero: OK");
  EXPECT_EQ(ReadLine(job.out), "/dev/null: OK");
  EXPECT_EQ(ReadLine(job.out), "/dev/kmsg: Operation not permitted");
  if (devices.size() > 3) {
    EXPECT_EQ(ReadLine(job.out), "/dev/mem: Operation not permitted");
  }
  EXPECT_TRUE(ExitedZero(WaitForExit(job.pid)));

  JobLimits with_kmsg;
  with_kmsg.allowed_devices = std::vector<DeviceRule>{{'c', 1, 11, "r"}};
  CreateJob("kmsg", with_kmsg);
  Job allowed = SpawnIn("kmsg", OpenDevices({"/dev/kmsg"}));
  EXPECT_EQ(ReadLine(allowed.out), "/dev/kmsg: OK");
  EXPECT_TRUE(ExitedZero(WaitForExit(allowed.pid)));
}

TEST_F(CgroupV1KernelTest, UsageReportsCpuTime) {
  CreateJob("busy", JobLimits{});
  // Spins for 200 ms of its own CPU time.
  Job job = SpawnIn("busy", [] {
    struct timespec now = {};
    do {
      ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &now);
    } while (now.tv_sec == 0 && now.tv_nsec < 200'000'000);
    return 0;
  });
  EXPECT_TRUE(ExitedZero(WaitForExit(job.pid)));
  auto usage = manager_->Usage("busy");
  ASSERT_OK(usage);
  EXPECT_GT(usage->cpu_time_ms, 50);
  EXPECT_LT(usage->cpu_time_ms, 10'000);
  EXPECT_FALSE(usage->oom_killed);
}

TEST_F(CgroupV1KernelTest, CreateReusesAnExistingGroup) {
  JobLimits limits;
  limits.memory_bytes = 64 * kMiB;
  CreateJob("again", limits);
  limits.memory_bytes = 128 * kMiB;  // raised: memsw must move first
  EXPECT_OK(manager_->Create("again", limits));
  limits.memory_bytes = 32 * kMiB;  // lowered: the limit moves first
  EXPECT_OK(manager_->Create("again", limits));
  std::string memory = hierarchies_.at("memory") + "/" + options_.parent + "/again/";
  EXPECT_EQ(ReadTextFile(memory + "memory.limit_in_bytes"), "33554432\n");
  if (std::filesystem::exists(memory + "memory.memsw.limit_in_bytes")) {
    EXPECT_EQ(ReadTextFile(memory + "memory.memsw.limit_in_bytes"), "33554432\n");
  }
}

TEST_F(CgroupV1KernelTest, KernelRefusalsNameTheFile) {
  JobLimits limits;
  limits.cpus = {4095};  // no such CPU
  jobs_.push_back("bad");
  Status s = manager_->Create("bad", limits);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  // "...: cannot write "4095": Numerical result out of range" (the errno varies by kernel).
  std::string prefix = hierarchies_.at("cpuset") + "/" + options_.parent +
                       "/bad/cpuset.cpus: cannot write \"4095\": ";
  EXPECT_EQ(s.message().substr(0, prefix.size()), prefix);
  EXPECT_GT(s.message().size(), prefix.size());
  // Nothing is left behind.
  EXPECT_FALSE(std::filesystem::exists(hierarchies_.at("cpuset") + "/" + options_.parent + "/bad"));
}

}  // namespace
}  // namespace sharc::agent
