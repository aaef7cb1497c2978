// The accounting half of Scheduler: a record per ended attempt, the nodes' energy by minute,
// facility meter readings, and the efficiency report built from them.
#include "core/log.h"
#include "scheduler/scheduler.h"

namespace sharc::scheduler {
namespace {

// How long after a minute ends its bucket is stored even if the node sent nothing since
// (a node silent that long is DOWN; its next sample after registering is only a baseline).
constexpr int64_t kSilentBucketGraceMillis = 2 * kEnergyBucketMillis;
// Clock skew allowed between an operator's reading and the scheduler's clock.
constexpr int64_t kReadingFutureSlackMillis = 5 * 60 * 1000;

AttemptRecord RecordOf(const Job& job, UnixMillis granted, UnixMillis end,
                       std::string_view ended_as) {
  AttemptRecord record;
  record.attempt = job.current_attempt();
  record.tenant = job.tenant;
  if (job.allocation) {
    for (const std::string& node : job.allocation->NodeNames()) {
      record.node += (record.node.empty() ? "" : ",") + node;
    }
  }
  record.start_time = granted;
  record.end_time = std::max(granted, end);
  record.millicpus = int64_t{job.spec.cpus} * 1000;
  record.gpus = job.spec.gpus;
  record.memory_bytes = job.spec.memory_bytes;
  record.state = std::string(ended_as);
  return record;
}

}  // namespace

void Scheduler::RecordAttempt(const Job& job, std::string_view ended_as,
                              const protocol::AttemptReport* exited,
                              std::vector<store::Mutation>* batch) {
  auto granted = granted_since_.find(job.id);
  if (granted == granted_since_.end()) return;  // never placed: nothing was held
  AttemptRecord record = RecordOf(job, granted->second, deps_.clock->WallMillis(), ended_as);
  granted_since_.erase(granted);
  if (exited) {
    record.cpu_time_ms = exited->cpu_time_ms;
    record.cpu_energy_uj = exited->cpu_energy_uj;
    record.gpu_energy_uj = exited->gpu_energy_uj;
  }
  tenant_totals_[record.tenant].Add(record);
  batch->push_back(store::PutAttempt{std::move(record)});
}

void Scheduler::OnNodeSample(NodeEntry& node, const protocol::NodeSample& sample) {
  Resources capacity = node.topology->Capacity();
  std::vector<NodeEnergyBucket> closed =
      energy_.AddSample(node.name(), deps_.clock->WallMillis(), sample, capacity.Get("cpu"),
                        static_cast<int32_t>(capacity.Get("gpu")));
  StoreEnergyBuckets(std::move(closed));
}

void Scheduler::CloseSilentEnergyBuckets() {
  std::vector<NodeEnergyBucket> closed =
      energy_.CloseBefore(deps_.clock->WallMillis() - kSilentBucketGraceMillis);
  StoreEnergyBuckets(std::move(closed));
}

void Scheduler::StoreEnergyBuckets(std::vector<NodeEnergyBucket> closed) {
  if (closed.empty()) return;
  std::vector<store::Mutation> batch;
  for (NodeEnergyBucket& bucket : closed) batch.push_back(store::PutNodeEnergy{std::move(bucket)});
  CommitOrDie(std::move(batch), [] {});
}

void Scheduler::AddFacilityReading(const Principal& who, FacilityReading reading,
                                   std::function<void(StatusOr<FacilityReading>)> done) {
  if (Status s = AdminsOnly(who); !s.ok()) return done(s);
  UnixMillis now = deps_.clock->WallMillis();
  if (reading.time == 0) reading.time = now;
  if (reading.time < 0) return done(InvalidArgumentError("time: before 1970"));
  if (reading.time > now + kReadingFutureSlackMillis) {
    return done(InvalidArgumentError("time: " + FormatRfc3339(reading.time) + " is in the future"));
  }
  if (reading.energy_wh < 0) return done(InvalidArgumentError("energy_wh: must be >= 0"));
  if (reading.note.size() > 256) {
    return done(InvalidArgumentError("note: at most 256 characters"));
  }
  if (!facility_readings_.empty()) {
    const FacilityReading& last = facility_readings_.back();
    if (reading.time <= last.time) {
      return done(InvalidArgumentError("time: readings are added in order; the last one is at " +
                                       FormatRfc3339(last.time)));
    }
    if (reading.energy_wh < last.energy_wh) {
      return done(InvalidArgumentError("energy_wh: the meter is cumulative and read " +
                                       std::to_string(last.energy_wh) + " Wh at " +
                                       FormatRfc3339(last.time) + "; this reading is lower"));
    }
  }
  facility_readings_.push_back(reading);
  CommitOrDie({store::PutFacilityReading{reading}},
              [reading, done = std::move(done)] { done(reading); });
}

StatusOr<std::vector<FacilityReading>> Scheduler::FacilityReadings(const Principal& who) const {
  SHARC_RETURN_IF_ERROR(AdminsOnly(who));
  return facility_readings_;
}

StatusOr<EfficiencyReport> Scheduler::Efficiency(const Principal& who, UnixMillis from,
                                                 UnixMillis to) const {
  SHARC_RETURN_IF_ERROR(AdminsOnly(who));
  if (to <= from) return InvalidArgumentError("to: must be after from");
  SHARC_ASSIGN_OR_RETURN(store::AccountingRecords records, deps_.store->ReadAccounting({from, to}));
  EfficiencyInputs inputs;
  inputs.from = from;
  inputs.to = to;
  inputs.attempts = std::move(records.attempts);
  inputs.buckets = std::move(records.buckets);
  for (NodeEnergyBucket& bucket : energy_.OpenBuckets())
    inputs.buckets.push_back(std::move(bucket));
  UnixMillis now = deps_.clock->WallMillis();
  for (const auto& [id, since] : granted_since_) {
    if (since >= to) continue;
    inputs.attempts.push_back(RecordOf(*state_.FindJob(id), since, now, "RUNNING"));
  }
  inputs.facility_readings = facility_readings_;
  inputs.settings = options_.efficiency;
  return ComputeEfficiencyReport(inputs);
}

}  // namespace sharc::scheduler
