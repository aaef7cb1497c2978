// The records efficiency reports are computed from, kept by the scheduler:
//
//   AttemptRecord      one per job attempt that ran, written when it ends: who held what,
//                      where, for how long, what it used and the energy attributed to it.
//   NodeEnergyBucket   per node and minute: how long the node was heard from, its capacity,
//                      and the energy it measured (by domain), with the idle part apart.
//   FacilityReading    a reading of the facility's own energy meter (cumulative), entered by
//                      an administrator, for facility energy measured instead of modelled.
#ifndef SHARC_CORE_ACCOUNTING_H_
#define SHARC_CORE_ACCOUNTING_H_

#include <cstdint>
#include <string>

#include "core/clock.h"
#include "core/ids.h"

namespace sharc {

struct AttemptRecord {
  AttemptId attempt;
  std::string tenant;
  std::string node;  // its allocation's nodes, comma-separated ("" if it held none)
  UnixMillis start_time = 0;
  UnixMillis end_time = 0;  // >= start_time
  int64_t millicpus = 0;    // granted
  int32_t gpus = 0;         // granted
  int64_t memory_bytes = 0;
  int64_t cpu_time_ms = 0;  // measured in its cgroup (0 when not measured)
  int64_t cpu_energy_uj = 0;
  int64_t gpu_energy_uj = 0;
  std::string state;  // how it ended: "COMPLETED", "FAILED", ..., or "REQUEUED"
  friend bool operator==(const AttemptRecord&, const AttemptRecord&) = default;
};

// What a tenant's ended attempts add up to (the scheduler adds running ones at scrape time).
// Floating point: over years the sums outgrow 64-bit integers (2^63 µJ is only 2.5 GWh), and
// they only feed metrics, where 53 bits of precision are plenty.
struct AccountingTotals {
  int64_t attempts = 0;
  double granted_millicpu_ms = 0;  // millicpus x wall time
  double granted_gpu_ms = 0;
  double used_cpu_ms = 0;
  double cpu_energy_uj = 0;
  double gpu_energy_uj = 0;
  friend bool operator==(const AccountingTotals&, const AccountingTotals&) = default;

  void Add(const AttemptRecord& record) {
    double wall = static_cast<double>(record.end_time - record.start_time);
    ++attempts;
    granted_millicpu_ms += static_cast<double>(record.millicpus) * wall;
    granted_gpu_ms += static_cast<double>(record.gpus) * wall;
    used_cpu_ms += static_cast<double>(record.cpu_time_ms);
    cpu_energy_uj += static_cast<double>(record.cpu_energy_uj);
    gpu_energy_uj += static_cast<double>(record.gpu_energy_uj);
  }
};

inline constexpr int64_t kEnergyBucketMillis = 60'000;

struct NodeEnergyBucket {
  std::string node;
  UnixMillis start = 0;    // a multiple of kEnergyBucketMillis
  int64_t covered_ms = 0;  // time inside the bucket the node's measurements cover
  int64_t millicpus = 0;   // capacity while covered
  int32_t gpus = 0;
  int64_t cpu_energy_uj = 0;  // package + DRAM domains
  int64_t gpu_energy_uj = 0;
  int64_t idle_energy_uj = 0;  // the part of both no job was charged for
  std::string cpu_source;      // "rapl", "model"
  std::string gpu_source;      // "nvml", "model", "" without GPUs
  friend bool operator==(const NodeEnergyBucket&, const NodeEnergyBucket&) = default;
};

struct FacilityReading {
  UnixMillis time = 0;
  int64_t energy_wh = 0;  // the meter's cumulative reading, in watt-hours
  std::string note;       // who or what took it, e.g. "main meter, monthly reading"
  friend bool operator==(const FacilityReading&, const FacilityReading&) = default;
};

}  // namespace sharc

#endif  // SHARC_CORE_ACCOUNTING_H_
