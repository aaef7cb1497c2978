#include "agent/cli/efficiency_views.h"

#include <cstdio>
#include <sstream>
#include <vector>

#include "agent/cli/table.h"
#include "agent/cli/tenant_views.h"

namespace sharc::cli {
namespace {

using protocol::Json;

// `value` with `decimals` places, or "-" when absent or null.
std::string Fixed(const Json& object, const char* key, int decimals) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.*f", decimals, it->get<double>());
  return buffer;
}

std::string Percent(const Json& object, const char* key) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number()) return "-";
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%.1f%%", it->get<double>() * 100);
  return buffer;
}

std::string Text(const Json& object, const char* key) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "-";
}

std::string Joined(const Json& list) {
  std::string out;
  if (!list.is_array()) return "-";
  for (const Json& item : list) {
    if (!item.is_string()) continue;
    out += (out.empty() ? "" : ", ") + item.get<std::string>();
  }
  return out.empty() ? "-" : out;
}

Status CheckReport(const Json& report) {
  if (!report.is_object() || !report.contains("cluster") || !report["cluster"].is_object() ||
      !report.contains("method") || !report["method"].is_object()) {
    return InvalidArgumentError("the report has no cluster line or method");
  }
  if (report.contains("tenants") && !report["tenants"].is_array()) {
    return InvalidArgumentError("the report's tenants are not a list");
  }
  return Status::Ok();
}

// The columns every line shares, in order, for the tenant table, CSV and Markdown.
const std::vector<std::string>& LineHeader() {
  static const std::vector<std::string> header = {
      "tenant",          "attempts",         "granted_cpu_hours",   "allocation_rate",
      "used_cpu_hours",  "usage_efficiency", "granted_gpu_hours",   "it_energy_kwh",
      "wh_per_cpu_hour", "wh_per_gpu_hour",  "facility_energy_kwh", "carbon_kg"};
  return header;
}

std::vector<std::string> LineCells(const Json& line, const std::string& who) {
  return {who,
          Fixed(line, "attempts", 0),
          Fixed(line, "granted_cpu_hours", 3),
          Percent(line, "allocation_rate"),
          Fixed(line, "used_cpu_hours", 3),
          Percent(line, "usage_efficiency"),
          Fixed(line, "granted_gpu_hours", 3),
          Fixed(line, "it_energy_kwh", 4),
          Fixed(line, "wh_per_cpu_hour", 1),
          Fixed(line, "wh_per_gpu_hour", 1),
          Fixed(line, "facility_energy_kwh", 4),
          Fixed(line, "carbon_kg", 4)};
}

std::string FacilityMethod(const Json& method) {
  std::string facility = Text(method, "facility");
  if (facility == "meter") {
    return "facility meter readings (implied PUE " + Fixed(method, "pue", 2) + ")";
  }
  if (facility == "pue") return "IT energy x configured PUE " + Fixed(method, "pue", 2);
  return "not computed (no PUE configured, no meter readings)";
}

// Key-value lines about the whole cluster, then the method; `bullet` starts each line.
std::vector<std::pair<std::string, std::string>> ClusterFacts(const Json& report) {
  const Json& c = report["cluster"];
  const Json& m = report["method"];
  return {
      {"Period", Text(report, "from") + " to " + Text(report, "to")},
      {"Capacity", Fixed(c, "capacity_cpu_hours", 3) + " CPU-h, " +
                       Fixed(c, "capacity_gpu_hours", 3) + " GPU-h"},
      {"Granted", Fixed(c, "granted_cpu_hours", 3) + " CPU-h (allocation rate " +
                      Percent(c, "allocation_rate") + "), " + Fixed(c, "granted_gpu_hours", 3) +
                      " GPU-h (" + Percent(c, "gpu_allocation_rate") + ")"},
      {"Used", Fixed(c, "used_cpu_hours", 3) + " CPU-h (usage efficiency " +
                   Percent(c, "usage_efficiency") + ")"},
      {"IT energy", Fixed(c, "it_energy_kwh", 4) + " kWh (CPUs and memory " +
                        Fixed(c, "cpu_energy_kwh", 4) + ", GPUs " + Fixed(c, "gpu_energy_kwh", 4) +
                        "); idle share " + Percent(c, "idle_energy_share")},
      {"Energy per delivered hour", Fixed(c, "wh_per_cpu_hour", 1) + " Wh per CPU-h, " +
                                        Fixed(c, "wh_per_gpu_hour", 1) + " Wh per GPU-h"},
      {"Facility energy", Fixed(c, "facility_energy_kwh", 4) + " kWh"},
      {"Carbon",
       Fixed(c, "carbon_kg", 4) + " kg CO2 at " + Fixed(m, "grid_carbon_g_per_kwh", 0) + " g/kWh"},
      {"Energy sources", "CPUs: " + Joined(m["cpu_energy_sources"]) +
                             "; GPUs: " + Joined(m["gpu_energy_sources"]) + " (" +
                             Fixed(m, "measured_node_hours", 2) + " node-hours measured)"},
      {"Facility method", FacilityMethod(m)},
  };
}

const Json& TenantsOf(const Json& report) {
  static const Json kNone = Json::array();
  auto it = report.find("tenants");
  return it == report.end() ? kNone : *it;
}

std::vector<std::string> Notes(const Json& report) {
  std::vector<std::string> notes;
  const Json& list = report["method"].value("notes", Json::array());
  for (const Json& note : list) {
    if (note.is_string()) notes.push_back(note.get<std::string>());
  }
  return notes;
}

}  // namespace

StatusOr<std::string> RenderEfficiencyTable(const Json& report) {
  SHARC_RETURN_IF_ERROR(CheckReport(report));
  std::ostringstream out;
  out << "DATA-CENTRE EFFICIENCY\n";
  size_t width = 0;
  auto facts = ClusterFacts(report);
  for (const auto& [key, value] : facts) width = std::max(width, key.size());
  for (const auto& [key, value] : facts) {
    out << "  " << key << std::string(width - key.size() + 2, ' ') << value << "\n";
  }
  out << "\nPER TENANT\n";
  std::vector<std::string> header;
  for (const std::string& h : LineHeader()) {
    std::string upper;
    for (char ch : h) upper += ch == '_' ? ' ' : static_cast<char>(std::toupper(ch));
    header.push_back(upper);
  }
  Table table(header);
  for (const Json& line : TenantsOf(report)) table.AddRow(LineCells(line, Text(line, "tenant")));
  table.AddRow(LineCells(report["cluster"], "(cluster)"));
  out << table.Render();
  std::vector<std::string> notes = Notes(report);
  if (!notes.empty()) out << "\nNOTES\n";
  for (const std::string& note : notes) out << "  - " << note << "\n";
  return out.str();
}

StatusOr<std::string> RenderEfficiencyCsv(const Json& report) {
  SHARC_RETURN_IF_ERROR(CheckReport(report));
  std::vector<std::string> header = {"from", "to", "scope"};
  for (const std::string& h : LineHeader()) header.push_back(h);
  header.insert(header.end(), {"capacity_cpu_hours", "capacity_gpu_hours", "idle_energy_share",
                               "facility_method", "pue", "grid_carbon_g_per_kwh"});
  std::string out;
  auto row = [&](const std::vector<std::string>& cells) {
    for (size_t i = 0; i < cells.size(); ++i) out += (i ? "," : "") + CsvField(cells[i]);
    out += "\r\n";
  };
  row(header);
  const Json& m = report["method"];
  auto line_row = [&](const Json& line, const std::string& scope, const std::string& who) {
    std::vector<std::string> cells = {Text(report, "from"), Text(report, "to"), scope};
    std::vector<std::string> shared = LineCells(line, who);
    // CSV carries ratios as plain fractions, not percentages.
    shared[3] = Fixed(line, "allocation_rate", 4);
    shared[5] = Fixed(line, "usage_efficiency", 4);
    cells.insert(cells.end(), shared.begin(), shared.end());
    cells.insert(cells.end(),
                 {Fixed(line, "capacity_cpu_hours", 3), Fixed(line, "capacity_gpu_hours", 3),
                  Fixed(line, "idle_energy_share", 4), Text(m, "facility"), Fixed(m, "pue", 3),
                  Fixed(m, "grid_carbon_g_per_kwh", 1)});
    for (std::string& cell : cells) {
      if (cell == "-") cell.clear();
    }
    row(cells);
  };
  line_row(report["cluster"], "cluster", "");
  for (const Json& line : TenantsOf(report)) line_row(line, "tenant", Text(line, "tenant"));
  return out;
}

StatusOr<std::string> RenderEfficiencyMarkdown(const Json& report) {
  SHARC_RETURN_IF_ERROR(CheckReport(report));
  std::ostringstream out;
  out << "# Data-centre efficiency report\n\n";
  out << "| Indicator | Value |\n|---|---|\n";
  for (const auto& [key, value] : ClusterFacts(report)) {
    out << "| " << key << " | " << value << " |\n";
  }
  out << "\n## Per tenant\n\n|";
  for (const std::string& h : LineHeader()) out << " " << h << " |";
  out << "\n|";
  for (size_t i = 0; i < LineHeader().size(); ++i) out << "---|";
  out << "\n";
  auto md_row = [&](const std::vector<std::string>& cells) {
    out << "|";
    for (const std::string& cell : cells) out << " " << cell << " |";
    out << "\n";
  };
  for (const Json& line : TenantsOf(report)) md_row(LineCells(line, Text(line, "tenant")));
  md_row(LineCells(report["cluster"], "**cluster**"));
  out << "\n## Method\n\n"
         "- Capacity: the CPUs and GPUs of nodes while their agents measured energy.\n"
         "- Granted: CPUs and GPUs held by job attempts, for the part of their time in the "
         "period.\n"
         "- Used: CPU time measured in the jobs' cgroups.\n"
         "- IT energy: measured (RAPL, NVML) or modelled per node; a job is charged its share "
         "of a CPU package's energy by CPU time and its GPUs' energy; the rest is idle.\n"
         "- Facility energy: "
      << FacilityMethod(report["method"]) << ".\n";
  for (const std::string& note : Notes(report)) out << "- Note: " << note << ".\n";
  return out.str();
}

std::string RenderFacilityReadings(const Json& readings) {
  Table table({"TIME", "ENERGY", "NOTE"});
  if (readings.is_array()) {
    for (const Json& r : readings) {
      std::string energy = "-";
      if (r.contains("energy_wh") && r["energy_wh"].is_number_integer()) {
        char buffer[64];
        std::snprintf(buffer, sizeof buffer, "%.3f kWh",
                      static_cast<double>(r["energy_wh"].get<int64_t>()) / 1000.0);
        energy = buffer;
      }
      table.AddRow({Text(r, "time"), energy, Text(r, "note")});
    }
  }
  return table.Render();
}

}  // namespace sharc::cli
