#include "scheduler/job_queries.h"

#include <algorithm>
#include <utility>

#include "scheduler/job_lifecycle.h"

namespace sharc::scheduler {

Status JobNotFound(JobId id) {
  return NotFoundError("job " + std::to_string(id.value) + " not found");
}

namespace {

// Whether only jobs that have not ended can match.
bool ActiveOnly(const JobFilter& filter) {
  if (filter.states.empty()) return !filter.all;
  return std::none_of(filter.states.begin(), filter.states.end(), IsTerminal);
}

}  // namespace

bool JobQueries::Matches(const Principal& who, const JobFilter& filter, const Job& job) const {
  if (!who.CanAccess(job.tenant) || JobLifecycle::IsQueuedTask(job)) return false;
  if (!filter.tenant.empty() && job.tenant != filter.tenant) return false;
  if (!filter.name.empty() && job.spec.name != filter.name) return false;
  for (const auto& [key, value] : filter.labels) {
    auto it = job.spec.labels.find(key);
    if (it == job.spec.labels.end() || it->second != value) return false;
  }
  // An array whose tasks wait is listed as pending, whatever its own state.
  const bool waits = job.is_array() && !job.cancel_requested && !IsTerminal(job.state) &&
                     !job.array_unstarted.empty();
  if (!filter.states.empty()) {
    return filter.states.count(job.state) || (waits && filter.states.count(JobState::kPending));
  }
  return filter.all || !IsTerminal(job.state);
}

JobPage JobQueries::ListHeld(const Principal& who, const JobFilter& filter) const {
  const ClusterState& state = context_.state;
  JobPage page;
  auto take = [&](const Job& job) {
    if (!Matches(who, filter, job)) return true;
    if (static_cast<int64_t>(page.jobs.size()) == filter.limit) {
      page.next_after = page.jobs.back()->id;
      return false;
    }
    page.jobs.push_back(&job);
    return true;
  };
  if (ActiveOnly(filter)) {
    for (auto it = state.active().upper_bound(filter.after); it != state.active().end(); ++it) {
      if (!take(*state.FindJob(*it))) break;
    }
    return page;
  }
  for (auto it = state.jobs().upper_bound(filter.after); it != state.jobs().end(); ++it) {
    if (!take(it->second)) break;
  }
  return page;
}

void JobQueries::List(const Principal& who, const JobFilter& filter,
                      std::function<void(StatusOr<JobPage>)> done) const {
  // Memory answers alone unless evicted (finished) jobs may match.
  if (ActiveOnly(filter) || context_.state.evicted().size() == 0) {
    return done(ListHeld(who, filter));
  }
  store::JobQuery query;
  query.after = filter.after;
  query.limit = filter.limit + 1;  // one more: whether a next page exists
  query.tenant = who.is_staff() || !filter.tenant.empty() ? filter.tenant : who.tenant;
  for (JobState s : filter.states) {
    if (IsTerminal(s)) query.states.push_back(s);
  }
  query.name = filter.name;
  query.labels = filter.labels;
  store::Store* store = context_.deps.store;
  InBackground<std::vector<Job>>(
      context_, [store, query] { return store->ReadJobs(query); },
      [this, who, filter, done = std::move(done)](StatusOr<std::vector<Job>> read) {
        if (!read.ok()) return done(read.status());
        // Merge by id: what memory holds now wins; a stored row counts only for a job evicted.
        JobPage held = ListHeld(who, filter);
        JobPage page;
        page.read = std::move(read).value();
        std::vector<const Job*> merged;
        for (const Job& job : page.read) {
          if (!context_.state.FindJob(job.id) && Matches(who, filter, job)) merged.push_back(&job);
        }
        std::vector<const Job*> all;
        std::merge(held.jobs.begin(), held.jobs.end(), merged.begin(), merged.end(),
                   std::back_inserter(all),
                   [](const Job* a, const Job* b) { return a->id < b->id; });
        const bool more = static_cast<int64_t>(all.size()) > filter.limit || held.next_after ||
                          static_cast<int64_t>(page.read.size()) > filter.limit;
        if (static_cast<int64_t>(all.size()) > filter.limit) all.resize(filter.limit);
        page.jobs = std::move(all);
        if (more && !page.jobs.empty()) page.next_after = page.jobs.back()->id;
        done(std::move(page));
      });
}

std::optional<std::string> JobQueries::OwnerOf(JobId id) const {
  if (const Job* job = context_.state.FindJob(id)) return job->tenant;
  std::optional<EvictedJob> evicted = context_.state.evicted().Find(id);
  if (!evicted) return std::nullopt;
  return *evicted->tenant;
}

void JobQueries::Get(const Principal& who, JobId id, Reply<Job> done) const {
  if (const Job* job = context_.state.FindJob(id)) {
    if (!who.CanAccess(job->tenant)) return done(JobNotFound(id));
    return done(*job);
  }
  std::optional<EvictedJob> evicted = context_.state.evicted().Find(id);
  if (!evicted || !who.CanAccess(*evicted->tenant)) return done(JobNotFound(id));
  store::Store* store = context_.deps.store;
  InBackground<Job>(
      context_,
      [store, id]() -> StatusOr<Job> {
        SHARC_ASSIGN_OR_RETURN(std::optional<Job> job, store->ReadJob(id));
        if (!job) return JobNotFound(id);
        return std::move(*job);
      },
      std::move(done));
}

}  // namespace sharc::scheduler
