// Turns the cumulative energy counters agents send with their heartbeats into per-node,
// per-minute buckets (core/accounting.h) for efficiency reports. Pure; lives on the state
// thread.
//
// Each sample is compared with the previous one of the same node and the same agent session
// (agent_start_time): the difference is the energy of the interval between them, spread over
// the minutes it covers in proportion to time. The first sample of a session, and the first
// after the node (re)registers, is only a baseline: the energy before it is not counted, and
// neither is a counter that went backwards. So a report misses at most one sampling interval
// per agent start or reconnection, and never counts anything twice.
//
// A bucket is closed (returned, to be stored) once a sample of its node lands in a later
// minute, or by CloseBefore for nodes that went silent. Closed buckets are never reopened:
// an interval that would reach back into one is counted from the end of it.
#ifndef SHARC_SCHEDULER_NODE_ENERGY_TRACKER_H_
#define SHARC_SCHEDULER_NODE_ENERGY_TRACKER_H_

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/accounting.h"
#include "protocol/agent_messages.h"

namespace sharc::scheduler {

class NodeEnergyTracker {
 public:
  // Adds `sample`, received at wall time `now` from `node`, whose capacity is `millicpus` and
  // `gpus`. Returns the node's buckets that closed.
  std::vector<NodeEnergyBucket> AddSample(const std::string& node, UnixMillis now,
                                          const protocol::NodeSample& sample, int64_t millicpus,
                                          int32_t gpus);
  // The next sample of `node` is a baseline (call when it registers).
  void Restart(const std::string& node);
  // Closes every bucket that ended at or before `time`.
  std::vector<NodeEnergyBucket> CloseBefore(UnixMillis time);
  // Buckets not yet closed, by (start, node).
  std::vector<NodeEnergyBucket> OpenBuckets() const;
  // The node's last sample, if any since it registered.
  const protocol::NodeSample* LastSample(const std::string& node) const;

 private:
  struct NodeTrack {
    std::optional<protocol::NodeSample> last;
    UnixMillis last_time = 0;
    bool baseline_only = true;                    // the next sample only sets the baseline
    UnixMillis closed_until = 0;                  // buckets before this are closed
    std::map<UnixMillis, NodeEnergyBucket> open;  // by start
  };
  // Spreads the energy between two samples over the open buckets it covers.
  static void AddInterval(const std::string& node, NodeTrack& track, UnixMillis previous_time,
                          UnixMillis now, const protocol::NodeSample& previous,
                          const protocol::NodeSample& sample, int64_t millicpus, int32_t gpus);
  static std::vector<NodeEnergyBucket> CloseTrack(NodeTrack& track, UnixMillis time);

  std::map<std::string, NodeTrack> nodes_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_NODE_ENERGY_TRACKER_H_
