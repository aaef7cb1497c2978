// The monitor's plan through sharc-job-monitor's command line and back.
#include "agent/job_monitor_args.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sharc::agent::internal {
namespace {

// Decodes `args` as the monitor's main would see them.
bool Decode(std::vector<std::string>& args, char** envp, DecodedMonitorArgs* out) {
  static std::vector<char*> argv;
  argv.clear();
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return DecodeMonitorArgs(static_cast<int>(args.size()), argv.data(), envp, out);
}
// For a verdict only: what `out` points into is gone once it returns.
bool Decode(std::vector<std::string>&& args, char** envp, DecodedMonitorArgs* out) {
  return Decode(args, envp, out);
}

std::vector<std::string> Strings(const char* const* list) {
  std::vector<std::string> strings;
  for (; *list != nullptr; ++list) strings.push_back(*list);
  return strings;
}

TEST(JobMonitorArgsTest, RoundTripsEveryField) {
  char arg0[] = "sh", arg1[] = "-c", arg2[] = "", arg3[] = "echo 'a b'";
  char* argv[] = {arg0, arg1, arg2, arg3, nullptr};
  const char* candidates[] = {"/usr/bin/sh", "/bin/sh", nullptr};
  const char* joins[] = {"/sys/fs/cgroup/memory/j/cgroup.procs", nullptr};
  gid_t groups[] = {4001, 0, 4294967294u};
  char var[] = "PATH=/bin";
  char* envp[] = {var, nullptr};
  MonitorPlan plan;
  plan.argv = argv;
  plan.exec_candidates = candidates;
  plan.join_files = joins;
  plan.work_dir = "/w d";
  plan.switch_identity = true;
  plan.uid = 4000;
  plan.gid = 4001;
  plan.groups = groups;
  plan.group_count = 3;
  plan.stdout_path = "/w d/out";
  plan.stderr_path = "/w d/err";
  plan.stderr_is_stdout = false;
  plan.status_path = "/s/1.1";
  plan.status_tmp_path = "/s/1.1.tmp";
  plan.bind_cpus = true;
  plan.no_new_privs = true;
  plan.own_namespaces = true;
  plan.lease_path = "/s/lease";
  plan.fence_after_ms = 2500;
  CPU_ZERO(&plan.cpus);
  CPU_SET(0, &plan.cpus);
  CPU_SET(63, &plan.cpus);
  plan.report_fd = 3;
  plan.max_fd = 4096;

  std::vector<std::string> args = EncodeMonitorArgs("/bin/sharc-job-monitor", plan);
  EXPECT_EQ(args[0], "/bin/sharc-job-monitor");
  DecodedMonitorArgs decoded;
  ASSERT_TRUE(Decode(args, envp, &decoded));
  const MonitorPlan& back = decoded.plan;
  EXPECT_EQ(Strings(back.argv), (std::vector<std::string>{"sh", "-c", "", "echo 'a b'"}));
  EXPECT_EQ(Strings(back.exec_candidates), (std::vector<std::string>{"/usr/bin/sh", "/bin/sh"}));
  EXPECT_EQ(Strings(back.join_files), std::vector<std::string>{joins[0]});
  EXPECT_EQ(back.envp, envp);
  EXPECT_STREQ(back.work_dir, "/w d");
  EXPECT_TRUE(back.switch_identity);
  EXPECT_EQ(back.uid, 4000u);
  EXPECT_EQ(back.gid, 4001u);
  EXPECT_EQ(std::vector<gid_t>(back.groups, back.groups + back.group_count),
            (std::vector<gid_t>{4001, 0, 4294967294u}));
  EXPECT_STREQ(back.stdout_path, "/w d/out");
  EXPECT_STREQ(back.stderr_path, "/w d/err");
  EXPECT_FALSE(back.stderr_is_stdout);
  EXPECT_STREQ(back.status_path, "/s/1.1");
  EXPECT_STREQ(back.status_tmp_path, "/s/1.1.tmp");
  EXPECT_TRUE(back.bind_cpus);
  EXPECT_TRUE(back.no_new_privs);
  EXPECT_TRUE(back.own_namespaces);
  EXPECT_STREQ(back.lease_path, "/s/lease");
  EXPECT_EQ(back.fence_after_ms, 2500);
  EXPECT_TRUE(CPU_EQUAL(&back.cpus, &plan.cpus));
  EXPECT_EQ(back.report_fd, 3);
  EXPECT_EQ(back.max_fd, 4096);
}

// A monitor command line: the numbers, the six paths, then `lists` (groups, CPUs, the job's
// arguments, its exec candidates, its join files, each counted).
std::vector<std::string> CommandLine(const std::string& numbers,
                                     std::vector<std::string> lists = {"0", "0", "1", "true", "0",
                                                                       "0"}) {
  std::vector<std::string> args = {"m", numbers, "/w", "/o", "/e", "/s", "/t", "/l"};
  args.insert(args.end(), lists.begin(), lists.end());
  return args;
}

TEST(JobMonitorArgsTest, RefusesWhatItDidNotEncode) {
  char* envp[] = {nullptr};
  DecodedMonitorArgs decoded;
  const std::string numbers = "3 1024 0 0 0 0 0 1 0 0";
  std::vector<std::string> too_short = {"m", numbers, "/w", "/o", "/e", "/s"};
  EXPECT_FALSE(Decode(too_short, envp, &decoded));
  EXPECT_FALSE(Decode(CommandLine(numbers, {"0", "0", "0", "0", "0"}), envp, &decoded))
      << "no program";
  EXPECT_FALSE(
      Decode(CommandLine("3 1024 0 0 0 0 1 1 0 0", {"0", "1", "99999", "1", "true", "0", "0"}),
             envp, &decoded))
      << "a CPU out of range";
  EXPECT_FALSE(
      Decode(CommandLine(numbers, {"0", "0", "1", "true", "0", "0", "extra"}), envp, &decoded))
      << "trailing";
  EXPECT_FALSE(Decode(CommandLine("3 1024 0 0 0 0 0 1 0"), envp, &decoded)) << "nine numbers";
  EXPECT_FALSE(Decode(CommandLine("3 1024 0 0 0 0 0 1 0 -1"), envp, &decoded))
      << "a negative fence";
  EXPECT_TRUE(Decode(CommandLine(numbers), envp, &decoded));
}

}  // namespace
}  // namespace sharc::agent::internal
