// The report's arithmetic, checked against figures worked out by hand.
#include "scheduler/efficiency_report.h"

#include <gtest/gtest.h>

namespace sharc::scheduler {
namespace {

constexpr UnixMillis kHour = 3'600'000;
constexpr UnixMillis kStart = 1'800'000'000'000;  // a whole hour

// One node with 4 CPUs measured for a whole hour: 100 W of CPU power (0.1 kWh), a third idle.
std::vector<NodeEnergyBucket> AnHourOfOneNode() {
  std::vector<NodeEnergyBucket> buckets;
  for (int minute = 0; minute < 60; ++minute) {
    NodeEnergyBucket b;
    b.node = "a";
    b.start = kStart + minute * kEnergyBucketMillis;
    b.covered_ms = kEnergyBucketMillis;
    b.millicpus = 4000;
    b.cpu_energy_uj = 6'000'000'000;  // 100 W x 60 s
    b.idle_energy_uj = 2'000'000'000;
    b.cpu_source = "model";
    buckets.push_back(b);
  }
  // Outside the period: ignored.
  NodeEnergyBucket before = buckets.front();
  before.start = kStart - kEnergyBucketMillis;
  buckets.push_back(before);
  return buckets;
}

AttemptRecord Attempt(const std::string& tenant, int64_t job, UnixMillis start, UnixMillis end,
                      int64_t millicpus, int64_t cpu_time_ms, int64_t cpu_energy_uj) {
  AttemptRecord a;
  a.attempt = {JobId{job}, 1};
  a.tenant = tenant;
  a.node = "a";
  a.start_time = start;
  a.end_time = end;
  a.millicpus = millicpus;
  a.cpu_time_ms = cpu_time_ms;
  a.cpu_energy_uj = cpu_energy_uj;
  a.state = "COMPLETED";
  return a;
}

EfficiencyInputs Inputs() {
  EfficiencyInputs in;
  in.from = kStart;
  in.to = kStart + kHour;
  in.buckets = AnHourOfOneNode();
  // acme: 2 CPUs for the first half hour, busy half the time; 0.01 kWh.
  in.attempts.push_back(
      Attempt("acme", 1, kStart, kStart + kHour / 2, 2000, kHour / 2, 36'000'000'000));
  // globex: 1 CPU for an hour straddling the start: half of it (and of what it measured) falls
  // in the period. Busy the whole time; 0.02 kWh in all.
  in.attempts.push_back(
      Attempt("globex", 2, kStart - kHour / 2, kStart + kHour / 2, 1000, kHour, 72'000'000'000));
  // Entirely before the period: ignored.
  in.attempts.push_back(Attempt("globex", 3, kStart - kHour, kStart - kHour / 2, 1000, 1, 1));
  in.settings = {1.5, 400};
  return in;
}

TEST(EfficiencyReportTest, TheClusterLineAddsUpByHand) {
  EfficiencyReport r = ComputeEfficiencyReport(Inputs());
  const EfficiencyLine& c = r.cluster;
  EXPECT_NEAR(c.capacity_cpu_hours, 4.0, 1e-9);
  EXPECT_NEAR(c.capacity_gpu_hours, 0.0, 1e-9);
  EXPECT_EQ(c.attempts, 2);
  EXPECT_NEAR(c.granted_cpu_hours, 1.5, 1e-9);  // 2 x 0.5 + 1 x 0.5
  EXPECT_NEAR(c.used_cpu_hours, 1.0, 1e-9);     // 0.5 + half of 1
  EXPECT_NEAR(*c.allocation_rate, 1.5 / 4, 1e-9);
  EXPECT_FALSE(c.gpu_allocation_rate.has_value()) << "no GPU capacity: no ratio";
  EXPECT_NEAR(*c.usage_efficiency, 1.0 / 1.5, 1e-9);
  EXPECT_NEAR(c.it_energy_kwh, 0.1, 1e-12);
  EXPECT_NEAR(*c.idle_energy_share, 1.0 / 3, 1e-12);
  EXPECT_NEAR(*c.wh_per_cpu_hour, 100.0 / 1.5, 1e-9);
  EXPECT_FALSE(c.wh_per_gpu_hour.has_value());
  EXPECT_NEAR(*c.facility_energy_kwh, 0.15, 1e-12);
  EXPECT_NEAR(*c.carbon_kg, 0.06, 1e-12);
  EXPECT_EQ(r.facility_method, "pue");
  EXPECT_NEAR(r.pue, 1.5, 1e-9);
  EXPECT_EQ(r.cpu_energy_sources, std::set<std::string>{"model"});
  EXPECT_NEAR(r.measured_node_hours, 1.0, 1e-9);
}

TEST(EfficiencyReportTest, TenantLinesCarryTheirShareAndTheirEnergy) {
  EfficiencyReport r = ComputeEfficiencyReport(Inputs());
  ASSERT_EQ(r.tenants.size(), 2u);
  const EfficiencyLine& acme = r.tenants[0];
  EXPECT_EQ(acme.tenant, "acme");
  EXPECT_NEAR(acme.granted_cpu_hours, 1.0, 1e-9);
  EXPECT_NEAR(*acme.allocation_rate, 0.25, 1e-9);  // its share of the capacity
  EXPECT_NEAR(*acme.usage_efficiency, 0.5, 1e-9);
  EXPECT_NEAR(acme.it_energy_kwh, 0.01, 1e-12);
  EXPECT_NEAR(*acme.wh_per_cpu_hour, 10.0, 1e-9);
  EXPECT_NEAR(*acme.facility_energy_kwh, 0.015, 1e-12);
  EXPECT_NEAR(*acme.carbon_kg, 0.006, 1e-12);
  const EfficiencyLine& globex = r.tenants[1];
  EXPECT_EQ(globex.tenant, "globex");
  EXPECT_EQ(globex.attempts, 1);
  EXPECT_NEAR(globex.granted_cpu_hours, 0.5, 1e-9);
  EXPECT_NEAR(*globex.usage_efficiency, 1.0, 1e-9);
  EXPECT_NEAR(globex.it_energy_kwh, 0.01, 1e-12) << "half of its 0.02 kWh is in the period";
}

TEST(EfficiencyReportTest, MeterReadingsAroundThePeriodGiveTheFacilityEnergy) {
  EfficiencyInputs in = Inputs();
  // 1000 Wh an hour before, 1600 Wh two hours after: 200 Wh per hour, linearly.
  in.facility_readings = {{kStart - kHour, 1000, "main"}, {kStart + 2 * kHour, 1600, "main"}};
  EfficiencyReport r = ComputeEfficiencyReport(in);
  EXPECT_EQ(r.facility_method, "meter");
  EXPECT_NEAR(*r.cluster.facility_energy_kwh, 0.2, 1e-12);
  EXPECT_NEAR(r.pue, 2.0, 1e-9) << "0.2 kWh for 0.1 kWh of IT energy";
  EXPECT_NEAR(*r.cluster.carbon_kg, 0.08, 1e-12);
  EXPECT_NEAR(*r.tenants[0].facility_energy_kwh, 0.02, 1e-12);
}

TEST(EfficiencyReportTest, ReadingsThatDoNotBracketThePeriodFallBackToThePue) {
  EfficiencyInputs in = Inputs();
  in.facility_readings = {{kStart + kHour / 2, 1000, ""}, {kStart + 2 * kHour, 1600, ""}};
  EfficiencyReport r = ComputeEfficiencyReport(in);
  EXPECT_EQ(r.facility_method, "pue");
  EXPECT_NEAR(*r.cluster.facility_energy_kwh, 0.15, 1e-12);
  EXPECT_FALSE(r.notes.empty());
}

TEST(EfficiencyReportTest, WithoutPueOrCarbonNothingIsGuessed) {
  EfficiencyInputs in = Inputs();
  in.settings = {};
  EfficiencyReport r = ComputeEfficiencyReport(in);
  EXPECT_EQ(r.facility_method, "none");
  EXPECT_FALSE(r.cluster.facility_energy_kwh.has_value());
  EXPECT_FALSE(r.cluster.carbon_kg.has_value());
  EXPECT_FALSE(r.tenants[0].carbon_kg.has_value());
  EXPECT_GE(r.notes.size(), 2u);
}

TEST(EfficiencyReportTest, AnEmptyPeriodHasNoRatios) {
  EfficiencyInputs in;
  in.from = kStart;
  in.to = kStart + kHour;
  EfficiencyReport r = ComputeEfficiencyReport(in);
  EXPECT_EQ(r.cluster.capacity_cpu_hours, 0);
  EXPECT_FALSE(r.cluster.allocation_rate.has_value());
  EXPECT_FALSE(r.cluster.usage_efficiency.has_value());
  EXPECT_FALSE(r.cluster.idle_energy_share.has_value());
  EXPECT_TRUE(r.tenants.empty());
  protocol::Json j = EncodeEfficiencyReport(r);
  EXPECT_TRUE(j["cluster"]["allocation_rate"].is_null());
  EXPECT_EQ(j["from"], FormatRfc3339(kStart));
}

}  // namespace
}  // namespace sharc::scheduler
