#include "agent/cli/views.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "agent/cli/job_list_views.h"

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
  std::string table =
      JobListTable(protocol::JobTable::FromJson(Json::array({TwoNodeJob(), pending})), 0).Render();
  std::string running_row = table.substr(table.find("\n12 ") + 1);
  running_row = running_row.substr(0, running_row.find('\n'));
  EXPECT_NE(running_row.find(" gpu1,gpu2 "), std::string::npos) << table;
  std::string pending_row = table.substr(table.find("\n13 ") + 1);
  EXPECT_NE(pending_row.find(" - "), std::string::npos) << table;
}

// The value column starts after the longest field name ("Preempted by" here).
// An array's tasks that have not started fold into one line, like squeue; started tasks list
// as ARRAY_TASK; an array whose tasks all started has no line of its own.
TEST(JobTableTest, AnArraysPendingTasksFoldIntoOneLine) {
  Json array = TwoNodeJob();
  array["state"] = "RUNNING";
  array["array"] = "0-999%50";
  array["array_unstarted"] = "40-999";
  array["array_tasks"] = Json::parse(R"({"PENDING":960,"RUNNING":40})");
  array["allocation"] = nullptr;
  array["nodes"] = Json::array();
  Json task = TwoNodeJob();
  task["id"] = 57;
  task["array_job_id"] = 12;
  task["array_task_id"] = 3;
  std::string table =
      JobListTable(protocol::JobTable::FromJson(Json::array({array, task})), 0).Render();
  EXPECT_NE(table.find("\n12_[40-999] "), std::string::npos) << table;
  std::string folded = table.substr(table.find("\n12_[40-999] ") + 1);
  folded = folded.substr(0, folded.find('\n'));
  EXPECT_NE(folded.find(" PENDING "), std::string::npos) << table;
  EXPECT_NE(table.find("\n12_3 "), std::string::npos) << table;
  EXPECT_EQ(table.find("\n57 "), std::string::npos) << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 3) << table;  // header + 2 rows
  array["array_unstarted"] = "";
  table = JobListTable(protocol::JobTable::FromJson(Json::array({array, task})), 0).Render();
  EXPECT_EQ(table.find("\n12 "), std::string::npos) << table;
  EXPECT_EQ(std::count(table.begin(), table.end(), '\n'), 2) << table;
  std::string details = RenderJobDetails(array, 0);
  EXPECT_NE(details.find("0-999%50: 960 PENDING, 40 RUNNING"), std::string::npos) << details;
  EXPECT_NE(RenderJobDetails(task, 0).find("12_3 (job 57, train)"), std::string::npos);
}

TEST(JobDetailsTest, ListsEachPartOfTheAllocation) {
  Json job = TwoNodeJob();
  job["preempted_by"] = 9;
  std::string page = RenderJobDetails(job, 1'796'018'630'000);
  EXPECT_NE(page.find("Allocated     node gpu1: CPUs 0-1, GPUs 0, 1 GiB (binding real)\n"),
            std::string::npos)
      << page;
  EXPECT_NE(page.find("              node gpu2: CPUs 2-3, 1 GiB (binding simulated)\n"),
            std::string::npos)
      << page;
  job["allocation"] = nullptr;
  job["nodes"] = Json::array();
  EXPECT_NE(RenderJobDetails(job, 0).find("Allocated     -\n"), std::string::npos);
}

TEST(JobDetailsTest, SaysItsPriorityWhoPreemptedItAndWhenItIsExpectedToStart) {
  Json job = TwoNodeJob();
  job["state"] = "PENDING";
  job["priority_class"] = "low";
  job["preempted_by"] = 9;
  job["expected_start"] = {{"time", "2026-12-04T10:00:00.000Z"}, {"nodes", {"gpu1"}}};
  std::string page = RenderJobDetails(job, 0);
  EXPECT_NE(page.find("Priority        low\n"), std::string::npos) << page;
  EXPECT_NE(page.find("Preempted by    job 9\n"), std::string::npos) << page;
  EXPECT_NE(page.find("Expected start  2026-12-04T10:00:00.000Z on gpu1\n"), std::string::npos)
      << page;
  job["preempted_by"] = nullptr;
  job["expected_start"] = nullptr;
  page = RenderJobDetails(job, 0);
  EXPECT_EQ(page.find("Preempted by"), std::string::npos) << page;
  EXPECT_EQ(page.find("Expected start"), std::string::npos) << page;
}

TEST(StartTableTest, GivesTheReservationsTimeAndNodesOrNA) {
  Json reserved = TwoNodeJob();
  reserved["state"] = "PENDING";
  reserved["priority_class"] = "normal";
  reserved["expected_start"] = {{"time", "2026-12-04T10:00:00.000Z"}, {"nodes", {"gpu1"}}};
  Json unreserved = reserved;
  unreserved["id"] = 13;
  unreserved["expected_start"] = nullptr;
  std::string table =
      StartListTable(protocol::JobTable::FromJson(Json::array({reserved, unreserved}))).Render();
  EXPECT_NE(table.find("START_TIME"), std::string::npos) << table;
  std::string first = table.substr(table.find("\n12 ") + 1);
  first = first.substr(0, first.find('\n'));
  EXPECT_NE(first.find(" normal "), std::string::npos) << table;
  EXPECT_NE(first.find(" 2026-12-04T10:00:00.000Z  gpu1"), std::string::npos) << table;
  std::string second = table.substr(table.find("\n13 ") + 1);
  EXPECT_NE(second.find(" N/A "), std::string::npos) << table;
}

// A node as GET /v1/nodes encodes it, with the GPUs of its topology given as
// (index, island) pairs; island -1 is left out, as the server does.
Json NodeWithGpus(const std::string& name, const std::vector<std::pair<int, int>>& gpus) {
  Json list = Json::array();
  for (const auto& [index, island] : gpus) {
    Json gpu = {{"index", index}, {"name", "cuda" + std::to_string(index)}, {"numa", 0}};
    if (island >= 0) gpu["island"] = island;
    list.push_back(gpu);
  }
  return Json{{"name", name},
              {"state", "UP"},
              {"connected", true},
              {"cpus", 32},
              {"cpus_allocated", 0},
              {"mem_bytes", 0},
              {"mem_allocated_bytes", 0},
              {"gpus", gpus.size()},
              {"gpus_allocated", 0},
              {"gpu_models", Json::array()},
              {"running_jobs", 0},
              {"binding", "real"},
              {"enforcement", ""},
              {"reason", ""},
              {"topology", {{"gpus", list}}}};
}

// The GPU ISLANDS cell of each row of a wide table (the last column).
std::vector<std::string> IslandCells(const std::string& table) {
  std::istringstream lines(table);
  std::string line;
  std::getline(lines, line);
  size_t column = line.find("GPU ISLANDS");
  std::vector<std::string> cells;
  while (std::getline(lines, line)) cells.push_back(line.substr(std::min(column, line.size())));
  return cells;
}

TEST(NodeTableTest, WideShowsEachIslandsGpus) {
  Json nodes = Json::array(
      {NodeWithGpus("switched", {{0, 0}, {1, 0}, {2, 0}, {3, 0}, {4, 1}, {5, 1}, {6, 1}, {7, 1}}),
       NodeWithGpus("linked", {{0, 0}, {1, 1}, {2, 0}, {3, 2}}), NodeWithGpus("cpu-only", {}),
       NodeWithGpus("old-agent", {{0, -1}, {1, -1}}),
       NodeWithGpus("mixed", {{0, 0}, {1, 0}, {2, -1}, {3, -1}})});
  std::string table = RenderNodeTable(nodes, /*wide=*/true);
  ASSERT_NE(table.find("GPU ISLANDS"), std::string::npos) << table;
  EXPECT_EQ(IslandCells(table),
            (std::vector<std::string>{"0-3|4-7", "0,2|1|3", "-", "?", "0-1|?2-3"}))
      << table;
}

TEST(NodeTableTest, OnlyWideHasTheIslandsColumn) {
  Json nodes = Json::array({NodeWithGpus("switched", {{0, 0}, {1, 0}})});
  std::string table = RenderNodeTable(nodes);
  EXPECT_EQ(table.find("GPU ISLANDS"), std::string::npos) << table;
  std::string header = table.substr(0, table.find('\n'));
  std::string wide = RenderNodeTable(nodes, /*wide=*/true);
  EXPECT_EQ(wide.substr(0, wide.find('\n')), header + "  GPU ISLANDS") << wide;
}

}  // namespace
}  // namespace sharc::cli
