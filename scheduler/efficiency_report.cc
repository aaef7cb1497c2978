#include "scheduler/efficiency_report.h"

#include <algorithm>
#include <map>

#include "core/clock.h"

namespace sharc::scheduler {
namespace {

constexpr double kMillisPerHour = 3.6e6;
constexpr double kMicrojoulesPerKwh = 3.6e12;

std::optional<double> Ratio(double part, double whole) {
  if (whole <= 0) return std::nullopt;
  return part / whole;
}

// The meter's reading at `t`, linear between the two readings around it; none outside them.
std::optional<double> MeterAt(const std::vector<FacilityReading>& readings, UnixMillis t) {
  for (size_t i = 0; i + 1 < readings.size(); ++i) {
    const FacilityReading& a = readings[i];
    const FacilityReading& b = readings[i + 1];
    if (a.time <= t && t <= b.time && b.time > a.time) {
      double fraction = static_cast<double>(t - a.time) / static_cast<double>(b.time - a.time);
      return static_cast<double>(a.energy_wh) +
             fraction * static_cast<double>(b.energy_wh - a.energy_wh);
    }
  }
  if (!readings.empty() && readings.back().time == t) {
    return static_cast<double>(readings.back().energy_wh);
  }
  return std::nullopt;
}

// The attempt's figures inside [from, to): granted by overlap, measured ones prorated.
struct Overlap {
  double granted_cpu_hours = 0;
  double granted_gpu_hours = 0;
  double used_cpu_hours = 0;
  double cpu_energy_kwh = 0;
  double gpu_energy_kwh = 0;
};

Overlap OverlapOf(const AttemptRecord& a, UnixMillis from, UnixMillis to) {
  Overlap o;
  UnixMillis start = std::max(a.start_time, from);
  UnixMillis end = std::min(a.end_time, to);
  if (end <= start) return o;
  double inside = static_cast<double>(end - start);
  double wall = static_cast<double>(a.end_time - a.start_time);
  double fraction = wall > 0 ? inside / wall : 1.0;
  o.granted_cpu_hours = static_cast<double>(a.millicpus) / 1000.0 * inside / kMillisPerHour;
  o.granted_gpu_hours = static_cast<double>(a.gpus) * inside / kMillisPerHour;
  o.used_cpu_hours = static_cast<double>(a.cpu_time_ms) * fraction / kMillisPerHour;
  o.cpu_energy_kwh = static_cast<double>(a.cpu_energy_uj) * fraction / kMicrojoulesPerKwh;
  o.gpu_energy_kwh = static_cast<double>(a.gpu_energy_uj) * fraction / kMicrojoulesPerKwh;
  return o;
}

void Finish(EfficiencyLine& line, double capacity_cpu_hours, double capacity_gpu_hours) {
  line.it_energy_kwh = line.cpu_energy_kwh + line.gpu_energy_kwh;
  line.allocation_rate = Ratio(line.granted_cpu_hours, capacity_cpu_hours);
  line.gpu_allocation_rate = Ratio(line.granted_gpu_hours, capacity_gpu_hours);
  line.usage_efficiency = Ratio(line.used_cpu_hours, line.granted_cpu_hours);
  if (std::optional<double> r = Ratio(line.cpu_energy_kwh, line.granted_cpu_hours)) {
    line.wh_per_cpu_hour = *r * 1000;
  }
  if (std::optional<double> r = Ratio(line.gpu_energy_kwh, line.granted_gpu_hours)) {
    line.wh_per_gpu_hour = *r * 1000;
  }
}

void Put(protocol::Json& j, const char* key, const std::optional<double>& value) {
  j[key] = value ? protocol::Json(*value) : protocol::Json(nullptr);
}

protocol::Json EncodeLine(const EfficiencyLine& line) {
  protocol::Json j = {{"attempts", line.attempts},
                      {"granted_cpu_hours", line.granted_cpu_hours},
                      {"granted_gpu_hours", line.granted_gpu_hours},
                      {"used_cpu_hours", line.used_cpu_hours},
                      {"cpu_energy_kwh", line.cpu_energy_kwh},
                      {"gpu_energy_kwh", line.gpu_energy_kwh},
                      {"it_energy_kwh", line.it_energy_kwh}};
  if (!line.tenant.empty()) {
    j["tenant"] = line.tenant;
  } else {
    j["capacity_cpu_hours"] = line.capacity_cpu_hours;
    j["capacity_gpu_hours"] = line.capacity_gpu_hours;
    Put(j, "idle_energy_share", line.idle_energy_share);
  }
  Put(j, "allocation_rate", line.allocation_rate);
  Put(j, "gpu_allocation_rate", line.gpu_allocation_rate);
  Put(j, "usage_efficiency", line.usage_efficiency);
  Put(j, "wh_per_cpu_hour", line.wh_per_cpu_hour);
  Put(j, "wh_per_gpu_hour", line.wh_per_gpu_hour);
  Put(j, "facility_energy_kwh", line.facility_energy_kwh);
  Put(j, "carbon_kg", line.carbon_kg);
  return j;
}

// The nodes' capacity and measured energy in the period, into r->cluster; returns the idle
// energy (kWh) among it.
double AddNodeEnergy(const EfficiencyInputs& in, EfficiencyReport* r) {
  double idle_kwh = 0;
  for (const NodeEnergyBucket& b : in.buckets) {
    if (b.start < in.from || b.start >= in.to) continue;
    double covered_hours = static_cast<double>(b.covered_ms) / kMillisPerHour;
    r->cluster.capacity_cpu_hours += static_cast<double>(b.millicpus) / 1000.0 * covered_hours;
    r->cluster.capacity_gpu_hours += static_cast<double>(b.gpus) * covered_hours;
    r->cluster.cpu_energy_kwh += static_cast<double>(b.cpu_energy_uj) / kMicrojoulesPerKwh;
    r->cluster.gpu_energy_kwh += static_cast<double>(b.gpu_energy_uj) / kMicrojoulesPerKwh;
    idle_kwh += static_cast<double>(b.idle_energy_uj) / kMicrojoulesPerKwh;
    r->measured_node_hours += covered_hours;
    if (!b.cpu_source.empty()) r->cpu_energy_sources.insert(b.cpu_source);
    if (!b.gpu_source.empty()) r->gpu_energy_sources.insert(b.gpu_source);
  }
  return idle_kwh;
}

// What the attempts were granted and used in the period, into r->cluster; returns the same
// by tenant.
std::map<std::string, EfficiencyLine> AddAttempts(const EfficiencyInputs& in, EfficiencyReport* r) {
  std::map<std::string, EfficiencyLine> tenants;
  for (const AttemptRecord& a : in.attempts) {
    Overlap o = OverlapOf(a, in.from, in.to);
    if (o.granted_cpu_hours == 0 && o.granted_gpu_hours == 0) continue;
    for (EfficiencyLine* line : {&r->cluster, &tenants[a.tenant]}) {
      ++line->attempts;
      line->granted_cpu_hours += o.granted_cpu_hours;
      line->granted_gpu_hours += o.granted_gpu_hours;
      line->used_cpu_hours += o.used_cpu_hours;
    }
    tenants[a.tenant].cpu_energy_kwh += o.cpu_energy_kwh;
    tenants[a.tenant].gpu_energy_kwh += o.gpu_energy_kwh;
  }
  return tenants;
}

// Facility energy: the meter when two readings bracket the period, else the PUE.
void AddFacilityEnergy(const EfficiencyInputs& in, EfficiencyReport* r) {
  std::optional<double> meter_from = MeterAt(in.facility_readings, in.from);
  std::optional<double> meter_to = MeterAt(in.facility_readings, in.to);
  if (meter_from && meter_to && r->cluster.it_energy_kwh > 0) {
    r->facility_method = "meter";
    r->cluster.facility_energy_kwh = (*meter_to - *meter_from) / 1000.0;
    r->pue = *r->cluster.facility_energy_kwh / r->cluster.it_energy_kwh;
  } else if (in.settings.pue > 0) {
    r->facility_method = "pue";
    r->pue = in.settings.pue;
    r->cluster.facility_energy_kwh = r->cluster.it_energy_kwh * r->pue;
    if (!in.facility_readings.empty()) {
      r->notes.push_back(
          "the facility meter's readings do not bracket the period; the "
          "configured PUE is used");
    }
  } else {
    r->facility_method = "none";
    r->notes.push_back(
        "no PUE configured and no facility meter readings: facility energy "
        "and carbon are not computed");
  }
}

}  // namespace

EfficiencyReport ComputeEfficiencyReport(const EfficiencyInputs& in) {
  EfficiencyReport r;
  r.from = in.from;
  r.to = in.to;
  r.grid_carbon_g_per_kwh = in.settings.grid_carbon_g_per_kwh;
  const double idle_kwh = AddNodeEnergy(in, &r);
  std::map<std::string, EfficiencyLine> tenants = AddAttempts(in, &r);
  Finish(r.cluster, r.cluster.capacity_cpu_hours, r.cluster.capacity_gpu_hours);
  r.cluster.idle_energy_share = Ratio(idle_kwh, r.cluster.it_energy_kwh);
  AddFacilityEnergy(in, &r);

  for (auto& [name, line] : tenants) {
    line.tenant = name;
    Finish(line, r.cluster.capacity_cpu_hours, r.cluster.capacity_gpu_hours);
    if (r.facility_method != "none") line.facility_energy_kwh = line.it_energy_kwh * r.pue;
    r.tenants.push_back(line);
  }
  if (r.cluster.facility_energy_kwh && r.grid_carbon_g_per_kwh > 0) {
    r.cluster.carbon_kg = *r.cluster.facility_energy_kwh * r.grid_carbon_g_per_kwh / 1000.0;
    for (EfficiencyLine& line : r.tenants) {
      line.carbon_kg = *line.facility_energy_kwh * r.grid_carbon_g_per_kwh / 1000.0;
    }
  } else if (r.grid_carbon_g_per_kwh <= 0) {
    r.notes.push_back("no grid carbon intensity configured: carbon is not computed");
  }
  if (r.measured_node_hours == 0) {
    r.notes.push_back(
        "no node measured its energy in this period: capacity and IT energy "
        "are 0");
  }
  r.notes.push_back(
      "used CPU time and tenant energy are known when an attempt ends: running "
      "attempts count as granted only");
  return r;
}

protocol::Json EncodeEfficiencyReport(const EfficiencyReport& r) {
  protocol::Json tenants = protocol::Json::array();
  for (const EfficiencyLine& line : r.tenants) tenants.push_back(EncodeLine(line));
  return {{"from", FormatRfc3339(r.from)},
          {"to", FormatRfc3339(r.to)},
          {"cluster", EncodeLine(r.cluster)},
          {"tenants", tenants},
          {"method",
           {{"cpu_energy_sources", r.cpu_energy_sources},
            {"gpu_energy_sources", r.gpu_energy_sources},
            {"measured_node_hours", r.measured_node_hours},
            {"facility", r.facility_method},
            {"pue", r.pue},
            {"grid_carbon_g_per_kwh", r.grid_carbon_g_per_kwh},
            {"notes", r.notes}}}};
}

}  // namespace sharc::scheduler
