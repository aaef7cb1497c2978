// A job sees exactly the CPUs and GPUs it was granted: read back from /proc/self/status
// inside the job on this machine, and from CUDA_VISIBLE_DEVICES on the simulated GPU node,
// where a 2-GPU job's CPUs sit on the GPUs' NUMA node.
#include <gtest/gtest.h>

#include <set>
#include <sstream>

#include "core/units.h"
#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

std::string Field(const std::string& status, const std::string& name) {
  std::istringstream in(status);
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(name + ":", 0) == 0) {
      std::string value = line.substr(name.size() + 1);
      value.erase(0, value.find_first_not_of(" \t"));
      return value;
    }
  }
  return "";
}

class PlacementTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_OK(cluster_.StartScheduler());
    ASSERT_OK(cluster_.StartAgent({.name = "local", .labels = {{"kind", "real"}}}));
    ASSERT_OK(cluster_
                    .StartAgent({.name = "gpu",
                                 .topology_xml = DataFile("hwloc/gpu-2s-4gpu.xml"),
                                 .labels = {{"kind", "gpu"}}})
                    );
    ASSERT_OK(cluster_.WaitForNodes(2));
  }
  Cluster cluster_;
};

TEST_F(PlacementTest, AJobIsBoundToExactlyItsGrantedCpus) {
  StatusOr<int64_t> id = cluster_.Submit(
      kAcmeToken, {{"command", {"sh", "-c", "cat /proc/self/status; echo SHARC_CPUS=$SHARC_CPUS"}},
                   {"cpus", 1},
                   {"labels", {{"kind", "real"}}}});
  ASSERT_OK(id);
  StatusOr<Json> job = cluster_.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  ASSERT_EQ((*job)["state"], "COMPLETED") << job->dump();
  ASSERT_EQ((*job)["allocation"].size(), 1u) << job->dump();
  const Json& part = (*job)["allocation"][0];
  EXPECT_EQ(part["binding"], "real");
  EXPECT_EQ((*job)["nodes"], Json::array({part["node"]}));
  std::string granted = part["cpus"];
  std::string output = *cluster_.Output(kAcmeToken, *id);
  EXPECT_EQ(Field(output, "Cpus_allowed_list"), granted) << output;
  EXPECT_NE(output.find("SHARC_CPUS=" + granted + "\n"), std::string::npos);
}

TEST_F(PlacementTest, ATwoGpuJobGetsTwoGpusAndCpusOnTheirNumaNode) {
  StatusOr<int64_t> id = cluster_.Submit(
      kAcmeToken,
      {{"command", {"sh", "-c", "echo CUDA=$CUDA_VISIBLE_DEVICES GPUS=$SHARC_GPUS CPUS=$SHARC_CPUS"}},
       {"cpus", 4},
       {"gpus", 2},
       {"gpu_model", "H100"}});
  ASSERT_OK(id);
  StatusOr<Json> job = cluster_.WaitForEnd(kAcmeToken, *id);
  ASSERT_OK(job);
  ASSERT_EQ((*job)["state"], "COMPLETED") << job->dump();
  EXPECT_EQ((*job)["nodes"], Json::parse(R"(["gpu"])"));
  ASSERT_EQ((*job)["allocation"].size(), 1u) << job->dump();
  const Json& part = (*job)["allocation"][0];
  EXPECT_EQ(part["node"], "gpu");
  EXPECT_EQ(part["binding"], "simulated");
  EXPECT_EQ(part["mem_bytes"], (*job)["mem_bytes"]);
  std::vector<int> gpus = part["gpus"].get<std::vector<int>>();
  ASSERT_EQ(gpus.size(), 2u);
  std::string gpu_list = std::to_string(gpus[0]) + "," + std::to_string(gpus[1]);
  std::string cpus = part["cpus"];
  EXPECT_EQ(*cluster_.Output(kAcmeToken, *id),
            "CUDA=" + gpu_list + " GPUS=" + gpu_list + " CPUS=" + cpus + "\n");

  // The node's topology says which NUMA node each GPU and PU is on.
  StatusOr<Reply> nodes = cluster_.Call(kAcmeToken, "GET", "/v1/nodes");
  ASSERT_OK(nodes);
  Json topology;
  for (const Json& node : nodes->json["items"]) {
    if (node["name"] == "gpu") topology = node["topology"];
  }
  std::set<int> gpu_numa;
  for (const Json& gpu : topology["gpus"]) {
    if (gpu["index"] == gpus[0] || gpu["index"] == gpus[1]) {
      gpu_numa.insert(gpu["numa"].get<int>());
    }
  }
  ASSERT_EQ(gpu_numa.size(), 1u) << "both GPUs should sit on one NUMA node";
  std::vector<int> cpu_list = *ParseCpuList(cpus);
  ASSERT_EQ(cpu_list.size(), 4u);
  for (int cpu : cpu_list) {
    for (const Json& pu : topology["pus"]) {
      if (pu["os_index"] == cpu) {
        EXPECT_EQ(pu["numa"], *gpu_numa.begin()) << "CPU " << cpu;
      }
    }
  }
}

TEST_F(PlacementTest, TwoConcurrentGpuJobsGetDisjointGpus) {
  std::vector<int64_t> ids;
  for (int i = 0; i < 2; ++i) {
    StatusOr<int64_t> id = cluster_.Submit(
        kGlobexToken, {{"command", {"sleep", "5"}}, {"gpus", 2}, {"cpus", 2}});
    ASSERT_OK(id);
    ids.push_back(*id);
  }
  std::set<int> seen;
  for (int64_t id : ids) {
    StatusOr<Json> job = cluster_.WaitForState(kGlobexToken, id, "RUNNING");
    ASSERT_OK(job);
    for (int gpu : (*job)["allocation"][0]["gpus"].get<std::vector<int>>()) {
      EXPECT_TRUE(seen.insert(gpu).second) << "GPU " << gpu << " granted twice";
    }
  }
  for (int64_t id : ids) {
    ASSERT_OK(cluster_.Call(kGlobexToken, "POST", "/v1/jobs/" + std::to_string(id) + "/cancel"));
  }
}

}  // namespace
}  // namespace sharc::testing
