#include "scheduler/job_arrays.h"

namespace sharc::scheduler {

void JobArrays::Track(const Job& job) {
  if (job.is_array()) {
    entries_[job.id];
    if (!IsTerminal(job.state)) live_.insert(job.id);
    return;
  }
  if (!job.is_array_task()) return;
  Entry& entry = entries_[job.array_job];
  entry.started[job.array_task] = job.id;
  if (!IsTerminal(job.state)) ++entry.active;
}

JobArrays::Entry* JobArrays::Find(JobId array) {
  auto it = entries_.find(array);
  return it == entries_.end() ? nullptr : &it->second;
}

const JobArrays::Entry* JobArrays::Find(JobId array) const {
  auto it = entries_.find(array);
  return it == entries_.end() ? nullptr : &it->second;
}

}  // namespace sharc::scheduler
