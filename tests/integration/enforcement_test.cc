// The node enforces each grant with the kernel: memory (OOM ends only the job that overran),
// processes (a fork bomb stays inside its job), the kill (nothing of a cancelled job is left,
// even what double-forked), the cpuset, job identity (each tenant's jobs run as its own
// user and cannot read another's output) and the job's own namespaces (it sees neither
// another job's processes nor its /tmp). Needs root and cgroups: skipped, saying so, when
// they are not there.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "core/units.h"
#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

constexpr const char* kCgroupV1 = "/sys/fs/cgroup";

std::string ReadSmall(const std::string& path) {
  std::string text = ReadTextFile(path);
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

class EnforcementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (geteuid() != 0) GTEST_SKIP() << "needs root (cgroups and switching users)";
    if (!std::filesystem::exists(std::string(kCgroupV1) + "/memory/cgroup.procs") &&
        !std::filesystem::exists(std::string(kCgroupV1) + "/cgroup.controllers")) {
      GTEST_SKIP() << "no cgroup hierarchy mounted: enforcement cannot be tested here";
    }
    ASSERT_OK(cluster_.StartScheduler());
    ASSERT_OK(cluster_.StartAgent(
        {.name = "n1", .kill_grace = "1s", .config = {{"cgroups", {{"pids_max", 40}}}}}));
    ASSERT_OK(cluster_.WaitForNodes(1));
    StatusOr<Reply> nodes = cluster_.Call(kAdminToken, "GET", "/v1/nodes");
    enforcement_ = nodes->json["items"][0]["enforcement"];
    if (enforcement_.rfind("cgroup", 0) != 0) GTEST_SKIP() << "node enforcement: " << enforcement_;
  }

  // Path of a job's cgroup file in the v1 `controller` hierarchy.
  std::string CgroupFile(const std::string& controller, int64_t id, const std::string& file) {
    return std::string(kCgroupV1) + "/" + controller + "/" + cluster_.CgroupParent("n1") + "/job-" +
           std::to_string(id) + ".1/" + file;
  }

  StatusOr<int64_t> Submit(const std::string& token, const std::string& script,
                           const std::string& mem = "64M", int cpus = 1) {
    return cluster_.Submit(token, {{"command", {"sh", "-c", script}},
                                   {"cpus", cpus},
                                   {"mem_bytes", *ParseSize(mem)},
                                   {"time_limit_seconds", 60}});
  }

  // The job's stdout so far; "" if it cannot be read.
  std::string OutputOf(const std::string& token, int64_t id) {
    StatusOr<std::string> output = cluster_.Output(token, id);
    return output.ok() ? *output : "";
  }

  Cluster cluster_;
  std::string enforcement_;
};

TEST_F(EnforcementTest, AJobOverItsMemoryEndsOutOfMemoryAndItsNeighbourIsUnaffected) {
  StatusOr<int64_t> neighbour = Submit(kGlobexToken, "sleep 1; echo fine");
  StatusOr<int64_t> hog =
      Submit(kAcmeToken, "x=$(head -c 400000000 /dev/zero | tr '\\0' a); echo ${#x}", "48M");
  ASSERT_OK(neighbour);
  ASSERT_OK(hog);
  StatusOr<Json> ended = cluster_.WaitForEnd(kAcmeToken, *hog);
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "FAILED") << ended->dump();
  EXPECT_EQ((*ended)["reason"], "OUT_OF_MEMORY");
  EXPECT_GT((*ended)["peak_memory_bytes"].get<int64_t>(), 40 << 20);
  EXPECT_LE((*ended)["peak_memory_bytes"].get<int64_t>(), 48 << 20);
  StatusOr<Json> ok = cluster_.WaitForEnd(kGlobexToken, *neighbour);
  ASSERT_OK(ok);
  EXPECT_EQ((*ok)["state"], "COMPLETED");
  EXPECT_EQ(*cluster_.Output(kGlobexToken, *neighbour), "fine\n");
  CommandResult show = cluster_.Cli(kAcmeToken, {"show", std::to_string(*hog)});
  EXPECT_NE(show.out.find("peak memory"), std::string::npos) << show.out;
}

TEST_F(EnforcementTest, AForkBombStaysWithinItsJobsProcessLimit) {
  // bash, not sh: dash gives up at the first failed fork; bash keeps trying, like a real bomb.
  StatusOr<int64_t> bomb = cluster_.Submit(
      kAcmeToken,
      {{"command", {"bash", "-c", "for i in $(seq 200); do sleep 60 & done 2>/dev/null; wait"}},
       {"mem_bytes", 64 << 20},
       {"time_limit_seconds", 60}});
  ASSERT_OK(bomb);
  ASSERT_OK(cluster_.WaitForState(kAcmeToken, *bomb, "RUNNING"));
  std::string current = CgroupFile("pids", *bomb, "pids.current");
  // It forks as fast as it can and hits the limit.
  ASSERT_TRUE(WaitFor([&] {
    std::string value = ReadSmall(current);
    return !value.empty() && std::stoi(value) >= 40;
  })) << ReadSmall(current);
  EXPECT_EQ(ReadSmall(CgroupFile("pids", *bomb, "pids.max")), "40");
  EXPECT_LE(std::stoi(ReadSmall(current)), 40);
  // The node still works for others.
  StatusOr<int64_t> other = Submit(kGlobexToken, "echo still here");
  ASSERT_OK(other);
  StatusOr<Json> ran = cluster_.WaitForEnd(kGlobexToken, *other);
  ASSERT_OK(ran);
  EXPECT_EQ((*ran)["state"], "COMPLETED");
  ASSERT_EQ(
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*bomb) + "/cancel")->status,
      200);
  ASSERT_OK(cluster_.WaitForEnd(kAcmeToken, *bomb));
  EXPECT_TRUE(WaitFor([&] { return !std::filesystem::exists(current); }))
      << "the job's cgroup is not gone";
}

TEST_F(EnforcementTest, CancelLeavesNothingBehindEvenWhatDoubleForked) {
  // A grandchild in its own session is outside the job's process group: only the cgroup
  // (and the job's PID namespace) reaches it. Their pids on the node come from the cgroup:
  // inside its namespace the job knows only its own numbering.
  StatusOr<int64_t> id =
      Submit(kAcmeToken, "(setsid sh -c 'exec sleep 300' &); echo forked; sleep 300");
  ASSERT_OK(id);
  ASSERT_TRUE(WaitFor([&] { return OutputOf(kAcmeToken, *id) == "forked\n"; }));
  std::vector<int> pids;
  ASSERT_TRUE(WaitFor([&] {
    std::istringstream procs(ReadTextFile(CgroupFile("pids", *id, "cgroup.procs")));
    pids.assign(std::istream_iterator<int>(procs), std::istream_iterator<int>());
    return pids.size() >= 3;  // sh, its sleep, and the double-forked sleep
  }));
  ASSERT_EQ(
      cluster_.Call(kAcmeToken, "POST", "/v1/jobs/" + std::to_string(*id) + "/cancel")->status,
      200);
  StatusOr<Json> ended = cluster_.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(ended);
  EXPECT_EQ((*ended)["state"], "CANCELLED");
  for (int pid : pids) {
    EXPECT_TRUE(WaitFor([&] { return kill(pid, 0) != 0; }, std::chrono::seconds(10)))
        << "process " << pid << " of the job survived the cancel";
  }
}

// Each job has a PID namespace and a mount namespace of its own: `ps` shows it only its own
// processes (another tenant's command line, secrets in its arguments included, stays
// unseen), and its /tmp is its own.
TEST_F(EnforcementTest, AJobSeesNeitherAnotherJobsProcessesNorItsTmp) {
  StatusOr<int64_t> other = Submit(kGlobexToken,
                                   "echo globex > /tmp/globex-file; echo started; while :; do "
                                   "sleep 1; done # --password=hunter2");
  ASSERT_OK(other);
  ASSERT_TRUE(WaitFor([&] { return OutputOf(kGlobexToken, *other) == "started\n"; }));
  StatusOr<int64_t> probe =
      Submit(kAcmeToken, "cat /proc/[0-9]*/cmdline | tr '\\0' ' '; echo; ls -A /tmp; echo $$");
  ASSERT_OK(probe);
  StatusOr<Json> probed = cluster_.WaitForEnd(kAcmeToken, *probe);
  ASSERT_OK(probed);
  EXPECT_EQ((*probed)["state"], "COMPLETED") << probed->dump();
  std::string seen = OutputOf(kAcmeToken, *probe);
  EXPECT_EQ(seen.find("hunter2"), std::string::npos) << seen;
  EXPECT_EQ(seen.find("globex-file"), std::string::npos) << seen;
  EXPECT_NE(seen.find("cat /proc/"), std::string::npos) << "sees its own processes: " << seen;
  EXPECT_TRUE(seen.size() >= 2 && seen.substr(seen.size() - 2) == "2\n")
      << "the job is PID 2, under its init: " << seen;
  // The other job's /tmp file exists, in its own /tmp only: not on the node.
  EXPECT_FALSE(std::filesystem::exists("/tmp/globex-file"));
  ASSERT_EQ(
      cluster_.Call(kGlobexToken, "POST", "/v1/jobs/" + std::to_string(*other) + "/cancel")->status,
      200);
  ASSERT_OK(cluster_.WaitForEnd(kGlobexToken, *other));
}

TEST_F(EnforcementTest, AJobsCpusetEqualsItsGrant) {
  StatusOr<int64_t> id = Submit(kAcmeToken, "grep Cpus_allowed_list /proc/self/status; sleep 2");
  ASSERT_OK(id);
  StatusOr<Json> running = cluster_.WaitForState(kAcmeToken, *id, "RUNNING");
  ASSERT_OK(running);
  std::string granted = (*running)["allocation"][0]["cpus"];
  std::string cgroup;
  ASSERT_TRUE(WaitFor([&] {
    cgroup = ReadSmall(CgroupFile("cpuset", *id, "cpuset.cpus"));
    return !cgroup.empty();
  }));
  EXPECT_EQ(cgroup, granted);
  StatusOr<Json> ended = cluster_.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(ended);
  EXPECT_EQ(*cluster_.Output(kAcmeToken, *id), "Cpus_allowed_list:\t" + granted + "\n");
}

TEST_F(EnforcementTest, TwoTenantsRunAsTwoUsersAndCannotReadEachOthersOutput) {
  StatusOr<int64_t> secret = Submit(kGlobexToken, "id -un; echo globex-secret");
  ASSERT_OK(secret);
  ASSERT_OK(cluster_.WaitForEnd(kGlobexToken, *secret));
  std::string globex_output =
      cluster_.AgentStateDir("n1") + "/jobs/" + std::to_string(*secret) + ".1/stdout";
  StatusOr<int64_t> snoop = Submit(kAcmeToken, "id -un; cat " + globex_output);
  ASSERT_OK(snoop);
  StatusOr<Json> snooped = cluster_.WaitForEnd(kAcmeToken, *snoop);
  ASSERT_OK(snooped);
  EXPECT_EQ(*cluster_.Output(kGlobexToken, *secret), "sharc-globex\nglobex-secret\n");
  EXPECT_EQ(*cluster_.Output(kAcmeToken, *snoop), "sharc-acme\n");
  EXPECT_NE(cluster_.Output(kAcmeToken, *snoop, "stderr")->find("Permission denied"),
            std::string::npos);
  EXPECT_EQ((*snooped)["state"], "FAILED");
  // Output files belong to the job's user.
  EXPECT_EQ(
      std::filesystem::status(globex_output).permissions() & std::filesystem::perms::others_read,
      std::filesystem::perms::none);
}

}  // namespace
}  // namespace sharc::testing
