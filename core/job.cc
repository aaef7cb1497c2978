#include "core/job.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace sharc {
namespace {

constexpr JobState kAllStates[] = {
    JobState::kPending,   JobState::kRunning, JobState::kCompleted, JobState::kFailed,
    JobState::kCancelled, JobState::kTimeout, JobState::kNodeFail,  JobState::kPreempted,
};

}  // namespace

std::string_view JobStateName(JobState state) {
  switch (state) {
    case JobState::kPending:
      return "PENDING";
    case JobState::kRunning:
      return "RUNNING";
    case JobState::kCompleted:
      return "COMPLETED";
    case JobState::kFailed:
      return "FAILED";
    case JobState::kCancelled:
      return "CANCELLED";
    case JobState::kTimeout:
      return "TIMEOUT";
    case JobState::kNodeFail:
      return "NODE_FAIL";
    case JobState::kPreempted:
      return "PREEMPTED";
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

const NodeAllocation* Allocation::Find(std::string_view node) const {
  for (const NodeAllocation& part : nodes) {
    if (part.node == node) return &part;
  }
  return nullptr;
}

std::vector<std::string> Allocation::NodeNames() const {
  std::vector<std::string> names;
  names.reserve(nodes.size());
  for (const NodeAllocation& part : nodes) names.push_back(part.node);
  return names;
}

Resources JobSpec::Request() const {
  // Bounded by the spec's limits (4096 nodes x 65536 CPUs x 1000 millicpus): no overflow.
  const int64_t n = std::max(num_nodes, 1);
  Resources r;
  r.Set(kCpuResource, n * cpus * kMilliCpusPerCpu);
  r.Set(kMemoryResource, n * memory_bytes);
  r.Set(kGpuResource, n * gpus);
  if (!gpu_model.empty() && gpus > 0) r.Set(GpuModelResource(gpu_model), n * gpus);
  return r;
}

std::vector<std::string_view> DifferingSpecFields(const JobSpec& a, const JobSpec& b) {
  namespace f = spec_field;
  const std::pair<std::string_view, bool> fields[] = {
      {f::kName, a.name != b.name},
      {f::kCommand, a.command != b.command},
      {f::kEnv, a.env != b.env},
      {f::kCpus, a.cpus != b.cpus},
      {f::kMemoryBytes, a.memory_bytes != b.memory_bytes},
      {f::kGpus, a.gpus != b.gpus},
      {f::kGpuModel, a.gpu_model != b.gpu_model},
      {f::kTimeLimitSeconds, a.time_limit_seconds != b.time_limit_seconds},
      {f::kLabels, a.labels != b.labels},
      {f::kRequeue, a.requeue != b.requeue},
      {f::kPriorityClass, a.priority_class != b.priority_class},
      {f::kAfterOk, a.after_ok != b.after_ok},
      {f::kAfterAny, a.after_any != b.after_any},
      {f::kAfterNotOk, a.after_not_ok != b.after_not_ok},
      {f::kKeepOnUnsatisfied, a.keep_on_unsatisfied != b.keep_on_unsatisfied},
      {f::kNumNodes, a.num_nodes != b.num_nodes},
      {f::kTopologyGroup, a.topology_group != b.topology_group},
      {f::kWaitAllRanks, a.wait_all_ranks != b.wait_all_ranks},
      {f::kArray, a.array != b.array},
  };
  std::vector<std::string_view> differing;
  for (const auto& [name, differs] : fields) {
    if (differs) differing.push_back(name);
  }
  return differing;
}

}  // namespace sharc
