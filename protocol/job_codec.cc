#include "protocol/job_codec.h"

#include "protocol/allocation_codec.h"
#include "protocol/job_spec_codec.h"

namespace sharc::protocol {
namespace {

Json TimeOrNull(UnixMillis t) { return t == 0 ? Json(nullptr) : Json(FormatRfc3339(t)); }

Json IntOrNull(const std::optional<int32_t>& v) { return v ? Json(*v) : Json(nullptr); }

// A gang job's ranks: where each runs and how it ended ("RUNNING", "ENDED", or "STOPPED" for a
// rank still running when the attempt ended, which the agent then killed).
Json EncodeRanks(const Job& job) {
  Json ranks = Json::array();
  if (!job.allocation || job.spec.num_nodes <= 1) return ranks;
  for (size_t i = 0; i < job.allocation->nodes.size(); ++i) {
    const NodeAllocation& part = job.allocation->nodes[i];
    Json rank = {{"rank", i},
                 {"node", part.node},
                 {"cpus", part.cpus.size()},
                 {"gpus", part.gpus},
                 {"state", job.state == JobState::kRunning ? "RUNNING" : "STOPPED"},
                 {"exit_code", nullptr},
                 {"signal", nullptr}};
    for (const RankExit& exit : job.rank_exits) {
      if (exit.rank != static_cast<int32_t>(i)) continue;
      rank["state"] = "ENDED";
      rank["exit_code"] = IntOrNull(exit.exit_code);
      rank["signal"] = IntOrNull(exit.exit_signal);
    }
    ranks.push_back(std::move(rank));
  }
  return ranks;
}

}  // namespace

Json EncodeJob(const Job& job) {
  Json j = EncodeJobSpec(job.spec);
  j["id"] = job.id.value;
  j["tenant"] = job.tenant;
  j["state"] = JobStateName(job.state);
  j["reason"] = job.reason;
  j["attempt"] = job.attempt;
  j["node_failures"] = job.node_failures;
  j["allocation"] = job.allocation ? EncodeAllocation(*job.allocation) : Json(nullptr);
  j["nodes"] = job.allocation ? job.allocation->NodeNames() : std::vector<std::string>();
  j["exit_code"] = job.exit_code ? Json(*job.exit_code) : Json(nullptr);
  j["signal"] = job.exit_signal ? Json(*job.exit_signal) : Json(nullptr);
  j["ranks"] = EncodeRanks(job);
  j["message"] = job.message;
  j["submit_time"] = TimeOrNull(job.submit_time);
  j["start_time"] = TimeOrNull(job.start_time);
  j["end_time"] = TimeOrNull(job.end_time);
  j["cancel_requested"] = job.cancel_requested;
  j["preempt_requested"] = job.preempt_requested;
  j["preempted_by"] = job.preempted_by.value > 0 ? Json(job.preempted_by.value) : Json(nullptr);
  j["cpu_time_ms"] = job.cpu_time_ms;
  j["peak_memory_bytes"] = job.peak_memory_bytes;
  j["cpu_energy_uj"] = job.cpu_energy_uj;
  j["gpu_energy_uj"] = job.gpu_energy_uj;
  j[kIdempotencyKeyField] = job.idempotency_key;
  j["array_job_id"] = job.is_array_task() ? Json(job.array_job.value) : Json(nullptr);
  j["array_task_id"] = job.is_array_task() ? Json(job.array_task) : Json(nullptr);
  j["array_unstarted"] = FormatTaskIndices(job.array_unstarted);
  return j;
}

}  // namespace sharc::protocol
