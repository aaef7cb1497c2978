#include "sim/report_render.h"

#include <gtest/gtest.h>

#include "tests/sim/report_scenario.h"

namespace sharc::sim {
namespace {

std::vector<SimReport> BothRuns() {
  return {ComputeReport(testing::Scenario()), ComputeReport(testing::BackfillScenario())};
}

TEST(SimReportFormatTest, NumbersAreFixedPrecision) {
  EXPECT_EQ(FormatSeconds(0), "0.000");
  EXPECT_EQ(FormatSeconds(1234), "1.234");
  EXPECT_EQ(FormatSeconds(1200000), "1200.000");
  EXPECT_EQ(FormatSeconds(-5), "-0.005");
  EXPECT_EQ(FormatHours(5400000), "1.500");
  EXPECT_EQ(FormatHours(24000000), "6.667");  // 6.6666... rounds up
  EXPECT_EQ(FormatHours(1799), "0.000");      // 0.4997 thousandths
  EXPECT_EQ(FormatHours(1800), "0.001");      // half rounds up
  EXPECT_EQ(FormatRatio(0.425), "0.4250");
  EXPECT_EQ(FormatRatio(2.0 / 3), "0.6667");
  EXPECT_EQ(ParseReportFormat("csv"), ReportFormat::kCsv);
  EXPECT_EQ(ParseReportFormat("xml"), std::nullopt);
}

// The figures are those worked out in report_test.cc (fifo) and report_scenario.h (backfill:
// makespan 150 min, CPU 680 / (8 x 150), GPU 80 / (2 x 150), waits [0, 0, 20, 40] min).
TEST(SimReportRenderTest, TableComparesRunsSideBySide) {
  EXPECT_EQ(RenderTable(BothRuns()),
            "metric                      fifo  backfill\n"
            "jobs_total                     5         5\n"
            "jobs_completed                 3         3\n"
            "jobs_timed_out                 1         1\n"
            "jobs_pending                   1         0\n"
            "jobs_running                   0         0\n"
            "jobs_other                     0         1\n"
            "makespan_s             12000.000  9000.000\n"
            "cpu_utilisation           0.4250    0.5667\n"
            "gpu_utilisation           0.2000    0.2667\n"
            "fairness_jain             0.6000    0.6000\n"
            "preemptions                    1         1\n"
            "jobs_preempted                 1         1\n"
            "node_hours_powered_on      5.500     4.500\n"
            "node_hours_makespan        6.667     5.000\n"
            "started                        4         4\n"
            "wait_p50_s              1200.000     0.000\n"
            "wait_p95_s              3600.000  2400.000\n"
            "wait_p99_s              3600.000  2400.000\n"
            "wait_max_s              3600.000  2400.000\n"
            "started[size=1]                1         1\n"
            "wait_p50_s[size=1]      3600.000     0.000\n"
            "wait_p95_s[size=1]      3600.000     0.000\n"
            "wait_p99_s[size=1]      3600.000     0.000\n"
            "wait_max_s[size=1]      3600.000     0.000\n"
            "started[size=2-4]              2         2\n"
            "wait_p50_s[size=2-4]       0.000     0.000\n"
            "wait_p95_s[size=2-4]    1200.000  1200.000\n"
            "wait_p99_s[size=2-4]    1200.000  1200.000\n"
            "wait_max_s[size=2-4]    1200.000  1200.000\n"
            "started[size=5-16]             0         0\n"
            "wait_p50_s[size=5-16]          -         -\n"
            "wait_p95_s[size=5-16]          -         -\n"
            "wait_p99_s[size=5-16]          -         -\n"
            "wait_max_s[size=5-16]          -         -\n"
            "started[size=gpu]              1         1\n"
            "wait_p50_s[size=gpu]    2400.000  2400.000\n"
            "wait_p95_s[size=gpu]    2400.000  2400.000\n"
            "wait_p99_s[size=gpu]    2400.000  2400.000\n"
            "wait_max_s[size=gpu]    2400.000  2400.000\n"
            "started[tenant=a]              2         2\n"
            "wait_p50_s[tenant=a]       0.000     0.000\n"
            "wait_p95_s[tenant=a]    1200.000  1200.000\n"
            "wait_p99_s[tenant=a]    1200.000  1200.000\n"
            "wait_max_s[tenant=a]    1200.000  1200.000\n"
            "started[tenant=b]              2         2\n"
            "wait_p50_s[tenant=b]    2400.000     0.000\n"
            "wait_p95_s[tenant=b]    3600.000  2400.000\n"
            "wait_p99_s[tenant=b]    3600.000  2400.000\n"
            "wait_max_s[tenant=b]    3600.000  2400.000\n"
            "started[tenant=c]              0         0\n"
            "wait_p50_s[tenant=c]           -         -\n"
            "wait_p95_s[tenant=c]           -         -\n"
            "wait_p99_s[tenant=c]           -         -\n"
            "wait_max_s[tenant=c]           -         -\n");
}

TEST(SimReportRenderTest, Csv) {
  EXPECT_EQ(RenderCsv(BothRuns()),
            "metric,fifo,backfill\n"
            "jobs_total,5,5\n"
            "jobs_completed,3,3\n"
            "jobs_timed_out,1,1\n"
            "jobs_pending,1,0\n"
            "jobs_running,0,0\n"
            "jobs_other,0,1\n"
            "makespan_s,12000.000,9000.000\n"
            "cpu_utilisation,0.4250,0.5667\n"
            "gpu_utilisation,0.2000,0.2667\n"
            "fairness_jain,0.6000,0.6000\n"
            "preemptions,1,1\n"
            "jobs_preempted,1,1\n"
            "node_hours_powered_on,5.500,4.500\n"
            "node_hours_makespan,6.667,5.000\n"
            "started,4,4\n"
            "wait_p50_s,1200.000,0.000\n"
            "wait_p95_s,3600.000,2400.000\n"
            "wait_p99_s,3600.000,2400.000\n"
            "wait_max_s,3600.000,2400.000\n"
            "started[size=1],1,1\n"
            "wait_p50_s[size=1],3600.000,0.000\n"
            "wait_p95_s[size=1],3600.000,0.000\n"
            "wait_p99_s[size=1],3600.000,0.000\n"
            "wait_max_s[size=1],3600.000,0.000\n"
            "started[size=2-4],2,2\n"
            "wait_p50_s[size=2-4],0.000,0.000\n"
            "wait_p95_s[size=2-4],1200.000,1200.000\n"
            "wait_p99_s[size=2-4],1200.000,1200.000\n"
            "wait_max_s[size=2-4],1200.000,1200.000\n"
            "started[size=5-16],0,0\n"
            "wait_p50_s[size=5-16],,\n"
            "wait_p95_s[size=5-16],,\n"
            "wait_p99_s[size=5-16],,\n"
            "wait_max_s[size=5-16],,\n"
            "started[size=gpu],1,1\n"
            "wait_p50_s[size=gpu],2400.000,2400.000\n"
            "wait_p95_s[size=gpu],2400.000,2400.000\n"
            "wait_p99_s[size=gpu],2400.000,2400.000\n"
            "wait_max_s[size=gpu],2400.000,2400.000\n"
            "started[tenant=a],2,2\n"
            "wait_p50_s[tenant=a],0.000,0.000\n"
            "wait_p95_s[tenant=a],1200.000,1200.000\n"
            "wait_p99_s[tenant=a],1200.000,1200.000\n"
            "wait_max_s[tenant=a],1200.000,1200.000\n"
            "started[tenant=b],2,2\n"
            "wait_p50_s[tenant=b],2400.000,0.000\n"
            "wait_p95_s[tenant=b],3600.000,2400.000\n"
            "wait_p99_s[tenant=b],3600.000,2400.000\n"
            "wait_max_s[tenant=b],3600.000,2400.000\n"
            "started[tenant=c],0,0\n"
            "wait_p50_s[tenant=c],,\n"
            "wait_p95_s[tenant=c],,\n"
            "wait_p99_s[tenant=c],,\n"
            "wait_max_s[tenant=c],,\n");
}

TEST(SimReportRenderTest, Json) {
  EXPECT_EQ(RenderJson({ComputeReport(testing::Scenario())}),
            "{\n"
            "  \"runs\": [\n"
            "    {\n"
            "      \"profile\": \"fifo\",\n"
            "      \"jobs\": {\"total\": 5, \"completed\": 3, \"timed_out\": 1, \"pending\": 1, "
            "\"running\": 0, \"other\": 0},\n"
            "      \"makespan_s\": 12000.000,\n"
            "      \"cpu_utilisation\": 0.4250,\n"
            "      \"gpu_utilisation\": 0.2000,\n"
            "      \"fairness_jain\": 0.6000,\n"
            "      \"preemptions\": {\"total\": 1, \"jobs\": 1},\n"
            "      \"node_hours\": {\"powered_on\": 5.500, \"makespan\": 6.667},\n"
            "      \"wait_s\": {\n"
            "        \"all\": {\"started\": 4, \"p50\": 1200.000, \"p95\": 3600.000, \"p99\": "
            "3600.000, \"max\": 3600.000},\n"
            "        \"by_size\": {\n"
            "          \"1\": {\"started\": 1, \"p50\": 3600.000, \"p95\": 3600.000, \"p99\": "
            "3600.000, \"max\": 3600.000},\n"
            "          \"2-4\": {\"started\": 2, \"p50\": 0.000, \"p95\": 1200.000, \"p99\": "
            "1200.000, \"max\": 1200.000},\n"
            "          \"5-16\": {\"started\": 0, \"p50\": null, \"p95\": null, \"p99\": null, "
            "\"max\": null},\n"
            "          \"gpu\": {\"started\": 1, \"p50\": 2400.000, \"p95\": 2400.000, \"p99\": "
            "2400.000, \"max\": 2400.000}\n"
            "        },\n"
            "        \"by_tenant\": {\n"
            "          \"a\": {\"started\": 2, \"p50\": 0.000, \"p95\": 1200.000, \"p99\": "
            "1200.000, \"max\": 1200.000},\n"
            "          \"b\": {\"started\": 2, \"p50\": 2400.000, \"p95\": 3600.000, \"p99\": "
            "3600.000, \"max\": 3600.000},\n"
            "          \"c\": {\"started\": 0, \"p50\": null, \"p95\": null, \"p99\": null, "
            "\"max\": null}\n"
            "        }\n"
            "      }\n"
            "    }\n"
            "  ]\n"
            "}\n");
  EXPECT_EQ(RenderJson({}), "{\n  \"runs\": []\n}\n");
}

TEST(SimReportRenderTest, RenderReportsPicksTheFormat) {
  std::vector<SimReport> runs = BothRuns();
  EXPECT_EQ(RenderReports(runs, ReportFormat::kTable), RenderTable(runs));
  EXPECT_EQ(RenderReports(runs, ReportFormat::kJson), RenderJson(runs));
  EXPECT_EQ(RenderReports(runs, ReportFormat::kCsv), RenderCsv(runs));
}

TEST(SimReportRenderTest, CsvQuotesProfileNames) {
  SimReport report;
  report.profile = "drf, \"tuned\"";
  EXPECT_TRUE(RenderCsv({report}).starts_with("metric,\"drf, \"\"tuned\"\"\"\n"));
}

}  // namespace
}  // namespace sharc::sim
