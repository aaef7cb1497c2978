#include "scheduler/accounting.h"

#include "core/log.h"
#include "core/units.h"
#include "policies/fair_share.h"

namespace sharc::scheduler {
namespace {

// How long after a minute ends its bucket is stored even if the node sent nothing since
// (a node silent that long is DOWN; its next sample after registering is only a baseline).
constexpr int64_t kSilentBucketGraceMillis = 2 * kEnergyBucketMillis;
// Clock skew allowed between an operator's reading and the scheduler's clock.
constexpr int64_t kReadingFutureSlackMillis = 5 * 60 * 1000;
// How often tenants' fair-share usage is saved besides with each attempt record.
constexpr int64_t kUsageSaveMillis = 60 * 1000;

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
  // The whole job: a gang's every node.
  const Resources request = job.spec.Request();
  record.millicpus = request.Get(kCpuResource);
  record.gpus = request.Get(kGpuResource);
  record.memory_bytes = request.Get(kMemoryResource);
  record.state = std::string(ended_as);
  return record;
}

}  // namespace

Accounting::Accounting(const SchedulerContext& context)
    : context_(context), usage_(context.options.scheduling.fair_share_half_life.count()) {}

void Accounting::Restore(store::StoredState& stored) {
  tenant_totals_ = std::move(stored.tenant_totals);
  facility_readings_ = std::move(stored.facility_readings);
  std::map<std::string, policies::DecayedUsage> usage;
  for (const auto& [tenant, record] : stored.tenant_usage) {
    usage[tenant] = {record.value, record.as_of};
  }
  usage_.Restore(usage);
  last_usage_save_ = context_.Now();
}

void Accounting::Granted(const Job& job, UnixMillis now) { Regranted(job, now); }

void Accounting::Regranted(const Job& job, UnixMillis since) {
  double rate =
      policies::DominantShare(job.spec.Request(), context_.state.view().schedulable_capacity());
  usage_.Advance(context_.Now());
  usage_.AddRate(job.tenant, rate);
  granted_[job.id] = {since, rate};
}

void Accounting::RecordAttempt(const Job& job, std::string_view ended_as,
                               const protocol::AttemptReport* exited,
                               std::vector<store::Mutation>* batch) {
  auto granted = granted_.find(job.id);
  if (granted == granted_.end()) return;  // never placed: nothing was held
  UnixMillis now = context_.Now();
  AttemptRecord record = RecordOf(job, granted->second.since, now, ended_as);
  usage_.Advance(now);
  usage_.AddRate(job.tenant, -granted->second.rate);
  granted_.erase(granted);
  if (exited) {
    record.cpu_time_ms = exited->cpu_time_ms;
    record.cpu_energy_uj = exited->cpu_energy_uj;
    record.gpu_energy_uj = exited->gpu_energy_uj;
  }
  tenant_totals_[record.tenant].Add(record);
  batch->push_back(store::PutAttempt{std::move(record)});
  for (auto& [tenant, usage] : usage_.TakeChanged()) {
    batch->push_back(store::PutTenantUsage{tenant, {usage.value, usage.as_of}});
  }
}

double Accounting::UsageOf(const std::string& tenant, UnixMillis now) const {
  return usage_.UsageAt(tenant, now);
}

void Accounting::OnNodeSample(const NodeEntry& node, const protocol::NodeSample& sample) {
  Resources capacity = node.topology->Capacity();
  std::vector<NodeEnergyBucket> closed =
      energy_.AddSample(node.name(), context_.Now(), sample, capacity.Get("cpu"),
                        static_cast<int32_t>(capacity.Get("gpu")));
  StoreEnergyBuckets(std::move(closed));
}

void Accounting::Tick() {
  UnixMillis now = context_.Now();
  StoreEnergyBuckets(energy_.CloseBefore(now - kSilentBucketGraceMillis));
  if (now - last_usage_save_ < kUsageSaveMillis) return;
  last_usage_save_ = now;
  usage_.Advance(now);
  std::vector<store::Mutation> batch;
  for (auto& [tenant, usage] : usage_.TakeChanged()) {
    batch.push_back(store::PutTenantUsage{tenant, {usage.value, usage.as_of}});
  }
  if (!batch.empty()) context_.commits.CommitOrDie(std::move(batch), [] {});
}

void Accounting::StoreEnergyBuckets(std::vector<NodeEnergyBucket> closed) {
  if (closed.empty()) return;
  std::vector<store::Mutation> batch;
  for (NodeEnergyBucket& bucket : closed) batch.push_back(store::PutNodeEnergy{std::move(bucket)});
  context_.commits.CommitOrDie(std::move(batch), [] {});
}

void Accounting::AddFacilityReading(FacilityReading reading,
                                    std::function<void(StatusOr<FacilityReading>)> done) {
  UnixMillis now = context_.Now();
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
  context_.commits.CommitOrDie({store::PutFacilityReading{reading}},
                               [reading, done = std::move(done)] { done(reading); });
}

const std::vector<FacilityReading>& Accounting::FacilityReadings() const {
  return facility_readings_;
}

void Accounting::Efficiency(UnixMillis from, UnixMillis to,
                            std::function<void(StatusOr<EfficiencyReport>)> done) const {
  if (to <= from) return done(InvalidArgumentError("to: must be after from"));
  // What only the state thread knows, copied now.
  EfficiencyInputs inputs;
  inputs.from = from;
  inputs.to = to;
  inputs.buckets = energy_.OpenBuckets();
  UnixMillis now = context_.Now();
  for (const auto& [id, grant] : granted_) {
    if (grant.since >= to) continue;
    inputs.attempts.push_back(RecordOf(*context_.state.FindJob(id), grant.since, now, "RUNNING"));
  }
  inputs.facility_readings = facility_readings_;
  inputs.settings = context_.options.efficiency;
  store::Store* store = context_.deps.store;
  auto post = context_.deps.post;
  context_.deps.run_in_background(
      [store, post, inputs = std::move(inputs), done = std::move(done)]() mutable {
        auto read = [&]() -> StatusOr<EfficiencyReport> {
          SHARC_ASSIGN_OR_RETURN(store::AccountingRecords records,
                                 store->ReadAccounting({inputs.from, inputs.to}));
          for (AttemptRecord& a : records.attempts) inputs.attempts.push_back(std::move(a));
          for (NodeEnergyBucket& b : records.buckets) inputs.buckets.push_back(std::move(b));
          return ComputeEfficiencyReport(inputs);
        };
        StatusOr<EfficiencyReport> report = read();
        post([report = std::move(report), done = std::move(done)]() mutable {
          done(std::move(report));
        });
      });
}

void Accounting::AddToMetrics(metrics::ClusterMetricsSnapshot& s) const {
  UnixMillis now = context_.Now();
  for (const auto& [tenant, totals] : tenant_totals_) {
    auto& a = s.tenant_accounting[tenant];
    a.granted_cpu_seconds += totals.granted_millicpu_ms / 1e6;
    a.used_cpu_seconds += totals.used_cpu_ms / 1e3;
    a.granted_gpu_seconds += totals.granted_gpu_ms / 1e3;
    a.energy_joules += (totals.cpu_energy_uj + totals.gpu_energy_uj) / 1e6;
  }
  for (const auto& [id, grant] : granted_) {
    // Running attempts count as granted up to now, so the counter rises smoothly (and never
    // falls: the attempt's record, when it ends, runs from the same instant to a later one).
    const Job& job = *context_.state.FindJob(id);
    double running_s = static_cast<double>(std::max<int64_t>(0, now - grant.since)) / 1e3;
    auto& a = s.tenant_accounting[job.tenant];
    a.granted_cpu_seconds += job.spec.cpus * job.spec.num_nodes * running_s;
    a.granted_gpu_seconds += job.spec.gpus * job.spec.num_nodes * running_s;
  }
}

}  // namespace sharc::scheduler
