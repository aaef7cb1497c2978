#include "agent/cli/job_list_views.h"

#include <map>
#include <optional>
#include <string_view>
#include <utility>

#include "agent/cli/table.h"
#include "agent/cli/views.h"
#include "core/units.h"

namespace sharc::cli {
namespace {

// One row of the listing, read by column name. The names' indices are looked up once per table
// (a listing has thousands of rows).
class Row {
 public:
  Row(const protocol::JobTable& table, std::map<std::string_view, size_t>& columns, size_t index)
      : table_(table), columns_(columns), index_(index) {}
  std::string operator[](std::string_view column) const {
    auto it = columns_.find(column);
    if (it == columns_.end()) it = columns_.emplace(column, table_.Column(column)).first;
    return std::string(table_.Cell(index_, it->second));
  }

 private:
  const protocol::JobTable& table_;
  std::map<std::string_view, size_t>& columns_;
  size_t index_;
};

// How a job lists: its ID and state. A task of an array lists as "12_3"; an array job as one
// line for its tasks that have not started, "12_[40-999]" PENDING (like squeue), as "12" once
// it ended, and not at all while its tasks have all started (each lists itself).
std::optional<std::pair<std::string, std::string>> Listed(const Row& job) {
  const std::string id = job["id"];
  const std::string state = job["state"];
  if (!job["array_job_id"].empty()) {
    return std::pair(job["array_job_id"] + "_" + job["array_task_id"], state);
  }
  if (job["array"].empty() || (state != "PENDING" && state != "RUNNING")) {
    return std::pair(id, state);
  }
  const std::string unstarted = job["array_unstarted"];
  if (unstarted.empty() || job["cancel_requested"] == "true") return std::nullopt;
  return std::pair(id + "_[" + unstarted + "]", std::string("PENDING"));
}

int64_t IntOf(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stoll(text);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace

std::string RenderJobTable(const protocol::JobTable& jobs, UnixMillis now) {
  Table table({"ID", "TENANT", "NAME", "STATE", "PRIORITY", "CPUS", "MEM", "GPUS", "NODE",
               "ELAPSED", "REASON"});
  std::map<std::string_view, size_t> columns;
  for (size_t i = 0; i < jobs.size(); ++i) {
    Row job(jobs, columns, i);
    auto listed = Listed(job);
    if (!listed) continue;
    table.AddRow({listed->first, job["tenant"], job["name"], listed->second,
                  OrDash(job["priority_class"]), job["cpus"], FormatSize(IntOf(job["mem_bytes"])),
                  job["gpus"], OrDash(job["nodes"]),
                  ElapsedText(job["start_time"], job["end_time"], now),
                  ReasonText(job["reason"], job["message"])});
  }
  return table.Render();
}

std::string RenderStartTable(const protocol::JobTable& jobs) {
  Table table(
      {"ID", "TENANT", "NAME", "PRIORITY", "CPUS", "GPUS", "START_TIME", "NODES", "REASON"});
  std::map<std::string_view, size_t> columns;
  for (size_t i = 0; i < jobs.size(); ++i) {
    Row job(jobs, columns, i);
    auto listed = Listed(job);
    if (!listed) continue;
    const std::string start = job["expected_start"];
    table.AddRow({listed->first, job["tenant"], job["name"], OrDash(job["priority_class"]),
                  job["cpus"], job["gpus"], start.empty() ? "N/A" : start,
                  start.empty() ? "-" : OrDash(job["expected_nodes"]),
                  ReasonText(job["reason"], job["message"])});
  }
  return table.Render();
}

}  // namespace sharc::cli
