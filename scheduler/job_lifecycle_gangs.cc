// JobLifecycle's gang jobs (JobSpec::num_nodes > 1): the rendezvous at start, each rank's
// exit, and stopping the other ranks when the attempt ends.
#include <algorithm>
#include <set>

#include "scheduler/job_lifecycle.h"

namespace sharc::scheduler {

void JobLifecycle::FinishRank(Job& job, const std::string& node,
                              const protocol::AttemptReport& report,
                              std::vector<store::Mutation>* batch) {
  const Allocation& allocation = *job.allocation;
  if (job.spec.num_nodes <= 1 || allocation.nodes.size() <= 1) {
    return FinishAttempt(job, report, batch);
  }
  int32_t rank = 0;
  while (static_cast<size_t>(rank) < allocation.nodes.size() && allocation.nodes[rank].node != node)
    ++rank;
  if (static_cast<size_t>(rank) == allocation.nodes.size()) return;  // not its node: fenced
  for (const RankExit& ended : job.rank_exits) {
    if (ended.rank == rank) return;  // reported twice (a reconnect)
  }
  job.rank_exits.push_back({rank, report.exit_code, report.signal, report.end_time});
  job.cpu_time_ms += report.cpu_time_ms;
  job.peak_memory_bytes = std::max(job.peak_memory_bytes, report.peak_memory_bytes);
  job.cpu_energy_uj += report.cpu_energy_uj;
  job.gpu_energy_uj += report.gpu_energy_uj;
  const bool all_ended = job.rank_exits.size() == allocation.nodes.size();
  const bool decisive = job.spec.wait_all_ranks ? all_ended : rank == 0;
  if (!decisive && report.ending != protocol::AttemptEnding::kLaunchFailed) {
    batch->push_back(store::PutJob{job});  // a rank's exit, kept while the others run
    return;
  }
  // The job's exit is rank 0's; usage and energy were summed above.
  protocol::AttemptReport merged = report;
  merged.cpu_time_ms = job.cpu_time_ms;
  merged.peak_memory_bytes = job.peak_memory_bytes;
  merged.cpu_energy_uj = merged.gpu_energy_uj = 0;
  for (const RankExit& ended : job.rank_exits) {
    if (ended.rank != 0 || rank == 0 || report.ending != protocol::AttemptEnding::kNone) continue;
    merged.exit_code = ended.exit_code;
    merged.signal = ended.exit_signal;
  }
  if (report.ending == protocol::AttemptEnding::kLaunchFailed) {
    merged.message = "rank " + std::to_string(rank) + " on " + node + ": " + report.message;
  }
  FinishAttempt(job, merged, batch);
}

bool JobLifecycle::KeepLateRankExit(Job& job, const std::string& node,
                                    const protocol::AttemptReport& report,
                                    std::vector<store::Mutation>* batch) {
  if (job.spec.num_nodes <= 1 || !IsTerminal(job.state) || !job.allocation ||
      job.attempt != report.attempt.attempt || !report.exited) {
    return false;
  }
  const std::vector<NodeAllocation>& parts = job.allocation->nodes;
  for (size_t rank = 0; rank < parts.size(); ++rank) {
    if (parts[rank].node != node) continue;
    for (const RankExit& ended : job.rank_exits) {
      if (ended.rank == static_cast<int32_t>(rank)) return false;
    }
    job.rank_exits.push_back(
        {static_cast<int32_t>(rank), report.exit_code, report.signal, report.end_time});
    batch->push_back(store::PutJob{job});
    return true;
  }
  return false;
}

void JobLifecycle::StopOtherRanks(const Job& job) {
  if (job.spec.num_nodes <= 1 || !job.allocation || job.state != JobState::kRunning) return;
  // Sent before the end is durable: were the commit lost, the restarted scheduler would find
  // the ranks gone and end the attempt again from their reports.
  std::set<int32_t> ended;
  for (const RankExit& rank : job.rank_exits) ended.insert(rank.rank);
  for (size_t rank = 0; rank < job.allocation->nodes.size(); ++rank) {
    if (ended.count(static_cast<int32_t>(rank))) continue;
    context_.agents.Send(job.allocation->nodes[rank].node,
                         protocol::KillMsg{job.current_attempt(), protocol::KillReason::kStale});
  }
}

void JobLifecycle::AddRendezvous(Allocation& allocation) const {
  for (NodeAllocation& part : allocation.nodes) {
    if (const NodeEntry* node = context_.state.FindNode(part.node)) {
      part.address = node->record.inventory.address;
    }
  }
  // The lowest port of the range that no running job holds on rank 0's node.
  std::set<int32_t> taken;
  if (const NodeEntry* first = context_.state.FindNode(allocation.nodes[0].node)) {
    for (JobId id : context_.state.JobsOn(*first)) {
      const Job* other = context_.state.FindJob(id);
      const NodeAllocation* there =
          other && other->allocation ? other->allocation->Find(first->name()) : nullptr;
      if (there && there->port != 0) taken.insert(there->port);
    }
  }
  int32_t port = kFirstRendezvousPort;
  while (taken.count(port) && port < kLastRendezvousPort) ++port;
  allocation.nodes[0].port = port;
}

}  // namespace sharc::scheduler
