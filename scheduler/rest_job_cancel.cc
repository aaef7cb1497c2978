// POST /v1/jobs/cancel {"ids": [12, "14_3", ...]}: cancels many jobs (or array tasks) in one
// request, which the commit queue stores in one transaction (like `scancel` of many jobs).
// Every id is checked before anything changes: a malformed one refuses the whole request
// (400, naming its index). Otherwise the answer is 200 {"items": [...]}, in request order, each
// the job after the request or {"id": ..., "error": {"code", "message"}} (not found, already
// ended, ...): one job's refusal does not stop the others. Each job is authorized on its own
// (the roles table's cancel_jobs for its owner): another tenant's job is "not found".
#include <memory>
#include <string>
#include <vector>

#include "scheduler/job_queries.h"
#include "scheduler/rest_api.h"
#include "scheduler/rest_responses.h"

namespace sharc::scheduler {
namespace {

using protocol::Json;

constexpr size_t kMaxCancelIds = 100000;

// A job, or a task (index >= 0) of an array job.
struct CancelTarget {
  JobId job;
  int64_t task = -1;
  Json given;  // as the request named it
};

StatusOr<CancelTarget> ParseTarget(const Json& id, size_t index) {
  const std::string where = "ids[" + std::to_string(index) + "]";
  CancelTarget target;
  target.given = id;
  if (id.is_number_integer() && id.get<int64_t>() > 0) {
    target.job = JobId{id.get<int64_t>()};
    return target;
  }
  if (!id.is_string()) {
    return InvalidArgumentError(where + ": a job id (12) or an array task (\"12_3\")");
  }
  std::string text = id.get<std::string>();
  size_t underscore = text.find('_');
  SHARC_ASSIGN_OR_RETURN(int64_t job, ParseInt(where, text.substr(0, underscore), 1, INT64_MAX));
  target.job = JobId{job};
  if (underscore != std::string::npos) {
    SHARC_ASSIGN_OR_RETURN(target.task,
                           ParseInt(where, text.substr(underscore + 1), 0, kMaxArrayIndex));
  }
  return target;
}

StatusOr<std::vector<CancelTarget>> ParseTargets(const net::HttpRequest& request) {
  SHARC_ASSIGN_OR_RETURN(Json body, JsonBody(request));
  if (!body.contains("ids") || !body["ids"].is_array() || body["ids"].empty()) {
    return InvalidArgumentError("ids: a non-empty list of job ids is required");
  }
  if (body.size() != 1) return InvalidArgumentError("body: only \"ids\" is allowed");
  if (body["ids"].size() > kMaxCancelIds) {
    return InvalidArgumentError("ids: at most " + std::to_string(kMaxCancelIds) +
                                " in one request");
  }
  std::vector<CancelTarget> targets;
  for (size_t i = 0; i < body["ids"].size(); ++i) {
    SHARC_ASSIGN_OR_RETURN(CancelTarget target, ParseTarget(body["ids"][i], i));
    targets.push_back(std::move(target));
  }
  return targets;
}

}  // namespace

void RestApi::CancelMany(const AuthorizedRequest& request, const net::Responder& respond) {
  const Principal& who = request.who;
  StatusOr<std::vector<CancelTarget>> targets = ParseTargets(request.http);
  if (!targets.ok()) return respond(ErrorResponse(targets.status()));
  struct Gather {
    std::vector<Json> items;
    size_t left = 0;
  };
  auto gather = std::make_shared<Gather>();
  gather->items.resize(targets->size());
  gather->left = targets->size();
  for (size_t i = 0; i < targets->size(); ++i) {
    const CancelTarget& target = (*targets)[i];
    auto done = [this, gather, i, given = target.given, respond](StatusOr<Job> job) {
      if (job.ok()) {
        gather->items[i] = JobJson(*job);
      } else {
        gather->items[i] = {
            {"id", given},
            {"error",
             {{"code", StatusCodeName(job.status().code())}, {"message", job.status().message()}}}};
      }
      if (--gather->left == 0) respond(JsonResponse(200, {{"items", std::move(gather->items)}}));
    };
    std::optional<std::string> owner = scheduler_.queries().OwnerOf(target.job);
    Status allowed = owner ? Authorize(who, Action::kCancelJobs,
                                       Subject{*owner, "job " + std::to_string(target.job.value)})
                           : JobNotFound(target.job);
    if (!allowed.ok()) {
      done(allowed);
    } else if (target.task >= 0) {
      scheduler_.jobs().CancelTask(who, target.job, target.task, std::move(done));
    } else {
      scheduler_.jobs().Cancel(who, target.job, std::move(done));
    }
  }
}

}  // namespace sharc::scheduler
