#include "tests/testing/job_history.h"

#include <algorithm>
#include <future>
#include <memory>
#include <vector>

#include "core/file_util.h"
#include "store/sqlite_store.h"

namespace sharc::testing {
namespace {

Job FinishedJob(int64_t id, UnixMillis ended) {
  Job job;
  job.id = JobId{id};
  job.tenant = id % 2 ? "acme" : "globex";
  job.spec.name = "old-" + std::to_string(id);
  job.spec.command = {"true"};
  job.spec.memory_bytes = 1 << 20;
  job.spec.time_limit_seconds = 60;
  job.state = JobState::kCompleted;
  job.attempt = 1;
  job.exit_code = 0;
  job.submit_time = ended - 2000;
  job.start_time = ended - 1000;
  job.end_time = ended;
  return job;
}

}  // namespace

Status SeedFinishedJobs(const std::string& path, int64_t count, UnixMillis ended) {
  SHARC_RETURN_IF_ERROR(MakeDirectories(path.substr(0, path.rfind('/')), 0700));
  store::SqliteStoreOptions options;
  options.path = path;
  options.sync = store::SyncMode::kNormal;
  SHARC_ASSIGN_OR_RETURN(std::unique_ptr<store::Store> store, store::OpenSqliteStore(options));
  Status status;
  for (int64_t first = 1; first <= count && status.ok(); first += 10000) {
    std::vector<store::Mutation> batch;
    for (int64_t id = first; id <= std::min(count, first + 9999); ++id) {
      batch.push_back(store::PutJob{FinishedJob(id, ended)});
    }
    std::promise<Status> committed;
    store->Commit(std::move(batch), [&](Status s) { committed.set_value(s); });
    status = committed.get_future().get();
  }
  store->Close();
  return status;
}

}  // namespace sharc::testing
