// The finished jobs the scheduler no longer holds in memory (retention, or loaded without
// their records at start-up): for each, only its tenant and how it ended, so that a
// dependency on it, a cancel of it, or a look-up of it can be answered without the store.
// Their records stay in the store (store::Store::ReadJob, ReadJobs).
//
// Dense by job id: 5 bytes for every id up to the highest evicted one, so a million finished
// jobs cost about 5 MB. Lives on the state thread; no locks.
#ifndef SHARC_SCHEDULER_EVICTED_JOBS_H_
#define SHARC_SCHEDULER_EVICTED_JOBS_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/ids.h"
#include "core/job.h"

namespace sharc::scheduler {

struct EvictedJob {
  const std::string* tenant = nullptr;  // owned by the index; valid while it lives
  JobState state = JobState::kCompleted;
};

class EvictedJobs {
 public:
  // Precondition: `state` is terminal, and `id` is not already here.
  void Add(JobId id, const std::string& tenant, JobState state);
  std::optional<EvictedJob> Find(JobId id) const;
  int64_t size() const { return size_; }

 private:
  std::vector<uint8_t> states_;    // by id: 0 = not here, else 1 + the JobState
  std::vector<uint32_t> tenants_;  // by id: index into tenant_names_
  std::vector<const std::string*> tenant_names_;
  std::map<std::string, uint32_t> tenant_index_;  // keys are what tenant_names_ point to
  int64_t size_ = 0;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_EVICTED_JOBS_H_
