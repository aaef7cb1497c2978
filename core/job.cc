#include "core/job.h"

#include <cctype>

namespace sharc {
namespace {

constexpr JobState kAllStates[] = {
    JobState::kPending,   JobState::kRunning, JobState::kCompleted, JobState::kFailed,
    JobState::kCancelled, JobState::kTimeout, JobState::kNodeFail,  JobState::kPreempted,
};

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

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kPending: return "PENDING";
    case JobState::kRunning: return "RUNNING";
    case JobState::kCompleted: return "COMPLETED";
    case JobState::kFailed: return "FAILED";
    case JobState::kCancelled: return "CANCELLED";
    case JobState::kTimeout: return "TIMEOUT";
    case JobState::kNodeFail: return "NODE_FAIL";
    case JobState::kPreempted: return "PREEMPTED";
  }
  return "UNKNOWN";
}

std::optional<JobState> ParseJobState(std::string_view name) {
  std::string upper(name);
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  for (JobState s : kAllStates) {
    if (JobStateName(s) == upper) return s;
  }
  return std::nullopt;
}

bool IsTerminal(JobState state) {
  return state != JobState::kPending && state != JobState::kRunning;
}

Status CheckTransition(JobState from, JobState to) {
  bool legal = false;
  if (from == JobState::kPending) {
    legal = to == JobState::kRunning || to == JobState::kCancelled;
  } else if (from == JobState::kRunning) {
    legal = to != JobState::kRunning;
  }
  if (legal) return Status::Ok();
  return FailedPreconditionError("a " + std::string(JobStateName(from)) + " job cannot become " +
                                 std::string(JobStateName(to)));
}

Resources JobSpec::Request() const {
  Resources r;
  r.Set(kCpuResource, static_cast<int64_t>(cpus) * kMilliCpusPerCpu);
  r.Set(kMemoryResource, memory_bytes);
  r.Set(kGpuResource, gpus);
  if (!gpu_model.empty() && gpus > 0) r.Set(GpuModelResource(gpu_model), gpus);
  return r;
}

Status ValidateJobSpec(const JobSpec& spec) {
  if (spec.command.empty() || spec.command[0].empty()) {
    return InvalidArgumentError("command: must name a program to run");
  }
  if (spec.name.empty() || spec.name.size() > 128 || !IsPrintable(spec.name)) {
    return InvalidArgumentError("name: must be 1 to 128 printable characters");
  }
  if (spec.command.size() > 4096) {
    return InvalidArgumentError("command: at most 4096 arguments");
  }
  size_t total = 0;
  for (const std::string& arg : spec.command) {
    if (arg.find('\0') != std::string::npos) {
      return InvalidArgumentError("command: arguments cannot contain NUL bytes");
    }
    total += arg.size();
  }
  for (const auto& [key, value] : spec.env) {
    if (!IsEnvName(key)) {
      return InvalidArgumentError("env: '" + key +
                                  "' is not a variable name (letters, digits and _)");
    }
    if (key.rfind("SHARC_", 0) == 0) {
      return InvalidArgumentError("env: " + key + ": SHARC_* variables are set by sharc");
    }
    if (value.find('\0') != std::string::npos) {
      return InvalidArgumentError("env: " + key + ": values cannot contain NUL bytes");
    }
    total += key.size() + value.size();
  }
  if (total > 1 << 20) {
    return InvalidArgumentError("command and env: at most 1 MiB together");
  }
  if (spec.cpus < 1 || spec.cpus > kMaxCpusPerJob) {
    return InvalidArgumentError("cpus: must be between 1 and " + std::to_string(kMaxCpusPerJob));
  }
  if (spec.memory_bytes <= 0) {
    return InvalidArgumentError("mem_bytes: must be positive");
  }
  if (spec.gpus < 0 || spec.gpus > kMaxGpusPerJob) {
    return InvalidArgumentError("gpus: must be between 0 and " + std::to_string(kMaxGpusPerJob));
  }
  if (!spec.gpu_model.empty() && spec.gpus == 0) {
    return InvalidArgumentError("gpu_model: given without gpus");
  }
  if (spec.gpu_model.size() > 64 || !IsPrintable(spec.gpu_model)) {
    return InvalidArgumentError("gpu_model: at most 64 printable characters");
  }
  if (spec.time_limit_seconds <= 0 || spec.time_limit_seconds > kMaxTimeLimitSeconds) {
    return InvalidArgumentError("time_limit_seconds: must be between 1 and " +
                                std::to_string(kMaxTimeLimitSeconds) + " (366 days)");
  }
  for (const auto& [key, value] : spec.labels) {
    if (key.empty() || key.size() > 63 || !IsPrintable(key) || value.size() > 63 ||
        !IsPrintable(value) || key.find('=') != std::string::npos) {
      return InvalidArgumentError("labels: '" + key +
                                  "': keys and values are at most 63 printable characters");
    }
  }
  return Status::Ok();
}

}  // namespace sharc
