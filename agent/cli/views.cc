#include "agent/cli/views.h"

#include <algorithm>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include "agent/cli/table.h"
#include "core/units.h"

namespace sharc::cli {
namespace {

using protocol::Json;

std::string Str(const Json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return "";
  if (j[key].is_string()) return j[key].get<std::string>();
  return j[key].dump();
}

int64_t Int(const Json& j, const char* key) {
  return j.contains(key) && j[key].is_number_integer() ? j[key].get<int64_t>() : 0;
}

std::string Elapsed(const Json& job, UnixMillis now) {
  return ElapsedText(Str(job, "start_time"), Str(job, "end_time"), now);
}

std::string Reason(const Json& job) { return ReasonText(Str(job, "reason"), Str(job, "message")); }

// The elements of the list `j[key]`, comma-joined ("" if it is not a list).
std::string Joined(const Json& j, const char* key) {
  std::string out;
  if (!j.contains(key) || !j[key].is_array()) return out;
  for (const Json& item : j[key]) {
    if (!out.empty()) out += ',';
    out += item.is_string() ? item.get<std::string>() : item.dump();
  }
  return out;
}

// "node gpu1: CPUs 0-1, GPUs 0,1, 8 GiB (binding real)": one part of an allocation.
std::string DescribePart(const Json& part) {
  std::string text = "node " + Str(part, "node") + ": CPUs " + Str(part, "cpus");
  std::string gpus = Joined(part, "gpus");
  if (!gpus.empty()) text += ", GPUs " + gpus;
  return text + ", " + FormatSize(Int(part, "mem_bytes")) + " (binding " + Str(part, "binding") +
         ")";
}

// "cgroup v1 (cpuset, memory, ...)" -> "cgroup v1"; "none: CPU binding only (...)" -> "none".
std::string ShortEnforcement(const std::string& full) {
  if (full.empty()) return "-";
  size_t cut = full.find_first_of("(:");
  std::string out = full.substr(0, cut);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// "after_ok 12,13; after_any 14" from a job's dependency lists; "" when it has none.
std::string Dependencies(const Json& job) {
  std::string out;
  for (const char* field : {"after_ok", "after_any", "after_not_ok"}) {
    const Json ids = job.value(field, Json::array());
    if (!ids.is_array() || ids.empty()) continue;
    std::string list;
    for (const Json& id : ids) list += (list.empty() ? "" : ",") + id.dump();
    out += (out.empty() ? "" : "; ") + std::string(field) + " " + list;
  }
  if (!out.empty() && job.value("keep_on_unsatisfied", false)) out += " (kept if never satisfied)";
  return out;
}

// "4 CPUs, 8 GiB, 1 GPUs (H100), time limit 1:00:00", per node for a gang ("2 nodes x (...)").
std::string RequestText(const Json& job) {
  std::string gpus = Str(job, "gpus") + " GPUs";
  if (!Str(job, "gpu_model").empty()) gpus += " (" + Str(job, "gpu_model") + ")";
  std::string per_node =
      Str(job, "cpus") + " CPUs, " + FormatSize(Int(job, "mem_bytes")) + ", " + gpus;
  int64_t nodes = job.value("num_nodes", int64_t{1});
  if (nodes > 1) per_node = std::to_string(nodes) + " nodes x (" + per_node + ")";
  return per_node + ", time limit " +
         FormatDuration(std::chrono::seconds(Int(job, "time_limit_seconds")));
}

// The Used and Energy rows of a job's details.
void AddUsageRows(const Json& job,
                  const std::function<void(const char*, const std::string&)>& add) {
  if (Int(job, "cpu_time_ms") > 0 || Int(job, "peak_memory_bytes") > 0) {
    int64_t ms = Int(job, "cpu_time_ms");
    std::string cpu = FormatDuration(std::chrono::seconds(ms / 1000));
    std::string frac = std::to_string(ms % 1000);
    add("Used", "CPU time " + cpu + "." + std::string(3 - frac.size(), '0') + frac +
                    ", peak memory " + FormatSize(Int(job, "peak_memory_bytes")));
  }
  int64_t cpu_energy = Int(job, "cpu_energy_uj");
  int64_t gpu_energy = Int(job, "gpu_energy_uj");
  if (cpu_energy > 0 || gpu_energy > 0) {
    std::string energy = FormatEnergy(cpu_energy + gpu_energy);
    if (gpu_energy > 0) {
      energy += " (CPUs and memory " + FormatEnergy(cpu_energy) + ", GPUs " +
                FormatEnergy(gpu_energy) + ")";
    }
    add("Energy", energy);
  } else if (!Str(job, "end_time").empty()) {
    add("Energy", "- (not measured by its node)");
  }
}

// A gang job's ranks as a table after its details; "" for other jobs.
std::string RenderRanks(const Json& job) {
  const Json ranks = job.value("ranks", Json::array());
  if (!ranks.is_array() || ranks.empty()) return "";
  Table table({"RANK", "NODE", "CPUS", "GPUS", "STATE", "EXIT"});
  for (const Json& rank : ranks) {
    std::string gpus;
    for (const Json& g : rank.value("gpus", Json::array())) {
      gpus += (gpus.empty() ? "" : ",") + g.dump();
    }
    std::string exit = "-";
    if (!Str(rank, "exit_code").empty()) exit = Str(rank, "exit_code");
    if (!Str(rank, "signal").empty()) exit = "signal " + Str(rank, "signal");
    table.AddRow({Str(rank, "rank"), Str(rank, "node"), Str(rank, "cpus"), OrDash(gpus),
                  Str(rank, "state"), exit});
  }
  return "\n" + table.Render();
}

// Sorted indices as runs: {0, 1, 2, 3, 6} -> "0-3,6".
std::string IndexRuns(const std::vector<int>& sorted) {
  std::string out;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[j] + 1) ++j;
    out += (out.empty() ? "" : ",") + std::to_string(sorted[i]);
    if (j > i) out += "-" + std::to_string(sorted[j]);
    i = j + 1;
  }
  return out;
}

// The node's GPU indices per island, islands in island order, joined by '|' ("0-3|4-7"); the
// GPUs of unknown island last, marked "?" ("?" alone when no GPU's island is known); "-"
// without GPUs.
std::string GpuIslands(const Json& node) {
  std::map<int, std::vector<int>> by_island;  // -1: unknown
  const Json gpus =
      node.contains("topology") ? node["topology"].value("gpus", Json::array()) : Json::array();
  for (const Json& gpu : gpus) {
    by_island[gpu.value("island", -1)].push_back(gpu.value("index", 0));
  }
  if (by_island.empty()) return "-";
  std::string out;
  for (auto& [island, indices] : by_island) {
    if (island < 0) continue;
    std::sort(indices.begin(), indices.end());
    out += (out.empty() ? "" : "|") + IndexRuns(indices);
  }
  if (auto unknown = by_island.find(-1); unknown != by_island.end()) {
    std::sort(unknown->second.begin(), unknown->second.end());
    out += out.empty() ? "?" : "|?" + IndexRuns(unknown->second);
  }
  return out;
}

// "0-999%50: 10 COMPLETED, 40 RUNNING, 950 PENDING": an array job's tasks by state.
std::string ArrayText(const Json& job) {
  std::string out = Str(job, "array");
  const Json counts = job.value("array_tasks", Json::object());
  std::string by_state;
  for (auto it = counts.begin(); it != counts.end(); ++it) {
    by_state += (by_state.empty() ? "" : ", ") + it.value().dump() + " " + it.key();
  }
  return by_state.empty() ? out : out + ": " + by_state;
}

}  // namespace

namespace {

UnixMillis TimeOf(std::string_view text) {
  if (text.empty()) return 0;
  StatusOr<UnixMillis> t = ParseRfc3339(text);
  return t.ok() ? *t : 0;
}

}  // namespace

std::string ElapsedText(std::string_view start_time, std::string_view end_time, UnixMillis now) {
  UnixMillis start = TimeOf(start_time);
  if (start == 0) return "-";
  UnixMillis end = TimeOf(end_time);
  int64_t ms = (end ? end : now) - start;
  return FormatDuration(std::chrono::seconds(std::max<int64_t>(0, ms / 1000)));
}

std::string ReasonText(std::string_view reason, std::string_view message) {
  if (reason.empty()) return std::string(message);
  if (message.empty()) return std::string(reason);
  return std::string(reason) + ": " + std::string(message);
}

std::string OrDash(std::string_view s) { return s.empty() ? "-" : std::string(s); }

std::string RenderJobDetails(const Json& job, UnixMillis now) {
  std::string command;
  for (const Json& arg : job.value("command", Json::array())) {
    if (!command.empty()) command += ' ';
    std::string a = arg.get<std::string>();
    command += a.find_first_of(" \t'\"") == std::string::npos ? a : "'" + a + "'";
  }
  std::string exit = "-";
  if (!Str(job, "exit_code").empty()) exit = Str(job, "exit_code");
  if (!Str(job, "signal").empty()) exit = "signal " + Str(job, "signal");
  // One line per node the job has a part on.
  std::vector<std::string> allocated;
  if (job.contains("allocation") && job["allocation"].is_array()) {
    for (const Json& part : job["allocation"]) allocated.push_back(DescribePart(part));
  }
  if (allocated.empty()) allocated.push_back("-");
  std::string labels;
  const Json label_map = job.value("labels", Json::object());
  for (auto it = label_map.begin(); it != label_map.end(); ++it) {
    if (!labels.empty()) labels += ',';
    labels += it.key() + "=" + it.value().get<std::string>();
  }
  Table t({"Field", "Value"});
  auto add = [&](const char* k, const std::string& v) { t.AddRow({k, v}); };
  if (Str(job, "array_job_id").empty()) {
    add("Job", Str(job, "id") + " (" + Str(job, "name") + ")");
  } else {
    add("Job", Str(job, "array_job_id") + "_" + Str(job, "array_task_id") + " (job " +
                   Str(job, "id") + ", " + Str(job, "name") + ")");
  }
  if (!Str(job, "array").empty()) add("Array", ArrayText(job));
  add("Tenant", Str(job, "tenant"));
  bool cancelling = job.value("cancel_requested", false) && Str(job, "state") == "RUNNING";
  add("State", Str(job, "state") + (cancelling ? " (cancelling)" : ""));
  add("Reason", OrDash(Reason(job)));
  add("Priority", OrDash(Str(job, "priority_class")));
  if (!Str(job, "preempted_by").empty()) add("Preempted by", "job " + Str(job, "preempted_by"));
  const Json start = job.value("expected_start", Json());
  if (start.is_object()) {
    add("Expected start", Str(start, "time") + " on " + OrDash(Joined(start, "nodes")));
  }
  add("Attempt", Str(job, "attempt"));
  add("Command", command);
  add("Request", RequestText(job));
  add("Labels", OrDash(labels));
  add("Depends on", OrDash(Dependencies(job)));
  for (size_t i = 0; i < allocated.size(); ++i) add(i == 0 ? "Allocated" : "", allocated[i]);
  add("Exit", exit);
  AddUsageRows(job, add);
  add("Submitted", OrDash(Str(job, "submit_time")));
  add("Started", OrDash(Str(job, "start_time")));
  add("Ended", OrDash(Str(job, "end_time")));
  add("Elapsed", Elapsed(job, now));
  // Drop the header row: a details page reads better without it.
  std::string rendered = t.Render();
  return rendered.substr(rendered.find('\n') + 1) + RenderRanks(job);
}

std::string RenderNodeTable(const Json& nodes, bool wide) {
  std::vector<std::string> header = {"NAME", "STATE",   "CPUS(A/T)",   "MEM(A/T)", "GPUS(A/T)",
                                     "JOBS", "BINDING", "ENFORCEMENT", "REASON"};
  if (wide) header.push_back("GPU ISLANDS");
  Table table(std::move(header));
  for (const Json& node : nodes) {
    std::string state = Str(node, "state");
    if (!node.value("connected", false) && state != "DOWN") state += "*";  // not responding
    std::string gpus = Str(node, "gpus_allocated") + "/" + Str(node, "gpus");
    std::string models;
    for (const Json& m : node.value("gpu_models", Json::array())) {
      models += models.empty() ? " " : ",";
      models += m.get<std::string>();
    }
    std::vector<std::string> row = {
        Str(node, "name"),
        state,
        Str(node, "cpus_allocated") + "/" + Str(node, "cpus"),
        FormatSize(Int(node, "mem_allocated_bytes")) + "/" + FormatSize(Int(node, "mem_bytes")),
        gpus + models,
        Str(node, "running_jobs"),
        Str(node, "binding"),
        ShortEnforcement(Str(node, "enforcement")),
        OrDash(Str(node, "reason"))};
    if (wide) row.push_back(GpuIslands(node));
    table.AddRow(std::move(row));
  }
  return table.Render();
}

}  // namespace sharc::cli
