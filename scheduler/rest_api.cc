#include "scheduler/rest_api.h"

#include <charconv>

#include "core/secret.h"
#include "core/version.h"
#include "protocol/job_codec.h"
#include "protocol/job_spec_codec.h"
#include "protocol/node_codec.h"
#include "protocol/rest_errors.h"
#include "scheduler/job_queries.h"
#include "scheduler/rest_responses.h"

namespace sharc::scheduler {
namespace {

using protocol::Json;

constexpr size_t kAuditedBodyBytes = 1024;

// Who the audit log says called: "admin:ops", "tenant:acme/ci".
std::string ActorOf(const Principal& who) {
  if (who.is_staff()) return std::string(RoleName(who)) + ":" + who.name;
  return "tenant:" + who.tenant + "/" + who.name;
}

// How the audit log names a caller whose token did not authenticate.
std::string UnauthenticatedActor(const std::optional<std::string>& token) {
  if (!token) return "anonymous";
  return "token sha256:" + Sha256Hex(*token).substr(0, 12);
}

std::string RequestLine(const net::HttpRequest& request) {
  return request.method + " " + request.path;
}

StatusOr<JobRef> ParseJobRef(const std::string& text) {
  JobRef ref;
  size_t underscore = text.find('_');
  if (underscore != std::string::npos) {
    SHARC_ASSIGN_OR_RETURN(
        ref.task, ParseInt("array task index", text.substr(underscore + 1), 0, kMaxArrayIndex));
  }
  SHARC_ASSIGN_OR_RETURN(int64_t id, ParseInt("job id", text.substr(0, underscore), 1, INT64_MAX));
  ref.id = JobId{id};
  return ref;
}

constexpr int64_t kDefaultOutputLimit = 1 << 20;
constexpr int64_t kMaxOutputLimit = 16 << 20;

Json EncodeNode(const NodeStatus& node) {
  const NodeInventory& inv = node.record.inventory;
  Json models = Json::array();
  for (const GpuInfo& gpu : inv.topology.gpus) {
    if (!gpu.model.empty() && std::find(models.begin(), models.end(), gpu.model) == models.end()) {
      models.push_back(gpu.model);
    }
  }
  return Json{
      {"name", inv.name},
      {"state", NodeStateName(node.record.state)},
      {"reason", node.record.reason},
      {"connected", node.connected},
      {"binding", inv.binding_simulated ? "simulated" : "real"},
      {"labels", inv.labels},
      {"cpus", node.capacity.Get(kCpuResource) / kMilliCpusPerCpu},
      {"cpus_allocated", node.allocated.Get(kCpuResource) / kMilliCpusPerCpu},
      {"mem_bytes", node.capacity.Get(kMemoryResource)},
      {"mem_allocated_bytes", node.allocated.Get(kMemoryResource)},
      {"gpus", node.capacity.Get(kGpuResource)},
      {"gpus_allocated", node.allocated.Get(kGpuResource)},
      {"gpu_models", models},
      {"running_jobs", node.running_jobs},
      {"heartbeat_age_ms", node.heartbeat_age.count()},
      {"last_seen",
       node.record.last_seen ? Json(FormatRfc3339(node.record.last_seen)) : Json(nullptr)},
      {"agent_version", inv.agent_version},
      {"metrics_url", inv.metrics_url},
      {"address", inv.address},
      {"enforcement", inv.enforcement},
      {"topology", protocol::EncodeTopology(inv.topology)},
  };
}

}  // namespace

RestApi::RestApi(Scheduler& scheduler, std::function<std::string()> render_metrics,
                 metrics::SchedulerMetrics* metrics, std::string metrics_token)
    : scheduler_(scheduler),
      render_metrics_(std::move(render_metrics)),
      metrics_(metrics),
      metrics_token_(std::move(metrics_token)) {}

const std::string& AuthorizedRequest::Param(std::string_view name) const {
  static const std::string kNone;
  auto it = params.find(name);
  return it == params.end() ? kNone : it->second;
}

void RestApi::Refuse(const net::HttpRequest& request, const Status& status, std::string_view action,
                     const std::string& actor, bool unauthenticated, Admission* admission) {
  admission->refusal = ErrorResponse(status);
  if (metrics_) {
    const bool had_token = net::BearerToken(request).has_value();
    metrics_->CountAuthFailure(!unauthenticated ? "forbidden"
                               : had_token      ? "bad_token"
                                                : "no_token");
  }
  scheduler_.audit().Append({.actor = actor,
                             .action = std::string(action),
                             .request = RequestLine(request),
                             .peer = request.peer,
                             .status = admission->refusal->status,
                             .detail = status.message(),
                             .unauthenticated = unauthenticated});
}

RestApi::Caller RestApi::Authenticate(const net::HttpRequest& request, Action action,
                                      Admission* admission) {
  std::optional<std::string> token = net::BearerToken(request);
  if (action == Action::kScrape &&
      (metrics_token_.empty() || (token && SecretsEqual(*token, metrics_token_)))) {
    return Caller::kScraper;
  }
  StatusOr<Principal> who = scheduler_.tenants().Authenticate(token);
  if (!who.ok()) {
    Status refusal = who.status();
    if (action == Action::kScrape) {
      refusal = UnauthenticatedError(
          "this scheduler gives its metrics for the metrics token (http.metrics_token_file) or "
          "a staff token: give Prometheus authorization: {credentials_file: ...} (see "
          "configs/prometheus/prometheus.yml)");
    }
    Refuse(request, refusal, "authenticate", UnauthenticatedActor(token), true, admission);
    return Caller::kRefused;
  }
  admission->who = std::move(*who);
  return Caller::kPrincipal;
}

StatusOr<std::optional<Subject>> RestApi::SubjectOf(const Route& route,
                                                    const net::HttpRequest& request,
                                                    Admission* admission) const {
  switch (route.subject) {
    case SubjectFrom::kNone:
      return std::optional<Subject>();
    case SubjectFrom::kTenantPath: {
      const std::string& tenant = admission->params.at("tenant");
      return std::optional<Subject>(Subject{tenant, "tenant " + tenant});
    }
    case SubjectFrom::kTenantQuery: {
      std::string tenant = Query(request, "tenant");
      if (tenant.empty()) return std::optional<Subject>();
      return std::optional<Subject>(Subject{tenant, "tenant " + tenant});
    }
    case SubjectFrom::kJobPath:
      break;
  }
  SHARC_ASSIGN_OR_RETURN(admission->job, ParseJobRef(admission->params.at("job")));
  std::optional<std::string> owner = scheduler_.queries().OwnerOf(admission->job->id);
  if (!owner) return JobNotFound(admission->job->id);
  return std::optional<Subject>(Subject{*owner, "job " + std::to_string(admission->job->id.value)});
}

RestApi::Admission RestApi::Admit(const net::HttpRequest& request) {
  Admission admission;
  std::variant<RouteMatch, RouteMiss> found = FindRoute(Routes(), request.method, request.path);
  if (RouteMiss* miss = std::get_if<RouteMiss>(&found)) {
    admission.refusal = miss->allowed.empty() ? ErrorResponse(miss->status)
                                              : MethodNotAllowed(request, miss->allowed);
    return admission;
  }
  RouteMatch& match = std::get<RouteMatch>(found);
  admission.route = &Routes()[match.index];
  admission.params = std::move(match.params);
  if (!admission.route->action) return admission;
  const Action action = *admission.route->action;
  if (Authenticate(request, action, &admission) != Caller::kPrincipal) return admission;
  StatusOr<std::optional<Subject>> subject = SubjectOf(*admission.route, request, &admission);
  if (!subject.ok()) {
    admission.refusal = ErrorResponse(subject.status());
    return admission;
  }
  if (Status allowed = Authorize(admission.who, action, *subject); !allowed.ok()) {
    Refuse(request, allowed, ActionName(action), ActorOf(admission.who), false, &admission);
    return admission;
  }
  if (Status names = CheckQueryNames(
          admission.route->query, request.query,
          std::string(admission.route->method) + " " + std::string(admission.route->pattern));
      !names.ok()) {
    admission.refusal = ErrorResponse(names);
    return admission;
  }
  if (IsChange(action)) {
    // A change people ask for is refused before it is made when the disk is nearly full.
    if (Status room = scheduler_.CheckRoomForChange(); !room.ok()) {
      admission.refusal = ErrorResponse(room);
    }
  }
  return admission;
}

void RestApi::AuditChangeThenRespond(const net::HttpRequest& request, const Principal& who,
                                     Action action, net::HttpResponse response,
                                     const net::Responder& respond) {
  std::string detail;
  if (response.status >= 400) {
    detail = response.body;  // the error's JSON
  } else if (!request.body.empty()) {
    detail = request.body.substr(0, kAuditedBodyBytes);
    if (request.body.size() > kAuditedBodyBytes) detail += "...";
  }
  const int status = response.status;
  scheduler_.audit().Append(
      {.actor = ActorOf(who),
       .action = std::string(ActionName(action)),
       .request = RequestLine(request),
       .peer = request.peer,
       .status = status,
       .detail = std::move(detail)},
      [respond, response = std::move(response)]() mutable { respond(std::move(response)); });
}

void RestApi::Handle(net::HttpRequest request, net::Responder respond) {
  Admission admission = Admit(request);
  if (metrics_) {
    respond = [respond = std::move(respond), metrics = metrics_](net::HttpResponse response) {
      metrics->CountHttpResponse(response.status);
      respond(std::move(response));
    };
  }
  if (admission.refusal) return respond(std::move(*admission.refusal));
  const Route& route = *admission.route;
  if (route.action && IsChange(*route.action) && admission.who.is_staff()) {
    // The audit entry records the answer, so it is written when the answer is known, and
    // the answer waits for it.
    respond = [this, respond = std::move(respond), request, who = admission.who,
               action = *route.action](net::HttpResponse response) {
      AuditChangeThenRespond(request, who, action, std::move(response), respond);
    };
  }
  AuthorizedRequest authorized{request, admission.who, admission.params, admission.job};
  (this->*route.handler)(authorized, respond);
}

std::optional<net::HttpResponse> RestApi::CheckHead(const net::HttpRequest& head) {
  Admission admission = Admit(head);
  if (admission.refusal) {
    if (metrics_) {
      metrics_->CountHttpResponse(admission.refusal->status);
      if (admission.refusal->status == 401) metrics_->CountHttpRefused("unauthenticated");
      if (admission.refusal->status == 403) metrics_->CountHttpRefused("forbidden");
    }
    return admission.refusal;
  }
  const std::optional<Action> action = admission.route->action;
  if (action && action != Action::kScrape) return std::nullopt;  // read the body, then Handle
  // Health and scrapes take no body: answer from the head alone (synchronously).
  std::optional<net::HttpResponse> answer;
  Handle(head, [&answer](net::HttpResponse response) { answer = std::move(response); });
  return answer;
}

void RestApi::Health(const AuthorizedRequest&, const net::Responder& respond) {
  respond(JsonResponse(200, {{"status", "ok"}, {"version", Version()}}));
}

void RestApi::Metrics(const AuthorizedRequest&, const net::Responder& respond) {
  net::HttpResponse r;
  r.content_type = "text/plain; version=0.0.4; charset=utf-8";
  r.body = render_metrics_();
  respond(std::move(r));
}

void RestApi::WhoAmI(const AuthorizedRequest& request, const net::Responder& respond) {
  const Principal& who = request.who;
  respond(JsonResponse(200, {{"role", who.is_staff() ? RoleName(who) : "tenant"},
                             {"tenant", who.tenant},
                             {"token_role", RoleName(who)},
                             {"token_name", who.name}}));
}

void RestApi::ListNodes(const AuthorizedRequest&, const net::Responder& respond) {
  Json items = Json::array();
  for (const NodeStatus& node : scheduler_.nodes().ListNodes()) items.push_back(EncodeNode(node));
  respond(JsonResponse(200, {{"items", std::move(items)}}));
}

namespace {

Reply<NodeStatus> NodeReply(const net::Responder& respond) {
  return [respond](StatusOr<NodeStatus> node) {
    if (!node.ok()) return respond(ErrorResponse(node.status()));
    respond(JsonResponse(200, EncodeNode(*node)));
  };
}

}  // namespace

void RestApi::DrainNode(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Json> body = JsonBody(request.http);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  protocol::FieldReader r(*body, "");
  std::string why;
  r.RequiredString("reason", &why);
  if (Status s = r.Finish(); !s.ok()) return respond(ErrorResponse(s));
  scheduler_.nodes().DrainNode(request.who, request.Param("node"), why, NodeReply(respond));
}

void RestApi::ResumeNode(const AuthorizedRequest& request, const net::Responder& respond) {
  scheduler_.nodes().ResumeNode(request.who, request.Param("node"), NodeReply(respond));
}

void RestApi::RevokeNode(const AuthorizedRequest& request, const net::Responder& respond) {
  scheduler_.nodes().RevokeNode(request.who, request.Param("node"), NodeReply(respond));
}

void RestApi::IssueJoinToken(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Json> body = JsonBody(request.http);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  protocol::FieldReader r(*body, "");
  std::chrono::milliseconds lifetime = std::chrono::hours(1);
  r.OptionalDuration("expires_in", &lifetime);
  if (Status s = r.Finish(); !s.ok()) return respond(ErrorResponse(s));
  scheduler_.nodes().IssueJoinToken(
      request.who, request.Param("node"), lifetime,
      [respond](StatusOr<std::pair<store::JoinTokenRecord, std::string>> issued) {
        if (!issued.ok()) return respond(ErrorResponse(issued.status()));
        const store::JoinTokenRecord& record = issued->first;
        respond(JsonResponse(201, {{"node", record.node},
                                   {"token", issued->second},
                                   {"created", FormatRfc3339(record.created)},
                                   {"expires", FormatRfc3339(record.expires)},
                                   {"issued_by", record.issued_by}}));
      });
}

void RestApi::GetJob(const AuthorizedRequest& request, const net::Responder& respond) {
  const JobRef& ref = *request.job;
  if (ref.task) {
    StatusOr<const Job*> job = scheduler_.jobs().GetTask(request.who, ref.id, *ref.task);
    if (!job.ok()) return respond(ErrorResponse(job.status()));
    return respond(JsonResponse(200, JobJson(**job)));
  }
  scheduler_.queries().Get(request.who, ref.id, [this, respond](StatusOr<Job> job) {
    if (!job.ok()) return respond(ErrorResponse(job.status()));
    respond(JsonResponse(200, JobJson(*job)));
  });
}

void RestApi::CancelJob(const AuthorizedRequest& request, const net::Responder& respond) {
  const JobRef& ref = *request.job;
  auto reply = [this, respond](StatusOr<Job> job) {
    if (!job.ok()) return respond(ErrorResponse(job.status()));
    respond(JsonResponse(200, JobJson(*job)));
  };
  if (ref.task) return scheduler_.jobs().CancelTask(request.who, ref.id, *ref.task, reply);
  scheduler_.jobs().Cancel(request.who, ref.id, reply);
}

void RestApi::JobOutput(const AuthorizedRequest& request, const net::Responder& respond) {
  const JobRef& ref = *request.job;
  if (!ref.task) return Output(request.who, ref.id, request.http, respond);
  StatusOr<const Job*> job = scheduler_.jobs().GetTask(request.who, ref.id, *ref.task);
  if (!job.ok()) return respond(ErrorResponse(job.status()));
  Output(request.who, (*job)->id, request.http, respond);
}

protocol::Json RestApi::JobJson(const Job& job) const {
  Json j = protocol::EncodeJob(job);
  std::optional<ExpectedStart> start;
  if (job.state == JobState::kPending) start = scheduler_.cycles().ExpectedStartOf(job.id);
  j["expected_start"] =
      start ? Json{{"time", FormatRfc3339(start->time)}, {"nodes", start->nodes}} : Json(nullptr);
  if (job.is_array()) {
    Json counts = Json::object();
    for (const auto& [state, n] : scheduler_.jobs().ArrayTaskCounts(job)) {
      counts[std::string(JobStateName(state))] = n;
    }
    j["array_tasks"] = std::move(counts);
  }
  return j;
}

void RestApi::Submit(const AuthorizedRequest& request, const net::Responder& respond) {
  const Principal& who = request.who;
  StatusOr<Json> body = JsonBody(request.http);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  bool bulk = false;
  StatusOr<std::vector<protocol::SubmitItem>> items = protocol::DecodeSubmitBody(*body, &bulk);
  if (!items.ok()) {
    if (metrics_) metrics_->CountSubmissions(who.tenant, "invalid", 1);
    return respond(ErrorResponse(items.status()));
  }
  scheduler_.jobs().Submit(who, std::move(*items),
                           [this, respond, bulk](StatusOr<SubmitOutcome> outcome) {
                             if (!outcome.ok()) return respond(ErrorResponse(outcome.status()));
                             int status = outcome->created ? 201 : 200;
                             if (!bulk)
                               return respond(JsonResponse(status, JobJson(outcome->jobs.front())));
                             Json items = Json::array();
                             for (const Job& job : outcome->jobs) items.push_back(JobJson(job));
                             respond(JsonResponse(status, {{"items", std::move(items)}}));
                           });
}

void RestApi::Output(const Principal& who, JobId id, const net::HttpRequest& request,
                     const net::Responder& respond) {
  StatusOr<int64_t> offset = ParseInt("offset", Query(request, "offset", "0"), 0, INT64_MAX);
  StatusOr<int64_t> limit = ParseInt(
      "limit", Query(request, "limit", std::to_string(kDefaultOutputLimit)), 1, kMaxOutputLimit);
  StatusOr<int64_t> rank = ParseInt("rank", Query(request, "rank", "0"), 0, kMaxNodesPerJob - 1);
  if (!offset.ok()) return respond(ErrorResponse(offset.status()));
  if (!limit.ok()) return respond(ErrorResponse(limit.status()));
  if (!rank.ok()) return respond(ErrorResponse(rank.status()));
  scheduler_.nodes().ReadOutput(who, id, Query(request, "stream", "stdout"), *rank, *offset, *limit,
                                [respond](StatusOr<OutputChunk> chunk) {
                                  if (!chunk.ok()) return respond(ErrorResponse(chunk.status()));
                                  net::HttpResponse r;
                                  r.content_type = "application/octet-stream";
                                  r.body = std::move(chunk->data);
                                  r.headers.emplace_back("X-Sharc-Output-Size",
                                                         std::to_string(chunk->total_size));
                                  respond(std::move(r));
                                });
}

}  // namespace sharc::scheduler
