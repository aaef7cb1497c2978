#include "policies/scheduling_cycle.h"

#include <algorithm>
#include <cassert>
#include <map>

#include "policies/feasibility.h"
#include "policies/gang_groups.h"
#include "policies/node_placement.h"

namespace sharc::policies {

bool CycleWork::IsVictim(JobId job) const {
  return std::find(victims.begin(), victims.end(), job) != victims.end();
}

bool CycleWork::IsPlaced(JobId job) const { return placed.count(job) > 0; }

namespace {

// How many candidates are kept overall, as a multiple of nodes_to_score (which applies per pool).
constexpr int kPoolsScored = 4;

struct Candidate {
  size_t node = 0;
  NodeFit fit;
  int64_t score = 0;
};

// Jobs that differ only in size (CPUs, GPUs, memory, time limit): once one is blocked, a job
// no smaller is too.
struct BlockedKey {
  int32_t priority = 0;
  std::string gpu_model;
  std::map<std::string, std::string> labels;
  std::string topology_group;
  friend auto operator<=>(const BlockedKey&, const BlockedKey&) = default;
};

// Why the nodes visited turned a job down, for its pending reason.
struct Rejections {
  std::optional<PluginStatus> priority;  // the first reservation it would delay, if any
};

class Cycle {
 public:
  Cycle(ClusterView& view, const TenantsView& tenants, Profile& profile, CycleInput& input,
        UnixMillis now, const Stopwatch& stopwatch)
      : view_(view),
        profile_(profile),
        stopwatch_(stopwatch),
        context_{view, tenants, now, work_, input.full} {
    work_.reservations = std::move(input.reservations);
    // A full cycle makes backfill reservations anew; rooms held for preemptors stay until
    // their job's turn, and always start now: their job starts as soon as
    // the room is free.
    if (input.full) {
      std::erase_if(work_.reservations, [](const Reservation& r) { return !r.for_preemption; });
    }
    for (Reservation& r : work_.reservations) {
      if (!r.for_preemption || r.start >= now) continue;
      r.end += now - r.start;
      r.start = now;
    }
  }

  CycleResult Run(std::vector<PendingJob> pending, size_t depth) {
    for (const std::unique_ptr<Plugin>& plugin : profile_.plugins) plugin->BeginCycle(context_);
    const size_t considered = depth == 0 ? pending.size() : std::min(depth, pending.size());
    profile_.queue_sort->Sort(pending, considered, context_);
    result_.decisions.reserve(considered);
    for (size_t i = 0; i < considered; ++i) {
      Consider(pending[i]);
      // In a full cycle a job keeps only what its turn gave it.
      if (context_.full && reserved_now_ != pending[i].id) DropReservationsOf(pending[i].id);
    }
    for (JobId id : work_.placed) view_.Forget(id);
    result_.preemptions = std::move(work_.preemptions);
    result_.reservations = std::move(work_.reservations);
    return std::move(result_);
  }

 private:
  void Consider(const PendingJob& job);
  bool HoldsReservation(JobId job) const {
    return std::any_of(work_.reservations.begin(), work_.reservations.end(),
                       [&](const Reservation& r) { return r.job == job; });
  }
  // The job's own reservations: it is placed, or given a new one, or none, in its turn.
  void DropReservationsOf(JobId job) {
    std::erase_if(work_.reservations, [&](const Reservation& r) { return r.job == job; });
  }
  PluginStatus RunPreFilters(const PendingJob& job);
  // The nodes that pass the filters, up to the profile's nodes_to_score per pool (every one
  // when `every_node`, as a gang needs).
  std::vector<Candidate> FindCandidates(const PendingJob& job, Rejections& rejections,
                                        bool every_node);
  bool Passes(const PendingJob& job, size_t node, Candidate& candidate, Rejections& rejections);
  void Score(const PendingJob& job, std::vector<Candidate>& candidates);
  bool Place(const PendingJob& job, std::vector<Candidate>& candidates);
  // A gang: num_nodes parts on as many nodes of one topology group, all at once, or nothing.
  bool PlaceGang(const PendingJob& job, std::vector<Candidate>& candidates);
  enum class Outcome { kPlaced, kHeld, kRefused };
  // Runs Reserve and Permit on `placement` and, if permitted, takes it into the view: kPlaced,
  // kHeld (a Permit said no; decided) or kRefused (the view refused it; try another).
  Outcome Accept(const PendingJob& job, Placement placement);
  void Unplaced(const PendingJob& job, const Rejections& rejections);
  void RunPostFilters(const PendingJob& job, const PluginStatus& failure);
  // kNeverFits / NO_NODES / UNSATISFIABLE verdicts for a job no node took, memoised by shape.
  std::optional<Decision> Diagnose(const PendingJob& job);
  // Whether a job no larger than `job` (same labels, model and priority) found no node in this
  // cycle; if so, `rejections` is what that one met.
  bool KnownBlocked(const PendingJob& job, Rejections& rejections) const;
  void RecordBlocked(const PendingJob& job, const Rejections& rejections);

  void Hold(const PendingJob& job, const PluginStatus& status) {
    Decision d;
    d.job = job.id;
    d.kind =
        status.code == PluginCode::kUnresolvable ? VerdictKind::kNeverFits : VerdictKind::kNotNow;
    d.reason = std::string(status.reason);
    d.message = status.message;
    d.plugin = std::string(status.plugin);
    result_.decisions.push_back(std::move(d));
  }
  int64_t Now() const { return stopwatch_ ? stopwatch_() : 0; }

  ClusterView& view_;
  Profile& profile_;
  const Stopwatch& stopwatch_;
  CycleWork work_;
  JobId reserved_now_;  // the last job a PostFilter gave a reservation in this cycle
  CycleContext context_;
  CycleResult result_;
  std::map<std::string, std::optional<Decision>> diagnosed_;
  struct Blocked {
    int32_t cpus, gpus, nodes;
    int64_t memory, limit;
    Rejections rejections;
  };
  std::map<BlockedKey, std::vector<Blocked>> blocked_;  // Pareto-minimal
};

BlockedKey KeyOf(const PendingJob& job) {
  return {job.priority(), job.spec->gpu_model, job.spec->labels, job.spec->topology_group};
}

bool Cycle::KnownBlocked(const PendingJob& job, Rejections& rejections) const {
  auto it = blocked_.find(KeyOf(job));
  if (it == blocked_.end()) return false;
  const JobSpec& s = *job.spec;
  for (const Blocked& b : it->second) {
    if (b.cpus <= s.cpus && b.gpus <= s.gpus && b.memory <= s.memory_bytes &&
        b.limit <= s.time_limit_seconds && b.nodes <= s.num_nodes) {
      rejections = b.rejections;
      return true;
    }
  }
  return false;
}

void Cycle::RecordBlocked(const PendingJob& job, const Rejections& rejections) {
  const JobSpec& s = *job.spec;
  std::vector<Blocked>& list = blocked_[KeyOf(job)];
  // Drop those this one is no larger than: it blocks all they block.
  std::erase_if(list, [&](const Blocked& b) {
    return s.cpus <= b.cpus && s.gpus <= b.gpus && s.memory_bytes <= b.memory &&
           s.time_limit_seconds <= b.limit && s.num_nodes <= b.nodes;
  });
  list.push_back({s.cpus, s.gpus, s.num_nodes, s.memory_bytes, s.time_limit_seconds, rejections});
}

void Cycle::Consider(const PendingJob& job) {
  assert(job.spec != nullptr && job.priority_class != nullptr);
  PluginStatus held = RunPreFilters(job);
  if (!held.ok()) {
    if (held.preemption_may_help && held.code == PluginCode::kUnschedulable) {
      return RunPostFilters(job, held);
    }
    return Hold(job, held);
  }
  int64_t started = Now();
  Rejections rejections;
  bool placed = false;
  // A job blocked like an earlier one of its shape is blocked too, unless room is reserved for
  // it: what blocked the other may be that very reservation.
  if (HoldsReservation(job.id) || !KnownBlocked(job, rejections)) {
    const bool gang = job.spec->num_nodes > 1;
    std::vector<Candidate> candidates = FindCandidates(job, rejections, gang);
    if (gang) {
      placed = PlaceGang(job, candidates);
    } else {
      placed = !candidates.empty() && Place(job, candidates);
    }
    if (!placed) RecordBlocked(job, rejections);
  }
  if (stopwatch_) result_.placement_durations.push_back(std::chrono::nanoseconds(Now() - started));
  if (!placed) Unplaced(job, rejections);
}

PluginStatus Cycle::RunPreFilters(const PendingJob& job) {
  for (PreFilterPlugin* plugin : profile_.pre_filter) {
    PluginStatus status = plugin->PreFilter(job, context_);
    if (!status.ok()) return status;
  }
  return PluginStatus::Success();
}

bool Cycle::Passes(const PendingJob& job, size_t node, Candidate& candidate,
                   Rejections& rejections) {
  candidate.node = node;
  for (FilterPlugin* plugin : profile_.filter) {
    PluginStatus status = plugin->Filter(job, view_.node(node), candidate.fit, context_);
    if (status.ok()) continue;
    if (status.reason == reason::kPriority && !rejections.priority) {
      rejections.priority = std::move(status);
    }
    return false;
  }
  return true;
}

std::vector<Candidate> Cycle::FindCandidates(const PendingJob& job, Rejections& rejections,
                                             bool every_node) {
  const JobSpec& spec = *job.spec;
  const ProfileConfig& config = profile_.config;
  const size_t per_pool = every_node ? SIZE_MAX : std::max(1, config.nodes_to_score);
  std::vector<Candidate> found;
  if (config.node_search == NodeSearch::kFirstFit) {
    for (size_t i = 0; i < view_.nodes().size() && found.size() < per_pool; ++i) {
      const NodeView& node = view_.node(i);
      if (!node.schedulable() || node.free_pus < spec.cpus || node.free_gpus < spec.gpus) continue;
      Candidate candidate;
      if (Passes(job, i, candidate, rejections)) found.push_back(std::move(candidate));
    }
    return found;
  }
  CapacityQuery query{spec.cpus, spec.gpus, spec.gpu_model, &spec.labels};
  NodeOrder order =
      config.node_search == NodeSearch::kLoosest ? NodeOrder::kLoosest : NodeOrder::kTightest;
  const size_t limit = every_node ? SIZE_MAX : per_pool * kPoolsScored;
  size_t in_pool = 0;
  int pool = -1;
  view_.index().Visit(query, order, [&](size_t node) {
    int node_pool = view_.index().PoolOf(node);
    if (node_pool != pool) {
      // GPU nodes are for GPU jobs: a CPU job goes there only if no other node could take it.
      const size_t enough = static_cast<size_t>(spec.num_nodes);
      if (spec.gpus == 0 && found.size() >= enough && view_.index().PoolHasGpus(node_pool)) {
        return VisitNext::kStop;
      }
      pool = node_pool;
      in_pool = 0;
    }
    Candidate candidate;
    if (!Passes(job, node, candidate, rejections)) return VisitNext::kContinue;
    found.push_back(std::move(candidate));
    if (found.size() >= limit) return VisitNext::kStop;
    return ++in_pool >= per_pool ? VisitNext::kNextPool : VisitNext::kContinue;
  });
  return found;
}

void Cycle::Score(const PendingJob& job, std::vector<Candidate>& candidates) {
  for (Candidate& c : candidates) {
    for (const Profile::WeightedScore& s : profile_.score) {
      c.score += s.weight * s.plugin->Score(job, view_.node(c.node), context_);
    }
  }
  // Best score first; ties keep the order the nodes were found in.
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) { return a.score > b.score; });
}

bool Cycle::Place(const PendingJob& job, std::vector<Candidate>& candidates) {
  Score(job, candidates);
  for (const Candidate& c : candidates) {
    const NodeView& node = view_.node(c.node);
    std::optional<NodePlacement> part =
        PlaceOnNode(*node.topology, {&node.pu_free, &node.gpu_free, node.memory_free}, c.node,
                    *job.spec, c.fit.excluded_pus, c.fit.excluded_gpus, c.fit.memory_kept);
    if (!part) continue;
    if (Accept(job, Placement{{std::move(*part)}}) != Outcome::kRefused) return true;
  }
  return false;
}

bool Cycle::PlaceGang(const PendingJob& job, std::vector<Candidate>& candidates) {
  const JobSpec& spec = *job.spec;
  const size_t count = static_cast<size_t>(spec.num_nodes);
  if (candidates.size() < count) return false;
  Score(job, candidates);
  std::vector<GangMember> members;
  std::map<size_t, const Candidate*> by_node;
  for (const Candidate& c : candidates) {
    std::string group;
    if (!spec.topology_group.empty()) {
      const NodeView& node = view_.node(c.node);
      auto label = node.labels.find(spec.topology_group);
      if (label == node.labels.end()) continue;
      group = label->second;
    }
    members.push_back({c.node, std::move(group), c.score});
    by_node.emplace(c.node, &c);
  }
  // Exact parts only for the nodes of the group taken, not for every candidate.
  for (const std::vector<size_t>& group : RankGangGroups(std::move(members), count)) {
    Placement placement;
    for (size_t index : group) {
      const Candidate& c = *by_node.at(index);
      const NodeView& node = view_.node(index);
      std::optional<NodePlacement> part =
          PlaceOnNode(*node.topology, {&node.pu_free, &node.gpu_free, node.memory_free}, index,
                      spec, c.fit.excluded_pus, c.fit.excluded_gpus, c.fit.memory_kept);
      if (part) placement.nodes.push_back(std::move(*part));
      if (placement.nodes.size() == count) break;
    }
    if (placement.nodes.size() < count) continue;
    return Accept(job, std::move(placement)) != Outcome::kRefused;
  }
  return false;
}

Cycle::Outcome Cycle::Accept(const PendingJob& job, Placement placement) {
  for (ReservePlugin* plugin : profile_.reserve) plugin->Reserve(job, placement, context_);
  for (PermitPlugin* plugin : profile_.permit) {
    PluginStatus permit = plugin->Permit(job, placement, context_);
    if (permit.ok()) continue;
    for (ReservePlugin* r : profile_.reserve) r->Unreserve(job, placement, context_);
    Hold(job, permit);
    return Outcome::kHeld;
  }
  RunningAllocation allocation;
  allocation.job = job.id;
  allocation.tenant = std::string(job.tenant);
  allocation.gpu_model = job.spec->gpu_model;
  allocation.priority = job.priority();
  allocation.preemptible = job.priority_class->preemptible;
  allocation.start = context_.now;
  allocation.expected_end = context_.now + job.spec->time_limit_seconds * 1000;
  allocation.placement = placement;
  Status assumed = view_.Assume(std::move(allocation));
  assert(assumed.ok() && "the exact placement picked resources that are not free");
  if (!assumed.ok()) {
    for (ReservePlugin* r : profile_.reserve) r->Unreserve(job, placement, context_);
    return Outcome::kRefused;
  }
  work_.placed.insert(job.id);
  Decision d;
  d.job = job.id;
  d.kind = VerdictKind::kPlaced;
  d.placement = std::move(placement);
  result_.decisions.push_back(std::move(d));
  return Outcome::kPlaced;
}

std::optional<Decision> Cycle::Diagnose(const PendingJob& job) {
  const JobSpec& spec = *job.spec;
  // The usual case first, without building a key: some schedulable node could hold it (a
  // gang needs several: it takes the memoised path).
  for (const auto& [key, shape] : view_.shapes()) {
    if (spec.num_nodes > 1) break;
    if (shape.schedulable > 0 && FitsWhenEmpty(view_.node(shape.representative), spec)) {
      return std::nullopt;
    }
  }
  std::string key = std::to_string(spec.cpus) + "/" + std::to_string(spec.gpus) + "/" +
                    std::to_string(spec.memory_bytes) + "/" + spec.gpu_model + "/" +
                    std::to_string(spec.num_nodes) + "/" + spec.topology_group;
  for (const auto& [k, v] : spec.labels) key += "|" + k + "=" + v;
  auto [it, added] = diagnosed_.try_emplace(std::move(key));
  if (!added) return it->second;
  Decision d;
  if (Status ever = CheckEverFits(view_, spec); !ever.ok()) {
    d.kind = VerdictKind::kNeverFits;
    d.reason = std::string(reason::kUnsatisfiable);
    d.message = ever.message();
  } else if (view_.index().size() == 0) {
    d.reason = std::string(reason::kNoNodes);
    d.message = "no node is UP";
  } else if (Status up = CheckFitsSchedulable(view_, spec); !up.ok()) {
    d.reason = std::string(reason::kUnsatisfiable);
    d.message = up.message();
  } else {
    return it->second;  // nullopt: it would fit an UP node, were it free
  }
  it->second = std::move(d);
  return it->second;
}

void Cycle::Unplaced(const PendingJob& job, const Rejections& rejections) {
  // Never fits, no node UP, or none UP could hold it: neither preemption nor a reservation
  // helps (a node may come back).
  if (std::optional<Decision> diagnosis = Diagnose(job)) {
    diagnosis->job = job.id;
    result_.decisions.push_back(std::move(*diagnosis));
    return;
  }
  RunPostFilters(job, rejections.priority ? *rejections.priority
                                          : PluginStatus::Unschedulable("", reason::kResources));
}

void Cycle::RunPostFilters(const PendingJob& job, const PluginStatus& failure) {
  for (PostFilterPlugin* plugin : profile_.post_filter) {
    PostFilterResult r = plugin->PostFilter(job, failure, context_);
    if (!r.handled) continue;
    for (Preemption& p : r.preemptions) {
      work_.victims.push_back(p.victim);
      work_.preemptions.push_back(std::move(p));
    }
    if (r.reservation) {
      DropReservationsOf(job.id);
      work_.reservations.push_back(std::move(*r.reservation));
      reserved_now_ = job.id;
    }
    return Hold(job, r.status);
  }
  Hold(job, failure);
}

}  // namespace

bool LeftJobsWithoutRoom(const CycleResult& result) {
  return std::any_of(result.decisions.begin(), result.decisions.end(), [](const Decision& d) {
    return d.kind != VerdictKind::kPlaced && d.reason == reason::kResources;
  });
}

CycleResult RunCycle(ClusterView& view, const TenantsView& tenants, Profile& profile,
                     CycleInput input, UnixMillis now, const Stopwatch& stopwatch) {
  assert(profile.queue_sort != nullptr);
  Cycle cycle(view, tenants, profile, input, now, stopwatch);
  return cycle.Run(std::move(input.pending), input.depth);
}

}  // namespace sharc::policies
