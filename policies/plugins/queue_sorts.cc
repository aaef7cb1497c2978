#include "policies/plugins/queue_sorts.h"

#include <algorithm>
#include <tuple>

#include "policies/fair_share.h"

namespace sharc::policies {
namespace {

// Puts the `limit` jobs of smallest `key(job)` first, ascending (a tuple ending in the job id,
// so the order is total): O(n log limit).
template <typename KeyOf>
void SortByKey(std::vector<PendingJob>& jobs, size_t limit, KeyOf key_of) {
  using Key = decltype(key_of(jobs.front()));
  std::vector<std::pair<Key, size_t>> keys;
  keys.reserve(jobs.size());
  for (size_t i = 0; i < jobs.size(); ++i) keys.emplace_back(key_of(jobs[i]), i);
  std::partial_sort(keys.begin(), keys.begin() + std::min(limit, keys.size()), keys.end());
  std::vector<PendingJob> sorted;
  sorted.reserve(jobs.size());
  for (const auto& [key, index] : keys) sorted.push_back(jobs[index]);
  jobs = std::move(sorted);
}

}  // namespace

void FifoSort::Sort(std::vector<PendingJob>& jobs, size_t limit,
                    const CycleContext& /*context*/) const {
  if (jobs.empty()) return;
  SortByKey(jobs, limit, [](const PendingJob& job) {
    return std::make_tuple(-int64_t{job.priority()}, job.submit_time, job.id.value);
  });
}

void FairShareSort::BeginCycle(const CycleContext& context) {
  factors_.clear();
  const TenantsView& tenants = context.tenants;
  auto level = [&](const std::vector<std::string>& siblings, double extra_usage,
                   int64_t extra_share, std::map<std::string, double>& out) {
    double usage_sum = extra_usage;
    int64_t shares_sum = extra_share;
    for (const std::string& name : siblings) {
      usage_sum += tenants.SubtreeOf(name).usage;
      shares_sum += tenants.Find(name)->share;
    }
    for (const std::string& name : siblings) {
      out[name] = FairShareFactor(tenants.SubtreeOf(name).usage, usage_sum,
                                  tenants.Find(name)->share, shares_sum);
    }
    return FairShareFactor(extra_usage, usage_sum, 1, shares_sum);
  };
  std::map<std::string, double> enterprise;
  level(tenants.enterprises(), 0, 0, enterprise);
  for (const auto& [name, factor] : enterprise) {
    const std::vector<std::string>& projects = tenants.ChildrenOf(name);
    std::map<std::string, double> project;
    double own = level(projects, tenants.Find(name)->usage, 1, project);
    factors_[name] = {factor, own};
    for (const auto& [child, child_factor] : project) factors_[child] = {factor, child_factor};
  }
}

std::pair<double, double> FairShareSort::FactorsOf(std::string_view tenant) const {
  auto it = factors_.find(tenant);
  return it == factors_.end() ? std::pair<double, double>{1, 1} : it->second;
}

void FairShareSort::Sort(std::vector<PendingJob>& jobs, size_t limit,
                         const CycleContext& /*context*/) const {
  if (jobs.empty()) return;
  SortByKey(jobs, limit, [this](const PendingJob& job) {
    auto [enterprise, project] = FactorsOf(job.tenant);
    return std::make_tuple(-int64_t{job.priority()}, -enterprise, -project, job.submit_time,
                           job.id.value);
  });
}

}  // namespace sharc::policies
