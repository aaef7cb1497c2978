#include "policies/plugins/tenant_quota.h"

#include <algorithm>
#include <array>

namespace sharc::policies {

bool WithinGuarantee(const TenantQuota& quota, const Resources& held_after,
                     const Resources& request) {
  bool asks_for_guaranteed = false;
  for (const auto& [resource, guaranteed] : quota.guaranteed.entries()) {
    if (held_after.Get(resource) > guaranteed) return false;
    if (request.Get(resource) > 0) asks_for_guaranteed = true;
  }
  return asks_for_guaranteed;
}

std::vector<std::string> QuotaPath(const TenantsView& tenants, std::string_view tenant) {
  std::vector<std::string> path;
  const TenantView* view = tenants.Find(tenant);
  if (view == nullptr) return path;
  if (!view->parent.empty() && tenants.Find(view->parent) != nullptr) path.push_back(view->parent);
  path.push_back(view->name);
  return path;
}

Resources TenantQuotaPlugin::Protected(const Holder& holder) const {
  Resources out;
  const TenantView& t = *holder.tenant;
  for (const auto& [resource, guaranteed] : t.quota.guaranteed.entries()) {
    int64_t unused = std::max<int64_t>(0, guaranteed - holder.held.Get(resource));
    int64_t lent = 0;
    if (!holder.has_pending && !t.disabled) {
      lent = std::min(unused, t.quota.lendable.Get(resource).value_or(unused));
    }
    out.Set(resource, unused - lent);
  }
  return out;
}

void TenantQuotaPlugin::BeginCycle(const CycleContext& context) {
  tenants_ = &context.tenants;
  holders_.clear();
  paths_.clear();
  projects_protected_.clear();
  reserved_.clear();
  capacity_ = context.cluster.schedulable_capacity();
  total_held_ = Resources();
  enterprises_protected_ = Resources();
  for (const auto& [name, tenant] : context.tenants.all()) {
    const SubtreeUsage& subtree = context.tenants.SubtreeOf(name);
    Holder& holder = holders_[name];
    holder.tenant = &tenant;
    holder.held = subtree.held;
    holder.running = subtree.running;
    holder.has_pending = subtree.pending > 0;
    if (tenant.parent.empty()) (void)total_held_.Add(subtree.held);
  }
  for (auto& [name, holder] : holders_) {
    holder.protected_now = Protected(holder);
    const std::string& parent = holder.tenant->parent;
    (void)(parent.empty() ? enterprises_protected_ : projects_protected_[parent])
        .Add(holder.protected_now);
  }
}

void TenantQuotaPlugin::Refresh(const std::string& name) {
  Holder& holder = holders_.find(name)->second;
  Resources& sum = holder.tenant->parent.empty() ? enterprises_protected_
                                                 : projects_protected_[holder.tenant->parent];
  sum.Subtract(holder.protected_now);
  holder.protected_now = Protected(holder);
  (void)sum.Add(holder.protected_now);
}

int64_t TenantQuotaPlugin::OthersProtected(const Path& path, std::string_view resource) const {
  int64_t others = enterprises_protected_.Get(resource);
  if (path.size == 0) return others;
  const Holder& enterprise = *path.levels[0];
  others -= enterprise.protected_now.Get(resource);
  if (auto it = projects_protected_.find(enterprise.tenant->name);
      it != projects_protected_.end()) {
    others += it->second.Get(resource);
  }
  if (path.size > 1) others -= path.levels[1]->protected_now.Get(resource);
  return others;
}

TenantQuotaPlugin::Path TenantQuotaPlugin::PathOf(std::string_view tenant) {
  if (auto known = paths_.find(tenant); known != paths_.end()) return known->second;
  Path path;
  if (const TenantView* view = tenants_->Find(tenant); view != nullptr) {
    if (!view->parent.empty()) {
      if (auto it = holders_.find(view->parent); it != holders_.end()) {
        path.levels[path.size++] = &it->second;
      }
    }
    path.levels[path.size++] = &holders_.find(view->name)->second;
  }
  paths_.emplace(std::string(tenant), path);
  return path;
}

bool TenantQuotaPlugin::AnyProtected() const {
  auto positive = [](const Resources& r) {
    return std::any_of(r.entries().begin(), r.entries().end(),
                       [](const auto& entry) { return entry.second > 0; });
  };
  return positive(enterprises_protected_) ||
         std::any_of(projects_protected_.begin(), projects_protected_.end(),
                     [&](const auto& entry) { return positive(entry.second); });
}

namespace {

// A job's request as (resource, amount) pairs, without building a Resources.
class Demand {
 public:
  explicit Demand(const JobSpec& spec) {
    const int64_t nodes = spec.num_nodes;  // a gang asks for its every node
    Add(kCpuResource, int64_t{spec.cpus} * nodes * kMilliCpusPerCpu);
    Add(kMemoryResource, spec.memory_bytes * nodes);
    Add(kGpuResource, spec.gpus * nodes);
    if (spec.gpus > 0 && !spec.gpu_model.empty()) {
      model_ = GpuModelResource(spec.gpu_model);
      Add(model_, spec.gpus * nodes);
    }
  }
  int64_t Get(std::string_view resource) const {
    for (int i = 0; i < n_; ++i) {
      if (entries_[i].first == resource) return entries_[i].second;
    }
    return 0;
  }
  template <typename F>
  void ForEach(F f) const {
    for (int i = 0; i < n_; ++i) f(entries_[i].first, entries_[i].second);
  }

 private:
  void Add(std::string_view resource, int64_t amount) {
    if (amount > 0) entries_[n_++] = {resource, amount};
  }
  std::string model_;
  std::array<std::pair<std::string_view, int64_t>, 4> entries_;
  int n_ = 0;
};

// WithinGuarantee for held + demand, without building the sum.
bool WithinGuaranteeAfter(const TenantQuota& quota, const Resources& held, const Demand& demand) {
  bool asks_for_guaranteed = false;
  for (const auto& [resource, guaranteed] : quota.guaranteed.entries()) {
    int64_t wanted = demand.Get(resource);
    if (held.Get(resource) + wanted > guaranteed) return false;
    if (wanted > 0) asks_for_guaranteed = true;
  }
  return asks_for_guaranteed;
}

}  // namespace

PluginStatus TenantQuotaPlugin::PreFilter(const PendingJob& job, const CycleContext& /*context*/) {
  const Path path = PathOf(job.tenant);
  const Demand demand(*job.spec);
  auto hold = [&](std::string_view why, std::string message, bool preemption_may_help) {
    PluginStatus status = PluginStatus::Unschedulable(kName, why, std::move(message));
    status.preemption_may_help = preemption_may_help;
    return status;
  };
  for (int i = 0; i < path.size; ++i) {
    if (path.levels[i]->tenant->disabled) {
      return hold(reason::kTenantDisabled,
                  "tenant " + path.levels[i]->tenant->name + " is disabled", false);
    }
  }
  for (int i = 0; i < path.size; ++i) {
    const Holder& h = *path.levels[i];
    const std::string& level = h.tenant->name;
    const TenantQuota& q = h.tenant->quota;
    if (q.max_running_jobs && h.running >= *q.max_running_jobs) {
      return hold(reason::kQuotaRunningJobs,
                  level + " already runs " + std::to_string(h.running) + " jobs, its limit", true);
    }
    for (const auto& [resource, limit] : q.max.entries()) {
      int64_t after = h.held.Get(resource) + demand.Get(resource);
      if (after <= limit) continue;
      return hold(reason::kQuotaMax,
                  level + " would hold " + FormatResourceAmount(resource, after) + " " + resource +
                      "; its max is " + FormatResourceAmount(resource, limit),
                  true);
    }
  }
  if (!AnyProtected()) return PluginStatus::Success();
  std::optional<PluginStatus> held;
  demand.ForEach([&](std::string_view resource, int64_t amount) {
    if (held) return;
    int64_t after = total_held_.Get(resource) + amount;
    int64_t capacity = capacity_.Get(resource);
    // A full cluster is the placement's business (RESOURCES, and reclaim if owed); this plugin
    // holds a job only when what others are guaranteed stands in its way.
    if (after > capacity || after + OthersProtected(path, resource) <= capacity) return;
    for (int i = 0; i < path.size; ++i) {
      const Holder& h = *path.levels[i];
      if (WithinGuaranteeAfter(h.tenant->quota, h.held, demand)) {
        held =
            hold(reason::kReclaiming,
                 "capacity " + h.tenant->name + " is guaranteed is lent out; reclaiming it", true);
        return;
      }
    }
    held = hold(reason::kNoIdleCapacity,
                "no idle " + std::string(resource) + " to borrow beyond " +
                    std::string(job.tenant) + "'s guarantee",
                false);
  });
  return held ? *held : PluginStatus::Success();
}

void TenantQuotaPlugin::Count(const PendingJob& job, int sign) {
  const Resources request = job.spec->Request();
  auto apply = [&](Resources& r) {
    if (sign > 0) {
      (void)r.Add(request);
    } else {
      r.Subtract(request);
    }
  };
  apply(total_held_);
  const Path path = PathOf(job.tenant);
  for (int i = 0; i < path.size; ++i) {
    Holder& h = *path.levels[i];
    apply(h.held);
    h.running += sign;
    Refresh(h.tenant->name);
  }
}

void TenantQuotaPlugin::Reserve(const PendingJob& job, const Placement& /*placement*/,
                                const CycleContext& /*context*/) {
  if (reserved_[job.id]) return;
  reserved_[job.id] = true;
  Count(job, +1);
}

void TenantQuotaPlugin::Unreserve(const PendingJob& job, const Placement& /*placement*/,
                                  const CycleContext& /*context*/) {
  auto it = reserved_.find(job.id);
  if (it == reserved_.end() || !it->second) return;
  it->second = false;
  Count(job, -1);
}

}  // namespace sharc::policies
