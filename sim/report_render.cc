#include "sim/report_render.h"

#include <algorithm>
#include <cstdio>
#include <set>

#include "protocol/json_fields.h"

namespace sharc::sim {
namespace {

using Value = std::optional<std::string>;

std::string FormatThousandths(int64_t thousandths) {
  std::string sign = thousandths < 0 ? "-" : "";
  uint64_t magnitude =
      thousandths < 0 ? 0 - static_cast<uint64_t>(thousandths) : static_cast<uint64_t>(thousandths);
  std::string fraction = std::to_string(magnitude % 1000);
  return sign + std::to_string(magnitude / 1000) + "." + std::string(3 - fraction.size(), '0') +
         fraction;
}

Value Ratio(const std::optional<double>& ratio) {
  return ratio ? Value(FormatRatio(*ratio)) : std::nullopt;
}

// A wait group of every report: the group's stats, or none where a report lacks it.
struct Group {
  std::string label;  // "" for all jobs, "size=2-4", "tenant=t03"
  std::vector<const WaitStats*> stats;
};

std::vector<Group> WaitGroups(const std::vector<SimReport>& reports) {
  std::vector<Group> groups;
  Group all{""};
  for (const SimReport& r : reports) all.stats.push_back(&r.wait);
  groups.push_back(all);
  auto add = [&](const std::string& prefix, const std::string& key, auto member) {
    Group group{prefix + "=" + key};
    for (const SimReport& r : reports) {
      auto it = (r.*member).find(key);
      group.stats.push_back(it == (r.*member).end() ? nullptr : &it->second);
    }
    groups.push_back(group);
  };
  for (const std::string& size : SizeClasses()) {
    bool any = std::any_of(reports.begin(), reports.end(),
                           [&](const SimReport& r) { return r.wait_by_size.count(size) > 0; });
    if (any) add("size", size, &SimReport::wait_by_size);
  }
  std::set<std::string> tenants;
  for (const SimReport& r : reports) {
    for (const auto& entry : r.wait_by_tenant) tenants.insert(entry.first);
  }
  for (const std::string& tenant : tenants) add("tenant", tenant, &SimReport::wait_by_tenant);
  return groups;
}

void AddWaitRows(const Group& group, std::vector<ReportRow>& rows) {
  std::string suffix = group.label.empty() ? "" : "[" + group.label + "]";
  ReportRow started{"started" + suffix};
  ReportRow p50{"wait_p50_s" + suffix}, p95{"wait_p95_s" + suffix}, p99{"wait_p99_s" + suffix},
      max{"wait_max_s" + suffix};
  for (const WaitStats* stats : group.stats) {
    bool has = stats != nullptr && stats->count > 0;
    started.values.push_back(stats ? Value(std::to_string(stats->count)) : std::nullopt);
    p50.values.push_back(has ? Value(FormatSeconds(stats->p50_ms)) : std::nullopt);
    p95.values.push_back(has ? Value(FormatSeconds(stats->p95_ms)) : std::nullopt);
    p99.values.push_back(has ? Value(FormatSeconds(stats->p99_ms)) : std::nullopt);
    max.values.push_back(has ? Value(FormatSeconds(stats->max_ms)) : std::nullopt);
  }
  for (ReportRow* row : {&started, &p50, &p95, &p99, &max}) rows.push_back(std::move(*row));
}

std::string CsvField(const std::string& text) {
  if (text.find_first_of(",\"\n\r") == std::string::npos) return text;
  std::string quoted = "\"";
  for (char c : text) quoted += c == '"' ? std::string("\"\"") : std::string(1, c);
  return quoted + "\"";
}

std::string JsonValue(const Value& value) { return value ? *value : "null"; }

std::string JsonString(const std::string& text) { return protocol::DumpJson(text); }

std::string JsonWait(const WaitStats& w) {
  bool has = w.count > 0;
  auto seconds = [&](int64_t ms) { return has ? FormatSeconds(ms) : std::string("null"); };
  return "{\"started\": " + std::to_string(w.count) + ", \"p50\": " + seconds(w.p50_ms) +
         ", \"p95\": " + seconds(w.p95_ms) + ", \"p99\": " + seconds(w.p99_ms) +
         ", \"max\": " + seconds(w.max_ms) + "}";
}

// "{\n<indent>  \"key\": W,\n...<indent>}" over a map's entries in `order`.
std::string JsonWaitMap(const std::map<std::string, WaitStats>& waits,
                        const std::vector<std::string>& order, const std::string& indent) {
  if (waits.empty()) return "{}";
  std::string out = "{";
  bool first = true;
  for (const std::string& key : order) {
    auto it = waits.find(key);
    if (it == waits.end()) continue;
    out += std::string(first ? "" : ",") + "\n" + indent + "  " + JsonString(key) + ": " +
           JsonWait(it->second);
    first = false;
  }
  return out + "\n" + indent + "}";
}

std::string JsonRun(const SimReport& r) {
  const JobCounts& j = r.jobs;
  std::vector<std::string> tenants;
  for (const auto& entry : r.wait_by_tenant) tenants.push_back(entry.first);
  std::string in = "      ";
  std::string out = "    {\n";
  out += in + "\"profile\": " + JsonString(r.profile) + ",\n";
  out += in + "\"jobs\": {\"total\": " + std::to_string(j.total) +
         ", \"completed\": " + std::to_string(j.completed) +
         ", \"timed_out\": " + std::to_string(j.timed_out) +
         ", \"pending\": " + std::to_string(j.pending) +
         ", \"running\": " + std::to_string(j.running) + ", \"other\": " + std::to_string(j.other) +
         "},\n";
  out += in + "\"makespan_s\": " + FormatSeconds(r.makespan_ms) + ",\n";
  out += in + "\"cpu_utilisation\": " + JsonValue(Ratio(r.cpu_utilisation)) + ",\n";
  out += in + "\"gpu_utilisation\": " + JsonValue(Ratio(r.gpu_utilisation)) + ",\n";
  out += in + "\"fairness_jain\": " + JsonValue(Ratio(r.jain_fairness)) + ",\n";
  out += in + "\"preemptions\": {\"total\": " + std::to_string(r.preemptions) +
         ", \"jobs\": " + std::to_string(r.jobs_preempted) + "},\n";
  out += in + "\"node_hours\": {\"powered_on\": " + FormatHours(r.powered_on_node_ms) +
         ", \"makespan\": " + FormatHours(r.makespan_node_ms) + "},\n";
  out += in + "\"wait_s\": {\n";
  out += in + "  \"all\": " + JsonWait(r.wait) + ",\n";
  out += in + "  \"by_size\": " + JsonWaitMap(r.wait_by_size, SizeClasses(), in + "  ") + ",\n";
  out += in + "  \"by_tenant\": " + JsonWaitMap(r.wait_by_tenant, tenants, in + "  ") + "\n";
  out += in + "}\n    }";
  return out;
}

}  // namespace

std::string FormatSeconds(int64_t ms) { return FormatThousandths(ms); }

std::string FormatHours(int64_t ms) {
  // Thousandths of an hour = ms / 3600, rounded half away from zero.
  int64_t thousandths = ms >= 0 ? (ms + 1800) / 3600 : -((-ms + 1800) / 3600);
  return FormatThousandths(thousandths);
}

std::string FormatRatio(double ratio) {
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%.4f", ratio);
  return buffer;
}

std::optional<ReportFormat> ParseReportFormat(std::string_view name) {
  if (name == "table") return ReportFormat::kTable;
  if (name == "json") return ReportFormat::kJson;
  if (name == "csv") return ReportFormat::kCsv;
  return std::nullopt;
}

std::vector<ReportRow> ReportRows(const std::vector<SimReport>& reports) {
  std::vector<ReportRow> rows;
  auto add = [&](const std::string& metric, auto value_of) {
    ReportRow row{metric};
    for (const SimReport& r : reports) row.values.push_back(value_of(r));
    rows.push_back(std::move(row));
  };
  auto count = [](int64_t n) { return Value(std::to_string(n)); };
  add("jobs_total", [&](const SimReport& r) { return count(r.jobs.total); });
  add("jobs_completed", [&](const SimReport& r) { return count(r.jobs.completed); });
  add("jobs_timed_out", [&](const SimReport& r) { return count(r.jobs.timed_out); });
  add("jobs_pending", [&](const SimReport& r) { return count(r.jobs.pending); });
  add("jobs_running", [&](const SimReport& r) { return count(r.jobs.running); });
  add("jobs_other", [&](const SimReport& r) { return count(r.jobs.other); });
  add("makespan_s", [](const SimReport& r) { return Value(FormatSeconds(r.makespan_ms)); });
  add("cpu_utilisation", [](const SimReport& r) { return Ratio(r.cpu_utilisation); });
  add("gpu_utilisation", [](const SimReport& r) { return Ratio(r.gpu_utilisation); });
  add("fairness_jain", [](const SimReport& r) { return Ratio(r.jain_fairness); });
  add("preemptions", [&](const SimReport& r) { return count(r.preemptions); });
  add("jobs_preempted", [&](const SimReport& r) { return count(r.jobs_preempted); });
  add("node_hours_powered_on",
      [](const SimReport& r) { return Value(FormatHours(r.powered_on_node_ms)); });
  add("node_hours_makespan",
      [](const SimReport& r) { return Value(FormatHours(r.makespan_node_ms)); });
  for (const Group& group : WaitGroups(reports)) AddWaitRows(group, rows);
  return rows;
}

std::string RenderTable(const std::vector<SimReport>& reports) {
  std::vector<ReportRow> rows = ReportRows(reports);
  ReportRow header{"metric"};
  for (const SimReport& r : reports) header.values.push_back(r.profile);
  rows.insert(rows.begin(), header);
  size_t label_width = 0;
  std::vector<size_t> widths(reports.size(), 0);
  for (const ReportRow& row : rows) {
    label_width = std::max(label_width, row.metric.size());
    for (size_t i = 0; i < row.values.size(); ++i) {
      widths[i] = std::max(widths[i], row.values[i].value_or("-").size());
    }
  }
  std::string out;
  for (const ReportRow& row : rows) {
    std::string line = row.metric + std::string(label_width - row.metric.size(), ' ');
    for (size_t i = 0; i < row.values.size(); ++i) {
      std::string value = row.values[i].value_or("-");
      line += "  " + std::string(widths[i] - value.size(), ' ') + value;
    }
    out += line + "\n";
  }
  return out;
}

std::string RenderCsv(const std::vector<SimReport>& reports) {
  std::string out = "metric";
  for (const SimReport& r : reports) out += "," + CsvField(r.profile);
  out += "\n";
  for (const ReportRow& row : ReportRows(reports)) {
    out += CsvField(row.metric);
    for (const Value& value : row.values) out += "," + CsvField(value.value_or(""));
    out += "\n";
  }
  return out;
}

std::string RenderJson(const std::vector<SimReport>& reports) {
  if (reports.empty()) return "{\n  \"runs\": []\n}\n";
  std::string out = "{\n  \"runs\": [\n";
  for (size_t i = 0; i < reports.size(); ++i) {
    out += JsonRun(reports[i]) + (i + 1 < reports.size() ? ",\n" : "\n");
  }
  return out + "  ]\n}\n";
}

std::string RenderReports(const std::vector<SimReport>& reports, ReportFormat format) {
  switch (format) {
    case ReportFormat::kTable:
      return RenderTable(reports);
    case ReportFormat::kJson:
      return RenderJson(reports);
    case ReportFormat::kCsv:
      return RenderCsv(reports);
  }
  return "";
}

}  // namespace sharc::sim
