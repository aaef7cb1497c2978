// GET /v1/jobs: the job listing, with its filters and pages.
//   all=true|false, state=S[,S], tenant=T (staff, or an enterprise for its projects), name=N,
//   label=K=V[,K=V], after=ID, limit=1..10000 (default 1000), view=full|table (default full).
// view=full answers {"items": [...], "next_after": ID | null}; view=table answers the table
// (protocol/job_table_codec.h) with the header X-Sharc-Next-After: ID. Either names the
// `after` of the next page when there may be more.
#include <string>
#include <utility>

#include "core/log.h"
#include "protocol/job_table_codec.h"
#include "scheduler/rest_api.h"
#include "scheduler/rest_responses.h"

namespace sharc::scheduler {
namespace {

// Splits "a,b,c" (empty text: nothing).
std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (!text.empty() && start <= text.size()) {
    size_t comma = text.find(',', start);
    parts.push_back(text.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return parts;
}

Status ParseStates(const std::string& text, JobFilter* filter) {
  for (const std::string& name : SplitCommas(text)) {
    std::optional<JobState> state = ParseJobState(name);
    if (!state) {
      return InvalidArgumentError(
          "state: unknown state '" + name +
          "'; use PENDING, RUNNING, COMPLETED, FAILED, CANCELLED, TIMEOUT, NODE_FAIL or "
          "PREEMPTED");
    }
    filter->states.insert(*state);
  }
  return Status::Ok();
}

Status ParseLabels(const std::string& text, JobFilter* filter) {
  for (const std::string& pair : SplitCommas(text)) {
    size_t eq = pair.find('=');
    if (eq == std::string::npos || eq == 0) {
      return InvalidArgumentError("label: '" + pair + "' is not KEY=VALUE");
    }
    filter->labels[pair.substr(0, eq)] = pair.substr(eq + 1);
  }
  return Status::Ok();
}

StatusOr<JobFilter> ParseJobFilter(const net::HttpRequest& request) {
  JobFilter filter;
  std::string all = Query(request, "all");
  if (!all.empty() && all != "true" && all != "false" && all != "1" && all != "0") {
    return InvalidArgumentError("all: must be true or false");
  }
  filter.all = all == "true" || all == "1";
  SHARC_RETURN_IF_ERROR(ParseStates(Query(request, "state"), &filter));
  filter.tenant = Query(request, "tenant");  // the pipeline authorized it
  filter.name = Query(request, "name");
  SHARC_RETURN_IF_ERROR(ParseLabels(Query(request, "label"), &filter));
  SHARC_ASSIGN_OR_RETURN(int64_t after,
                         ParseInt("after", Query(request, "after", "0"), 0, INT64_MAX));
  filter.after = JobId{after};
  SHARC_ASSIGN_OR_RETURN(
      filter.limit, ParseInt("limit", Query(request, "limit", std::to_string(kDefaultListLimit)), 1,
                             kMaxListLimit));
  return filter;
}

}  // namespace

void RestApi::ListJobs(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<JobFilter> filter = ParseJobFilter(request.http);
  if (!filter.ok()) return respond(ErrorResponse(filter.status()));
  const std::string view = Query(request.http, "view", "full");
  if (view != "full" && view != "table") {
    return respond(ErrorResponse(InvalidArgumentError("view: must be 'full' or 'table'")));
  }
  scheduler_.queries().List(request.who, *filter, [this, view, respond](StatusOr<JobPage> page) {
    if (!page.ok()) return respond(ErrorResponse(page.status()));
    if (view == "full") return respond(FullListing(*page));
    net::HttpResponse response;
    response.status = 200;
    response.content_type = "text/tab-separated-values; charset=utf-8";
    if (page->next_after) {
      response.headers.emplace_back("X-Sharc-Next-After", std::to_string(page->next_after->value));
    }
    response.body.reserve(page->jobs.size() * 200 + 512);
    protocol::AppendJobTableHeader(&response.body);
    for (const Job* job : page->jobs) {
      protocol::AppendJobTableRow(*job, ListingExtras(*job), &response.body);
    }
    respond(std::move(response));
  });
}

// One job at a time, encoded and written out: the text a DOM of the whole page would dump to,
// without the page's DOM (5,000 jobs: ~200,000 map nodes, built, walked and freed).
net::HttpResponse RestApi::FullListing(const JobPage& page) const {
  net::HttpResponse response;
  response.status = 200;
  response.body.reserve(page.jobs.size() * 800 + 64);
  response.body += "{\"items\":[";
  for (size_t i = 0; i < page.jobs.size(); ++i) {
    if (i > 0) response.body += ',';
    response.body += protocol::DumpJson(JobJson(*page.jobs[i]));
  }
  response.body += "],\"next_after\":";
  response.body += page.next_after ? std::to_string(page.next_after->value) : "null";
  response.body += '}';
  return response;
}

protocol::JobListingExtras RestApi::ListingExtras(const Job& job) const {
  protocol::JobListingExtras extras;
  if (job.state == JobState::kPending) {
    if (std::optional<ExpectedStart> start = scheduler_.cycles().ExpectedStartOf(job.id)) {
      extras.expected_start = start->time;
      extras.expected_nodes = start->nodes;
    }
  }
  if (job.is_array()) extras.array_tasks = scheduler_.jobs().ArrayTaskCounts(job);
  return extras;
}

}  // namespace sharc::scheduler
