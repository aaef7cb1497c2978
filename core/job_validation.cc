// The rules of a valid job (core/job.h): the one place their limits are applied.
#include <algorithm>
#include <cctype>
#include <set>

#include "core/job.h"
#include "core/units.h"

namespace sharc {
namespace {

// A submitted spec may leave fields for the scheduler to fill in; a complete one may not.
enum class Stage { kSubmitted, kComplete };

Status FieldError(std::string_view field, const std::string& message) {
  return InvalidArgumentError(std::string(field) + ": " + message);
}

bool IsPrintable(std::string_view s) {
  for (unsigned char c : s) {
    if (c < 0x20 || c == 0x7f) return false;
  }
  return true;
}

bool IsEnvName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s[0]))) return false;
  for (unsigned char c : s) {
    if (!(std::isalnum(c) || c == '_')) return false;
  }
  return true;
}

Status CheckCommandAndEnv(const JobSpec& spec) {
  using namespace spec_field;
  if (spec.command.size() > kMaxCommandArgs) {
    return FieldError(kCommand, "at most " + std::to_string(kMaxCommandArgs) + " arguments");
  }
  size_t total = 0;
  for (const std::string& arg : spec.command) {
    if (arg.find('\0') != std::string::npos) {
      return FieldError(kCommand, "arguments cannot contain NUL bytes");
    }
    total += arg.size();
  }
  for (const auto& [key, value] : spec.env) {
    if (!IsEnvName(key)) {
      return FieldError(kEnv, "'" + key + "' is not a variable name (letters, digits and _)");
    }
    if (key.rfind("SHARC_", 0) == 0) {
      return FieldError(kEnv, key + ": SHARC_* variables are set by sharc");
    }
    if (value.find('\0') != std::string::npos) {
      return FieldError(kEnv, key + ": values cannot contain NUL bytes");
    }
    total += key.size() + value.size();
  }
  if (total > kMaxCommandAndEnvBytes) {
    return InvalidArgumentError(std::string(kCommand) + " and " + std::string(kEnv) +
                                ": at most 1 MiB together");
  }
  return Status::Ok();
}

// Each argument and each NAME=value within what execve takes (kMaxExecStringBytes): a longer
// one is accepted by nothing on the node, and the job could only fail to start.
Status CheckExecStrings(const JobSpec& spec) {
  using namespace spec_field;
  const std::string limit = "at most " + std::to_string(kMaxExecStringBytes) +
                            " bytes each (the kernel's limit for one string passed to a program)";
  for (size_t i = 0; i < spec.command.size(); ++i) {
    if (spec.command[i].size() > kMaxExecStringBytes) {
      return FieldError(kCommand, "argument " + std::to_string(i) + " is " +
                                      std::to_string(spec.command[i].size()) + " bytes; " + limit);
    }
  }
  for (const auto& [key, value] : spec.env) {
    if (key.size() + 1 + value.size() > kMaxExecStringBytes) {
      return FieldError(kEnv, key + "=... is " + std::to_string(key.size() + 1 + value.size()) +
                                  " bytes; " + limit);
    }
  }
  return Status::Ok();
}

bool IsClassName(std::string_view name) {
  return !name.empty() && name.size() <= 63 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

Status CheckResources(const JobSpec& spec, Stage stage) {
  using namespace spec_field;
  const bool defaults_allowed = stage == Stage::kSubmitted;
  if (spec.cpus < 1 || spec.cpus > kMaxCpusPerJob) {
    return FieldError(kCpus, "must be between 1 and " + std::to_string(kMaxCpusPerJob));
  }
  if (spec.memory_bytes < 0 || (spec.memory_bytes == 0 && !defaults_allowed)) {
    return FieldError(kMemoryBytes, defaults_allowed
                                        ? "must be positive, or 0 for the scheduler's default"
                                        : "must be positive");
  }
  if (defaults_allowed && spec.memory_bytes > 0 && spec.memory_bytes < kMinJobMemoryBytes) {
    return FieldError(kMemoryBytes, "at least " + std::to_string(kMinJobMemoryBytes) +
                                        " (1 MiB): hardly a program starts in less");
  }
  if (spec.gpus < 0 || spec.gpus > kMaxGpusPerJob) {
    return FieldError(kGpus, "must be between 0 and " + std::to_string(kMaxGpusPerJob));
  }
  if (!spec.gpu_model.empty() && spec.gpus == 0) {
    return FieldError(kGpuModel, "given without " + std::string(kGpus));
  }
  if (!spec.gpu_model.empty()) {
    Status model = CheckGpuModelName(spec.gpu_model);
    if (!model.ok()) return FieldError(kGpuModel, model.message());
  }
  if (!spec.priority_class.empty() && !IsClassName(spec.priority_class)) {
    return FieldError(kPriorityClass, "1 to 63 of a-z, 0-9, '-' and '_'");
  }
  bool time_default = spec.time_limit_seconds == 0 && defaults_allowed;
  if (!time_default &&
      (spec.time_limit_seconds < 1 || spec.time_limit_seconds > kMaxTimeLimitSeconds)) {
    return FieldError(kTimeLimitSeconds,
                      "must be between 1 and " + std::to_string(kMaxTimeLimitSeconds) +
                          " (366 days)" +
                          (defaults_allowed ? ", or 0 for the scheduler's default" : ""));
  }
  return Status::Ok();
}

Status CheckLabels(const JobSpec& spec) {
  for (const auto& [key, value] : spec.labels) {
    if (key.empty() || key.size() > kMaxLabelBytes || !IsPrintable(key) ||
        value.size() > kMaxLabelBytes || !IsPrintable(value) ||
        key.find('=') != std::string::npos) {
      return FieldError(spec_field::kLabels, "'" + key + "': keys and values are at most " +
                                                 std::to_string(kMaxLabelBytes) +
                                                 " printable characters");
    }
  }
  return Status::Ok();
}

Status CheckDependencies(const JobSpec& spec) {
  using namespace spec_field;
  const std::pair<std::string_view, const std::vector<JobId>*> lists[] = {
      {kAfterOk, &spec.after_ok}, {kAfterAny, &spec.after_any}, {kAfterNotOk, &spec.after_not_ok}};
  std::set<JobId> seen;
  for (const auto& [field, ids] : lists) {
    for (JobId id : *ids) {
      if (id.value < 1) return FieldError(field, "job ids are positive");
      if (!seen.insert(id).second) {
        return FieldError(field, "job " + std::to_string(id.value) + " is listed twice");
      }
    }
  }
  if (seen.size() > kMaxDependencies) {
    return FieldError(kAfterOk,
                      "at most " + std::to_string(kMaxDependencies) +
                          " dependencies (after_ok, after_any and after_not_ok together)");
  }
  if (spec.keep_on_unsatisfied && seen.empty()) {
    return FieldError(kKeepOnUnsatisfied, "given without a dependency");
  }
  return Status::Ok();
}

Status CheckGang(const JobSpec& spec) {
  using namespace spec_field;
  if (spec.num_nodes < 1 || spec.num_nodes > kMaxNodesPerJob) {
    return FieldError(kNumNodes, "must be between 1 and " + std::to_string(kMaxNodesPerJob));
  }
  if (spec.memory_bytes > INT64_MAX / spec.num_nodes) {
    return FieldError(kMemoryBytes,
                      "times " + std::to_string(spec.num_nodes) + " nodes is too large");
  }
  if (!spec.topology_group.empty()) {
    if (spec.topology_group.size() > kMaxLabelBytes || !IsPrintable(spec.topology_group) ||
        spec.topology_group.find('=') != std::string::npos) {
      return FieldError(kTopologyGroup, "a node label key: at most " +
                                            std::to_string(kMaxLabelBytes) +
                                            " printable characters, no '='");
    }
    if (spec.num_nodes == 1) return FieldError(kTopologyGroup, "given without num_nodes > 1");
  }
  if (spec.wait_all_ranks && spec.num_nodes == 1) {
    return FieldError(kWaitAllRanks, "given without num_nodes > 1");
  }
  return Status::Ok();
}

Status CheckArray(const JobSpec& spec) {
  if (spec.array.empty()) return Status::Ok();
  SHARC_RETURN_IF_ERROR(ParseArraySpec(spec.array, spec_field::kArray).status());
  if (spec.num_nodes > 1) {
    return FieldError(spec_field::kArray,
                      "arrays of multi-node (gang) jobs are not supported: use num_nodes 1");
  }
  return Status::Ok();
}

Status CheckArrayFields(const Job& job) {
  if (!job.array_unstarted.empty() && !job.is_array()) {
    return FieldError("array_unstarted", "only an array job has unstarted tasks");
  }
  if (CountTasks(job.array_unstarted) > kMaxArrayTasks) {
    return FieldError("array_unstarted", "more than " + std::to_string(kMaxArrayTasks) + " tasks");
  }
  if (job.array_job.value < 0) return FieldError("array_job", "must be at least 0");
  if (job.array_task < 0 || job.array_task > kMaxArrayIndex) {
    return FieldError("array_task", "must be between 0 and " + std::to_string(kMaxArrayIndex));
  }
  if (job.is_array_task() && job.is_array()) {
    return FieldError("array_job", "a task of an array cannot be an array itself");
  }
  return Status::Ok();
}

Status CheckSpec(const JobSpec& spec, Stage stage) {
  using namespace spec_field;
  if (spec.command.empty() || spec.command[0].empty()) {
    return FieldError(kCommand, "must name a program to run");
  }
  // The command first: a name left out is made from it, so its errors are the command's.
  SHARC_RETURN_IF_ERROR(CheckCommandAndEnv(spec));
  if (stage == Stage::kSubmitted) SHARC_RETURN_IF_ERROR(CheckExecStrings(spec));
  bool name_default = spec.name.empty() && stage == Stage::kSubmitted;
  if (!name_default &&
      (spec.name.empty() || spec.name.size() > kMaxJobNameBytes || !IsPrintable(spec.name))) {
    return FieldError(kName,
                      "must be 1 to " + std::to_string(kMaxJobNameBytes) + " printable characters");
  }
  SHARC_RETURN_IF_ERROR(CheckResources(spec, stage));
  SHARC_RETURN_IF_ERROR(CheckGang(spec));
  SHARC_RETURN_IF_ERROR(CheckDependencies(spec));
  SHARC_RETURN_IF_ERROR(CheckArray(spec));
  return CheckLabels(spec);
}

Status CheckRange(std::string_view field, int64_t value, int64_t min, int64_t max) {
  if (value >= min && value <= max) return Status::Ok();
  if (max == INT64_MAX) return FieldError(field, "must be at least " + std::to_string(min));
  return FieldError(field,
                    "must be between " + std::to_string(min) + " and " + std::to_string(max));
}

}  // namespace

Status ValidateJobSpec(const JobSpec& spec) { return CheckSpec(spec, Stage::kComplete); }

Status ValidateSubmittedJobSpec(const JobSpec& spec) { return CheckSpec(spec, Stage::kSubmitted); }

Status ValidateIdempotencyKey(std::string_view key) {
  if (key.size() <= kMaxIdempotencyKeyBytes) return Status::Ok();
  return FieldError(kIdempotencyKeyField,
                    "at most " + std::to_string(kMaxIdempotencyKeyBytes) + " characters");
}

Status ValidateNodeAllocation(const NodeAllocation& part) {
  using namespace allocation_field;
  if (part.node.empty()) return FieldError(kNode, "must name the node");
  for (int cpu : part.cpus) {
    SHARC_RETURN_IF_ERROR(CheckRange(kCpus, cpu, 0, kMaxCpuListIndex));
  }
  for (int gpu : part.gpus) {
    SHARC_RETURN_IF_ERROR(CheckRange(kGpus, gpu, 0, kMaxGpusPerJob));
  }
  if (part.address.size() > kMaxAddressBytes || !IsPrintable(part.address)) {
    return FieldError(kAddress,
                      "at most " + std::to_string(kMaxAddressBytes) + " printable characters");
  }
  SHARC_RETURN_IF_ERROR(CheckRange(kPort, part.port, 0, 65535));
  return CheckRange(kMemoryBytes, part.memory_bytes, 0, INT64_MAX);
}

Status ValidateAllocation(const Allocation& allocation, std::string_view name) {
  if (allocation.nodes.empty()) return FieldError(name, "must have a part on at least one node");
  std::set<std::string_view> nodes;
  for (size_t i = 0; i < allocation.nodes.size(); ++i) {
    const NodeAllocation& part = allocation.nodes[i];
    const std::string at = std::string(name) + "[" + std::to_string(i) + "]";
    Status valid = ValidateNodeAllocation(part);
    if (!valid.ok()) return InvalidArgumentError(at + "." + valid.message());
    if (!nodes.insert(part.node).second) {
      return FieldError(at + "." + std::string(allocation_field::kNode),
                        "'" + part.node + "' has an earlier part: one part per node");
    }
  }
  return Status::Ok();
}

Status ValidateJob(const Job& job) {
  SHARC_RETURN_IF_ERROR(CheckRange("id", job.id.value, 1, INT64_MAX));
  SHARC_RETURN_IF_ERROR(ValidateJobSpec(job.spec));
  SHARC_RETURN_IF_ERROR(CheckRange("attempt", job.attempt, 0, INT32_MAX));
  if (job.allocation) SHARC_RETURN_IF_ERROR(ValidateAllocation(*job.allocation, "allocation"));
  if (job.exit_code) SHARC_RETURN_IF_ERROR(CheckRange("exit_code", *job.exit_code, 0, 255));
  if (job.exit_signal) SHARC_RETURN_IF_ERROR(CheckRange("signal", *job.exit_signal, 1, 128));
  for (const RankExit& rank : job.rank_exits) {
    SHARC_RETURN_IF_ERROR(CheckRange("rank_exits.rank", rank.rank, 0, kMaxNodesPerJob - 1));
    if (rank.exit_code) {
      SHARC_RETURN_IF_ERROR(CheckRange("rank_exits.exit_code", *rank.exit_code, 0, 255));
    }
    if (rank.exit_signal) {
      SHARC_RETURN_IF_ERROR(CheckRange("rank_exits.signal", *rank.exit_signal, 1, 128));
    }
  }
  SHARC_RETURN_IF_ERROR(CheckRange("submit_time", job.submit_time, 0, kMaxRfc3339Millis));
  SHARC_RETURN_IF_ERROR(CheckRange("start_time", job.start_time, 0, kMaxRfc3339Millis));
  SHARC_RETURN_IF_ERROR(CheckRange("end_time", job.end_time, 0, kMaxRfc3339Millis));
  SHARC_RETURN_IF_ERROR(CheckRange("requeue_time", job.requeue_time, 0, kMaxRfc3339Millis));
  SHARC_RETURN_IF_ERROR(CheckRange("cpu_time_ms", job.cpu_time_ms, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(CheckRange("peak_memory_bytes", job.peak_memory_bytes, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(CheckRange("cpu_energy_uj", job.cpu_energy_uj, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(CheckRange("gpu_energy_uj", job.gpu_energy_uj, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(CheckRange("preempted_by", job.preempted_by.value, 0, INT64_MAX));
  SHARC_RETURN_IF_ERROR(CheckRange("node_failures", job.node_failures, 0, job.attempt));
  SHARC_RETURN_IF_ERROR(CheckArrayFields(job));
  return ValidateIdempotencyKey(job.idempotency_key);
}

}  // namespace sharc
