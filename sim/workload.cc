#include "sim/workload.h"

#include <algorithm>
#include <cctype>
#include <istream>
#include <ostream>
#include <set>
#include <utility>

#include "core/job.h"
#include "protocol/json_fields.h"

namespace sharc::sim {
namespace {

using protocol::FieldReader;
using protocol::Json;

constexpr size_t kMaxLineBytes = 1 << 20;
constexpr int64_t kMaxInt64 = INT64_MAX;

// One segment of a tenant or priority name: 1..63 of [a-z0-9_-], starting with [a-z0-9].
bool IsNameSegment(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!std::islower(static_cast<unsigned char>(s[0])) &&
      !std::isdigit(static_cast<unsigned char>(s[0]))) {
    return false;
  }
  return std::all_of(s.begin(), s.end(), [](unsigned char c) {
    return std::islower(c) || std::isdigit(c) || c == '-' || c == '_';
  });
}

StatusOr<WorkloadJob> ParseJobLine(const std::string& line) {
  StatusOr<Json> parsed = protocol::ParseJson(line, kMaxLineBytes);
  if (!parsed.ok()) {
    // Each line is parsed alone, so "line 1" in the parser's position would mislead.
    std::string message = parsed.status().message();
    if (message.starts_with("not valid JSON at line 1, ")) message.erase(18, 8);
    return InvalidArgumentError(message);
  }
  const Json& json = *parsed;
  if (!json.is_object()) return InvalidArgumentError("must be a JSON object (one job per line)");
  WorkloadJob job;
  FieldReader reader(json, "");
  reader.RequiredInt("arrival_ms", &job.arrival_ms, 0, kMaxInt64);
  reader.RequiredString("tenant", &job.tenant);
  int64_t cpus = 0;
  reader.RequiredInt("cpus", &cpus, 1, kMaxCpusPerJob);
  job.cpus = static_cast<int32_t>(cpus);
  reader.RequiredInt("memory_bytes", &job.memory_bytes, 1, kMaxInt64);
  reader.OptionalInt32("gpus", &job.gpus, 0, kMaxGpusPerJob);
  reader.OptionalString("gpu_model", &job.gpu_model);
  reader.RequiredInt("runtime_ms", &job.runtime_ms, 0, kMaxInt64);
  reader.RequiredInt("time_limit_s", &job.time_limit_s, 1, kMaxTimeLimitSeconds);
  reader.OptionalString("priority", &job.priority);
  reader.OptionalStringMap("labels", &job.labels);
  SHARC_RETURN_IF_ERROR(reader.Finish());
  SHARC_RETURN_IF_ERROR(ValidateWorkloadJob(job));
  return job;
}

bool IsSkipped(std::string_view line) {
  size_t first = line.find_first_not_of(" \t\r");
  return first == std::string_view::npos || line[first] == '#';
}

}  // namespace

bool IsValidTenantName(std::string_view name) {
  size_t slash = name.find('/');
  if (slash == std::string_view::npos) return IsNameSegment(name);
  return IsNameSegment(name.substr(0, slash)) && IsNameSegment(name.substr(slash + 1));
}

bool IsValidPriorityName(std::string_view name) { return IsNameSegment(name); }

Status ValidateWorkloadJob(const WorkloadJob& job) {
  if (job.arrival_ms < 0) return InvalidArgumentError("arrival_ms: must not be negative");
  if (!IsValidTenantName(job.tenant)) {
    return InvalidArgumentError("tenant: '" + job.tenant +
                                "' is not a tenant name: use 1 to 63 lower-case letters, digits, "
                                "'-' or '_' (starting with a letter or digit), optionally "
                                "followed by '/' and a project name of the same form");
  }
  if (job.cpus < 1 || job.cpus > kMaxCpusPerJob) {
    return InvalidArgumentError("cpus: must be between 1 and " + std::to_string(kMaxCpusPerJob));
  }
  if (job.memory_bytes < 1) return InvalidArgumentError("memory_bytes: must be at least 1");
  if (job.gpus < 0 || job.gpus > kMaxGpusPerJob) {
    return InvalidArgumentError("gpus: must be between 0 and " + std::to_string(kMaxGpusPerJob));
  }
  if (!job.gpu_model.empty() && job.gpus == 0) {
    return InvalidArgumentError("gpu_model: set to '" + job.gpu_model + "' but gpus is 0");
  }
  if (job.runtime_ms < 0) return InvalidArgumentError("runtime_ms: must not be negative");
  if (job.time_limit_s < 1 || job.time_limit_s > kMaxTimeLimitSeconds) {
    return InvalidArgumentError("time_limit_s: must be between 1 and " +
                                std::to_string(kMaxTimeLimitSeconds));
  }
  if (!job.priority.empty() && !IsNameSegment(job.priority)) {
    return InvalidArgumentError("priority: '" + job.priority +
                                "' is not a priority class name: use 1 to 63 lower-case "
                                "letters, digits, '-' or '_' (starting with a letter or digit), "
                                "or \"\" for the tenant's default");
  }
  for (const auto& [key, value] : job.labels) {
    if (key.empty()) return InvalidArgumentError("labels: a label key must not be empty");
  }
  return Status::Ok();
}

StatusOr<std::vector<WorkloadJob>> ReadWorkload(std::istream& in, const std::string& source_name) {
  std::vector<WorkloadJob> jobs;
  std::string line;
  for (int64_t number = 1; std::getline(in, line); ++number) {
    if (IsSkipped(line)) continue;
    StatusOr<WorkloadJob> job = ParseJobLine(line);
    if (!job.ok()) return job.status().WithPrefix(source_name + ":" + std::to_string(number));
    jobs.push_back(std::move(job).value());
  }
  if (in.bad()) return InternalError(source_name + ": read error");
  std::stable_sort(jobs.begin(), jobs.end(), [](const WorkloadJob& a, const WorkloadJob& b) {
    return a.arrival_ms < b.arrival_ms;
  });
  return jobs;
}

std::string WorkloadJobLine(const WorkloadJob& job) {
  Json labels = Json::object();
  for (const auto& [key, value] : job.labels) labels[key] = value;
  std::string line;
  line += "{\"arrival_ms\":" + std::to_string(job.arrival_ms);
  line += ",\"tenant\":" + protocol::DumpJson(job.tenant);
  line += ",\"cpus\":" + std::to_string(job.cpus);
  line += ",\"memory_bytes\":" + std::to_string(job.memory_bytes);
  line += ",\"gpus\":" + std::to_string(job.gpus);
  line += ",\"gpu_model\":" + protocol::DumpJson(job.gpu_model);
  line += ",\"runtime_ms\":" + std::to_string(job.runtime_ms);
  line += ",\"time_limit_s\":" + std::to_string(job.time_limit_s);
  line += ",\"priority\":" + protocol::DumpJson(job.priority);
  line += ",\"labels\":" + protocol::DumpJson(labels) + "}";
  return line;
}

void WriteWorkload(const std::vector<WorkloadJob>& jobs, std::ostream& out) {
  for (const WorkloadJob& job : jobs) out << WorkloadJobLine(job) << '\n';
}

}  // namespace sharc::sim
