#include "scheduler/evicted_jobs.h"

#include <cassert>

namespace sharc::scheduler {

void EvictedJobs::Add(JobId id, const std::string& tenant, JobState state) {
  assert(id.value > 0 && IsTerminal(state));
  const size_t at = static_cast<size_t>(id.value);
  if (at >= states_.size()) {
    states_.resize(at + 1, 0);
    tenants_.resize(at + 1, 0);
  }
  assert(states_[at] == 0 && "evicted twice");
  auto [it, added] = tenant_index_.emplace(tenant, static_cast<uint32_t>(tenant_names_.size()));
  if (added) tenant_names_.push_back(&it->first);
  states_[at] = static_cast<uint8_t>(1 + static_cast<int>(state));
  tenants_[at] = it->second;
  ++size_;
}

std::optional<EvictedJob> EvictedJobs::Find(JobId id) const {
  if (id.value <= 0 || static_cast<uint64_t>(id.value) >= states_.size()) return std::nullopt;
  const size_t at = static_cast<size_t>(id.value);
  if (states_[at] == 0) return std::nullopt;
  return EvictedJob{tenant_names_[tenants_[at]], static_cast<JobState>(states_[at] - 1)};
}

}  // namespace sharc::scheduler
