// The data-centre efficiency report for a period: what the cluster offered, what tenants were
// granted and used, the energy it took, and what that means for the facility and the grid.
// Pure: computed from the accounting records (core/accounting.h) and the configuration.
//
// Method (stated in the report itself):
//   capacity     CPUs and GPUs of the nodes while their agents were measuring (energy
//                buckets' covered time), so a node that is off or silent offers nothing.
//   granted      CPUs/GPUs held by job attempts x the part of their wall time inside the
//                period; running attempts count up to `now`.
//   used         CPU time measured in the attempts' cgroups, prorated to the period by wall
//                time (an attempt's CPU time is known when it ends: running ones add none).
//   IT energy    the nodes' measured or modelled energy (package + DRAM, GPUs), from the
//                per-minute buckets whose minute starts in the period; per tenant, the energy
//                attributed to its attempts, prorated like used CPU time.
//   idle share   the part of IT energy no job was charged for.
//   facility     from the facility meter's readings when two of them bracket the period
//                (linear between readings), else IT energy x the configured PUE.
//   carbon       facility energy x the configured grid intensity.
#ifndef SHARC_SCHEDULER_EFFICIENCY_REPORT_H_
#define SHARC_SCHEDULER_EFFICIENCY_REPORT_H_

#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/accounting.h"
#include "protocol/json_fields.h"

namespace sharc::scheduler {

struct EfficiencySettings {
  double pue = 0;                    // 0 = not configured
  double grid_carbon_g_per_kwh = 0;  // 0 = not configured
};

struct EfficiencyInputs {
  UnixMillis from = 0;
  UnixMillis to = 0;                               // > from
  std::vector<AttemptRecord> attempts;             // overlapping the period (running: end = now)
  std::vector<NodeEnergyBucket> buckets;           // any; those starting in the period count
  std::vector<FacilityReading> facility_readings;  // any, sorted by time
  EfficiencySettings settings;
};

// One line: the cluster (tenant "") or one tenant. Ratios and per-hour figures are absent
// when their denominator is 0.
struct EfficiencyLine {
  std::string tenant;
  int64_t attempts = 0;
  double capacity_cpu_hours = 0;  // cluster line only
  double capacity_gpu_hours = 0;
  double granted_cpu_hours = 0;
  double granted_gpu_hours = 0;
  double used_cpu_hours = 0;
  std::optional<double> allocation_rate;  // granted CPU-h / capacity CPU-h (tenant: its share)
  std::optional<double> gpu_allocation_rate;
  std::optional<double> usage_efficiency;  // used CPU-h / granted CPU-h
  double cpu_energy_kwh = 0;               // package + DRAM
  double gpu_energy_kwh = 0;
  double it_energy_kwh = 0;
  std::optional<double> idle_energy_share;  // cluster line only
  std::optional<double> wh_per_cpu_hour;    // CPU energy / granted CPU-h
  std::optional<double> wh_per_gpu_hour;    // GPU energy / granted GPU-h
  std::optional<double> facility_energy_kwh;
  std::optional<double> carbon_kg;
};

struct EfficiencyReport {
  UnixMillis from = 0;
  UnixMillis to = 0;
  EfficiencyLine cluster;
  std::vector<EfficiencyLine> tenants;  // by name
  // Method.
  std::set<std::string> cpu_energy_sources;  // "rapl", "model"
  std::set<std::string> gpu_energy_sources;  // "nvml", "model"
  double measured_node_hours = 0;            // node time covered by energy buckets
  std::string facility_method;               // "meter" | "pue" | "none"
  double pue = 0;  // configured, or what the meter implies (facility / IT)
  double grid_carbon_g_per_kwh = 0;
  std::vector<std::string> notes;  // e.g. what is not counted
};

EfficiencyReport ComputeEfficiencyReport(const EfficiencyInputs& inputs);

protocol::Json EncodeEfficiencyReport(const EfficiencyReport& report);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_EFFICIENCY_REPORT_H_
