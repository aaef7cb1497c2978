#include "agent/cli/views.h"

#include <gtest/gtest.h>

namespace sharc::cli {
namespace {

using protocol::Json;

// A job as the REST API encodes it, running with parts on two nodes.
Json TwoNodeJob() {
  return Json::parse(R"({"id":12,"tenant":"acme","name":"train","state":"RUNNING",
      "reason":"","attempt":1,"command":["python3","train.py"],"env":{},"cpus":4,
      "mem_bytes":2147483648,"gpus":1,"gpu_model":"","time_limit_seconds":3600,"labels":{},
      "requeue":true,
      "allocation":[{"node":"gpu1","cpus":"0-1","gpus":[0],"mem_bytes":1073741824,
                     "binding":"real"},
                    {"node":"gpu2","cpus":"2-3","gpus":[],"mem_bytes":1073741824,
                     "binding":"simulated"}],
      "nodes":["gpu1","gpu2"],"exit_code":null,"signal":null,"message":"",
      "submit_time":"2026-11-30T06:03:40.123Z","start_time":"2026-11-30T06:03:41.000Z",
      "end_time":null,"cancel_requested":false,"preempt_requested":false,"cpu_time_ms":0,
      "peak_memory_bytes":0,"cpu_energy_uj":0,"gpu_energy_uj":0,"idempotency_key":""})");
}

TEST(JobTableTest, TheNodeColumnJoinsTheJobsNodes) {
  Json pending = TwoNodeJob();
  pending["id"] = 13;
  pending["state"] = "PENDING";
  pending["allocation"] = nullptr;
  pending["nodes"] = Json::array();
  pending["start_time"] = nullptr;
  std::string table = RenderJobTable(Json::array({TwoNodeJob(), pending}), 0);
  std::string running_row = table.substr(table.find("\n12 ") + 1);
  running_row = running_row.substr(0, running_row.find('\n'));
  EXPECT_NE(running_row.find(" gpu1,gpu2 "), std::string::npos) << table;
  std::string pending_row = table.substr(table.find("\n13 ") + 1);
  EXPECT_NE(pending_row.find(" - "), std::string::npos) << table;
}

TEST(JobDetailsTest, ListsEachPartOfTheAllocation) {
  std::string page = RenderJobDetails(TwoNodeJob(), 1'796'018'630'000);
  EXPECT_NE(page.find("Allocated  node gpu1: CPUs 0-1, GPUs 0, 1 GiB (binding real)\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("           node gpu2: CPUs 2-3, 1 GiB (binding simulated)\n"),
            std::string::npos)
      << page;
  Json pending = TwoNodeJob();
  pending["allocation"] = nullptr;
  pending["nodes"] = Json::array();
  EXPECT_NE(RenderJobDetails(pending, 0).find("Allocated  -\n"), std::string::npos);
}

}  // namespace
}  // namespace sharc::cli
