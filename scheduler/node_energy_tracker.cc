#include "scheduler/node_energy_tracker.h"

#include <algorithm>
#include <cstdint>
#include <tuple>

namespace sharc::scheduler {
namespace {

// `part` of `total`, for `span` of `whole` milliseconds, rounded down.
int64_t Share(int64_t total, int64_t span, int64_t whole) {
  if (whole <= 0) return 0;
  return static_cast<int64_t>(static_cast<__int128>(total) * span / whole);
}

UnixMillis BucketStart(UnixMillis t) { return t - t % kEnergyBucketMillis; }

// a + b for a, b >= 0, at most INT64_MAX.
int64_t SaturatingAdd(int64_t a, int64_t b) { return a > INT64_MAX - b ? INT64_MAX : a + b; }

}  // namespace

std::vector<NodeEnergyBucket> NodeEnergyTracker::AddSample(const std::string& node, UnixMillis now,
                                                           const protocol::NodeSample& sample,
                                                           int64_t millicpus, int32_t gpus) {
  NodeTrack& track = nodes_[node];
  std::optional<protocol::NodeSample> previous = std::move(track.last);
  UnixMillis previous_time = track.last_time;
  bool baseline_only = track.baseline_only;
  track.last = sample;
  track.last_time = now;
  track.baseline_only = false;

  if (!baseline_only && previous && previous->agent_start_time == sample.agent_start_time) {
    AddInterval(node, track, previous_time, now, *previous, sample, millicpus, gpus);
  }
  return CloseTrack(track, BucketStart(now));
}

void NodeEnergyTracker::AddInterval(const std::string& node, NodeTrack& track,
                                    UnixMillis previous_time, UnixMillis now,
                                    const protocol::NodeSample& previous,
                                    const protocol::NodeSample& sample, int64_t millicpus,
                                    int32_t gpus) {
  int64_t cpu = sample.cpu_energy_uj - previous.cpu_energy_uj;
  int64_t gpu = sample.gpu_energy_uj - previous.gpu_energy_uj;
  int64_t idle = sample.idle_energy_uj - previous.idle_energy_uj;
  if (cpu < 0 || gpu < 0 || idle < 0 || now <= previous_time) return;
  // Idle energy is the part of the CPU and GPU energy no attempt was charged for. The decoder
  // checks that of each sample's counters, not of their differences.
  idle = std::min(idle, SaturatingAdd(cpu, gpu));
  UnixMillis from = std::max(previous_time, track.closed_until);
  if (from >= now) return;  // all of it in closed minutes (a wall clock set back past them)
  int64_t whole = now - previous_time;
  // The part of the interval before `from` (reaching into closed buckets) is dropped.
  int64_t cpu_left = cpu - Share(cpu, from - previous_time, whole);
  int64_t gpu_left = gpu - Share(gpu, from - previous_time, whole);
  int64_t idle_left = idle - Share(idle, from - previous_time, whole);
  for (UnixMillis t = from; t < now;) {
    UnixMillis start = BucketStart(t);
    UnixMillis end = std::min(now, start + kEnergyBucketMillis);
    int64_t span = end - t;
    int64_t remaining = now - t;
    // The last piece takes what is left, so the pieces add up exactly.
    int64_t cpu_part = end == now ? cpu_left : Share(cpu_left, span, remaining);
    int64_t gpu_part = end == now ? gpu_left : Share(gpu_left, span, remaining);
    // Each share is rounded down on its own, so idle's could exceed CPU's and GPU's together
    // by one: a bucket the store refuses. The last piece keeps idle within the total too.
    int64_t idle_part =
        end == now ? idle_left
                   : std::min(Share(idle_left, span, remaining), SaturatingAdd(cpu_part, gpu_part));
    cpu_left -= cpu_part;
    gpu_left -= gpu_part;
    idle_left -= idle_part;
    NodeEnergyBucket& bucket = track.open[start];
    bucket.node = node;
    bucket.start = start;
    // A wall clock set back covers part of a minute again; a minute is never more than one.
    bucket.covered_ms = std::min(bucket.covered_ms + span, kEnergyBucketMillis);
    bucket.millicpus = millicpus;
    bucket.gpus = gpus;
    bucket.cpu_energy_uj = SaturatingAdd(bucket.cpu_energy_uj, cpu_part);
    bucket.gpu_energy_uj = SaturatingAdd(bucket.gpu_energy_uj, gpu_part);
    bucket.idle_energy_uj = SaturatingAdd(bucket.idle_energy_uj, idle_part);
    bucket.cpu_source = sample.cpu_energy_source;
    bucket.gpu_source = sample.gpu_energy_source;
    t = end;
  }
}

void NodeEnergyTracker::Restart(const std::string& node) {
  NodeTrack& track = nodes_[node];
  track.baseline_only = true;
  track.last.reset();
}

std::vector<NodeEnergyBucket> NodeEnergyTracker::CloseTrack(NodeTrack& track, UnixMillis time) {
  std::vector<NodeEnergyBucket> closed;
  for (auto it = track.open.begin();
       it != track.open.end() && it->first + kEnergyBucketMillis <= time;) {
    closed.push_back(std::move(it->second));
    it = track.open.erase(it);
  }
  track.closed_until = std::max(track.closed_until, time - time % kEnergyBucketMillis);
  return closed;
}

std::vector<NodeEnergyBucket> NodeEnergyTracker::CloseBefore(UnixMillis time) {
  std::vector<NodeEnergyBucket> closed;
  for (auto& [name, track] : nodes_) {
    for (NodeEnergyBucket& bucket : CloseTrack(track, time)) closed.push_back(std::move(bucket));
  }
  return closed;
}

std::vector<NodeEnergyBucket> NodeEnergyTracker::OpenBuckets() const {
  std::vector<NodeEnergyBucket> open;
  for (const auto& [name, track] : nodes_) {
    for (const auto& [start, bucket] : track.open) open.push_back(bucket);
  }
  std::sort(open.begin(), open.end(), [](const auto& a, const auto& b) {
    return std::tie(a.start, a.node) < std::tie(b.start, b.node);
  });
  return open;
}

const protocol::NodeSample* NodeEnergyTracker::LastSample(const std::string& node) const {
  auto it = nodes_.find(node);
  return it == nodes_.end() || !it->second.last ? nullptr : &*it->second.last;
}

}  // namespace sharc::scheduler
