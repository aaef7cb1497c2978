#include "agent/cli/job_list_views.h"

#include <charconv>
#include <optional>
#include <string_view>
#include <utility>

#include "agent/cli/table.h"
#include "agent/cli/views.h"
#include "core/units.h"

namespace sharc::cli {
namespace {

// The columns the views read, found by name once per table (a listing has thousands of rows).
struct Columns {
  explicit Columns(const protocol::JobTable& t)
      : id(t.Column("id")),
        name(t.Column("name")),
        tenant(t.Column("tenant")),
        state(t.Column("state")),
        reason(t.Column("reason")),
        message(t.Column("message")),
        priority_class(t.Column("priority_class")),
        cpus(t.Column("cpus")),
        mem_bytes(t.Column("mem_bytes")),
        gpus(t.Column("gpus")),
        nodes(t.Column("nodes")),
        start_time(t.Column("start_time")),
        end_time(t.Column("end_time")),
        cancel_requested(t.Column("cancel_requested")),
        array(t.Column("array")),
        array_job_id(t.Column("array_job_id")),
        array_task_id(t.Column("array_task_id")),
        array_unstarted(t.Column("array_unstarted")),
        expected_start(t.Column("expected_start")),
        expected_nodes(t.Column("expected_nodes")) {}
  size_t id, name, tenant, state, reason, message, priority_class, cpus, mem_bytes, gpus, nodes,
      start_time, end_time, cancel_requested, array, array_job_id, array_task_id, array_unstarted,
      expected_start, expected_nodes;
};

// How a job lists: its ID and state. A task of an array lists as "12_3"; an array job as one
// line for its tasks that have not started, "12_[40-999]" PENDING (like squeue), as "12" once
// it ended, and not at all while its tasks have all started (each lists itself).
std::optional<std::pair<std::string, std::string>> Listed(const protocol::JobTable::Row& job,
                                                          const Columns& c) {
  const std::string_view state = job[c.state];
  if (!job[c.array_job_id].empty()) {
    return std::pair(std::string(job[c.array_job_id]) + "_" + std::string(job[c.array_task_id]),
                     std::string(state));
  }
  if (job[c.array].empty() || (state != "PENDING" && state != "RUNNING")) {
    return std::pair(std::string(job[c.id]), std::string(state));
  }
  const std::string_view unstarted = job[c.array_unstarted];
  if (unstarted.empty() || job[c.cancel_requested] == "true") return std::nullopt;
  return std::pair(std::string(job[c.id]) + "_[" + std::string(unstarted) + "]",
                   std::string("PENDING"));
}

// About what a job's row holds (its cells without padding), for Table::Reserve.
constexpr size_t kRowBytes = 64;

int64_t IntOf(std::string_view text) {
  int64_t value = 0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

}  // namespace

Table JobListTable(const protocol::JobTable& jobs, UnixMillis now) {
  Table table({"ID", "TENANT", "NAME", "STATE", "PRIORITY", "CPUS", "MEM", "GPUS", "NODE",
               "ELAPSED", "REASON"});
  table.Reserve(jobs.size(), kRowBytes);
  const Columns c(jobs);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const protocol::JobTable::Row job = jobs.ReadRow(i);
    auto listed = Listed(job, c);
    if (!listed) continue;
    table.AddRow({std::move(listed->first), std::string(job[c.tenant]), std::string(job[c.name]),
                  std::move(listed->second), OrDash(job[c.priority_class]),
                  std::string(job[c.cpus]), FormatSize(IntOf(job[c.mem_bytes])),
                  std::string(job[c.gpus]), OrDash(job[c.nodes]),
                  ElapsedText(job[c.start_time], job[c.end_time], now),
                  ReasonText(job[c.reason], job[c.message])});
  }
  return table;
}

Table StartListTable(const protocol::JobTable& jobs) {
  Table table(
      {"ID", "TENANT", "NAME", "PRIORITY", "CPUS", "GPUS", "START_TIME", "NODES", "REASON"});
  table.Reserve(jobs.size(), kRowBytes);
  const Columns c(jobs);
  for (size_t i = 0; i < jobs.size(); ++i) {
    const protocol::JobTable::Row job = jobs.ReadRow(i);
    auto listed = Listed(job, c);
    if (!listed) continue;
    const std::string_view start = job[c.expected_start];
    table.AddRow({std::move(listed->first), std::string(job[c.tenant]), std::string(job[c.name]),
                  OrDash(job[c.priority_class]), std::string(job[c.cpus]), std::string(job[c.gpus]),
                  start.empty() ? "N/A" : std::string(start),
                  start.empty() ? "-" : OrDash(job[c.expected_nodes]),
                  ReasonText(job[c.reason], job[c.message])});
  }
  return table;
}

}  // namespace sharc::cli
