// Renders one or several SimReports side by side (one column or entry per run, e.g. two
// scheduling profiles on the same workload), as an aligned text table, JSON or CSV. Output
// bytes are a function of the reports alone: keys and rows in a fixed order, numbers in fixed
// precision (times and node-hours from integers, ratios with 4 decimals).
//
// Table and CSV share one row per metric and one column per run, in this order:
//   jobs_total, jobs_completed, jobs_timed_out, jobs_pending, jobs_running, jobs_other,
//   makespan_s, cpu_utilisation, gpu_utilisation, fairness_jain, preemptions, jobs_preempted,
//   node_hours_powered_on, node_hours_makespan, then for the group "" (all jobs), each size
//   class (SizeClasses() order) and each tenant (sorted), the rows started, wait_p50_s,
//   wait_p95_s, wait_p99_s, wait_max_s, named e.g. "wait_p95_s", "wait_p95_s[size=2-4]",
//   "wait_p95_s[tenant=t03]". Groups appear if any run has them.
// Seconds have 3 decimals (exact, from milliseconds); node-hours 3 decimals rounded half up.
// An absent value is "-" in the table, an empty field in CSV and null in JSON.
//
// JSON: {"runs": [{"profile", "jobs": {total, completed, timed_out, pending, running, other},
//   "makespan_s", "cpu_utilisation", "gpu_utilisation", "fairness_jain",
//   "preemptions": {total, jobs}, "node_hours": {powered_on, makespan},
//   "wait_s": {"all": W, "by_size": {class: W}, "by_tenant": {tenant: W}}}]}
// with W = {"started", "p50", "p95", "p99", "max"}, two-space indentation, a newline at the end.
#ifndef SHARC_SIM_REPORT_RENDER_H_
#define SHARC_SIM_REPORT_RENDER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "sim/report.h"

namespace sharc::sim {

enum class ReportFormat { kTable, kJson, kCsv };

// "table", "json", "csv".
std::optional<ReportFormat> ParseReportFormat(std::string_view name);

struct ReportRow {
  std::string metric;
  std::vector<std::optional<std::string>> values;  // one per report; nullopt = absent
};

// The rows of the table and CSV, as described above.
std::vector<ReportRow> ReportRows(const std::vector<SimReport>& reports);

std::string RenderTable(const std::vector<SimReport>& reports);
std::string RenderCsv(const std::vector<SimReport>& reports);
std::string RenderJson(const std::vector<SimReport>& reports);
std::string RenderReports(const std::vector<SimReport>& reports, ReportFormat format);

// Number formats: 1234 ms -> "1.234"; 5400000 ms -> "1.500" (hours); 0.75 -> "0.7500".
std::string FormatSeconds(int64_t ms);
std::string FormatHours(int64_t ms);
std::string FormatRatio(double ratio);

}  // namespace sharc::sim

#endif  // SHARC_SIM_REPORT_RENDER_H_
