// The workload a simulation replays: one job per line of JSON ("JSON lines").
//
// Format (canonical form, as WriteWorkload writes it; keys in this order, no spaces):
//   {"arrival_ms":0,"tenant":"t03","cpus":4,"memory_bytes":17179869184,"gpus":0,
//    "gpu_model":"","runtime_ms":93000,"time_limit_s":600,"priority":"normal","labels":{}}
// Required: arrival_ms, tenant, cpus, memory_bytes, runtime_ms, time_limit_s.
// Optional: gpus (0), gpu_model (""), priority (""), labels ({}).
// Blank lines and lines whose first non-blank character is '#' are skipped. Lines need not be
// sorted by arrival.
#ifndef SHARC_SIM_WORKLOAD_H_
#define SHARC_SIM_WORKLOAD_H_

#include <cstdint>
#include <iosfwd>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"

namespace sharc::sim {

// One job of a workload. Times are virtual: milliseconds since the workload's start.
struct WorkloadJob {
  int64_t arrival_ms = 0;  // when it is submitted; >= 0
  // "t03", or a tenant's project "acme/vision": one or two '/'-separated segments of 1 to 63
  // lower-case letters, digits, '-' or '_', each starting with a letter or digit (the rule
  // core/tenant.h's ValidateTenantName applies to tenant names).
  std::string tenant;
  int32_t cpus = 1;          // whole CPUs, >= 1
  int64_t memory_bytes = 0;  // >= 1
  int32_t gpus = 0;          // >= 0
  std::string gpu_model;     // "" = any model; only with gpus > 0
  // How long the job really runs once started (>= 0). It may exceed time_limit_s: the job is
  // then killed at its limit (TIMEOUT).
  int64_t runtime_ms = 0;
  int64_t time_limit_s = 1;  // what the user asked for, >= 1
  std::string priority;      // a priority class name (same rule as a tenant segment); "" =
                             // the tenant's default
  std::map<std::string, std::string> labels;  // node labels the job needs
  friend bool operator==(const WorkloadJob&, const WorkloadJob&) = default;
};

// The name rules above: a tenant (optionally "tenant/project") and a priority class.
bool IsValidTenantName(std::string_view name);
bool IsValidPriorityName(std::string_view name);

// Reads a whole workload. Strict: an unknown field, a duplicate key, a value of the wrong type
// or out of range, a bad tenant or priority name, or gpu_model without gpus is refused with
// InvalidArgument "<source_name>:<line>: <field>: <what is wrong>" (line numbers from 1).
// The result is sorted stably by arrival_ms (jobs arriving together keep their file order).
StatusOr<std::vector<WorkloadJob>> ReadWorkload(std::istream& in, const std::string& source_name);

// Checks one job as ReadWorkload does; the message names the field ("cpus: must be ...").
Status ValidateWorkloadJob(const WorkloadJob& job);

// Writes `jobs` in the canonical form above, one line per job, in the given order. The exact
// inverse of ReadWorkload: writing what was read from canonical input gives the same bytes.
void WriteWorkload(const std::vector<WorkloadJob>& jobs, std::ostream& out);

// One job as one canonical line, without the newline.
std::string WorkloadJobLine(const WorkloadJob& job);

}  // namespace sharc::sim

#endif  // SHARC_SIM_WORKLOAD_H_
