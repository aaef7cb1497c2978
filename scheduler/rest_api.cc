#include "scheduler/rest_api.h"

#include <charconv>

#include "core/secret.h"
#include "core/version.h"
#include "protocol/job_codec.h"
#include "protocol/job_spec_codec.h"
#include "protocol/node_codec.h"
#include "protocol/rest_errors.h"
#include "scheduler/rest_responses.h"

namespace sharc::scheduler {
namespace {

using protocol::Json;

// sharc_auth_failures_total for a response: 401 (with or without a token) or 403.
void CountAuthFailure(metrics::SchedulerMetrics* metrics, int status, bool had_token) {
  if (status == 401) metrics->CountAuthFailure(had_token ? "bad_token" : "no_token");
  if (status == 403) metrics->CountAuthFailure("forbidden");
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

bool RestApi::ScrapeAllowed(const net::HttpRequest& request, const net::Responder& respond) {
  if (metrics_token_.empty()) return true;
  std::optional<std::string> token = net::BearerToken(request);
  if (token && SecretsEqual(*token, metrics_token_)) return true;
  if (StatusOr<Principal> who = scheduler_.tenants().Authenticate(token);
      who.ok() && who->is_admin()) {
    return true;
  }
  respond(ErrorResponse(UnauthenticatedError(
      "this scheduler gives its metrics for the metrics token (http.metrics_token_file) or an "
      "admin's token: give Prometheus authorization: {credentials_file: ...} (see "
      "configs/prometheus/prometheus.yml)")));
  return false;
}

void RestApi::Handle(net::HttpRequest request, net::Responder respond) {
  net::Responder counted = [respond = std::move(respond), metrics = metrics_,
                            has_token =
                                net::BearerToken(request).has_value()](net::HttpResponse response) {
    if (metrics) {
      metrics->CountHttpResponse(response.status);
      CountAuthFailure(metrics, response.status, has_token);
    }
    respond(std::move(response));
  };
  Route(request, counted);
}

std::optional<net::HttpResponse> RestApi::CheckHead(const net::HttpRequest& head) {
  if (head.path.rfind("/v1/", 0) == 0 && head.path != "/v1/prometheus/targets") {
    StatusOr<Principal> who = scheduler_.tenants().Authenticate(net::BearerToken(head));
    if (who.ok()) return std::nullopt;  // read the body; Route authenticates again
    net::HttpResponse refusal = ErrorResponse(who.status());
    if (metrics_) {
      metrics_->CountHttpResponse(refusal.status);
      metrics_->CountHttpRefused("unauthenticated");
      CountAuthFailure(metrics_, refusal.status, net::BearerToken(head).has_value());
    }
    return refusal;
  }
  // No other endpoint takes a body: answer from the head alone (synchronously).
  std::optional<net::HttpResponse> answer;
  Handle(head, [&answer](net::HttpResponse response) { answer = std::move(response); });
  return answer;
}

void RestApi::Route(const net::HttpRequest& request, const net::Responder& respond) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto method_not_allowed = [&](const char* allowed) {
    respond(MethodNotAllowed(request, allowed));
  };

  if (path == "/healthz") {
    if (method != "GET" && method != "HEAD") return method_not_allowed("GET");
    return respond(JsonResponse(200, {{"status", "ok"}, {"version", Version()}}));
  }
  if (path == "/metrics") {
    if (method != "GET") return method_not_allowed("GET");
    if (!ScrapeAllowed(request, respond)) return;
    net::HttpResponse r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = render_metrics_();
    return respond(std::move(r));
  }
  if (path.rfind("/v1/", 0) != 0) {
    return respond(ErrorResponse(NotFoundError("no such endpoint: " + path)));
  }
  if (RoutePrometheusTargets(request, respond)) return;
  StatusOr<Principal> who = scheduler_.tenants().Authenticate(net::BearerToken(request));
  if (!who.ok()) return respond(ErrorResponse(who.status()));
  if (method != "GET" && method != "HEAD") {
    // A change people ask for is refused before it is made when the disk is nearly full.
    if (Status room = scheduler_.CheckRoomForChange(); !room.ok()) {
      return respond(ErrorResponse(room));
    }
  }

  if (path == "/v1/whoami") {
    return respond(JsonResponse(
        200, {{"role", who->is_admin() ? "admin" : "tenant"},
              {"tenant", who->tenant},
              {"token_role", who->is_admin() ? "admin" : TokenRoleName(who->token_role)},
              {"token_name", who->name}}));
  }
  if (RouteTenants(*who, request, respond)) return;
  if (RouteEfficiency(*who, request, respond)) return;
  if (RouteNodes(*who, request, respond)) return;
  if (path == "/v1/jobs") {
    if (method == "POST") return Submit(*who, request, respond);
    if (method == "GET") return ListJobs(*who, request, respond);
    return method_not_allowed("GET, POST");
  }
  if (path == "/v1/jobs/cancel") {
    if (method == "POST") return CancelMany(*who, request, respond);
    return method_not_allowed("POST");
  }
  if (RouteJob(*who, request, respond)) return;
  respond(ErrorResponse(NotFoundError("no such endpoint: " + path)));
}

// GET /v1/nodes, POST /v1/nodes/{name}/drain|resume|reset_credential; false if `request` is not
// one of them.
bool RestApi::RouteNodes(const Principal& who, const net::HttpRequest& request,
                         const net::Responder& respond) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto method_not_allowed = [&](const char* allowed) {
    respond(MethodNotAllowed(request, allowed));
  };
  if (path == "/v1/nodes") {
    if (method != "GET") {
      method_not_allowed("GET");
      return true;
    }
    Json items = Json::array();
    for (const NodeStatus& node : scheduler_.nodes().ListNodes()) items.push_back(EncodeNode(node));
    respond(JsonResponse(200, {{"items", std::move(items)}}));
    return true;
  }
  if (path.rfind("/v1/nodes/", 0) == 0) {
    std::string rest = path.substr(std::string("/v1/nodes/").size());
    size_t slash = rest.find('/');
    std::string name = rest.substr(0, slash);
    std::string action = slash == std::string::npos ? "" : rest.substr(slash + 1);
    auto reply = [respond](StatusOr<NodeStatus> node) {
      if (!node.ok()) return respond(ErrorResponse(node.status()));
      respond(JsonResponse(200, EncodeNode(*node)));
    };
    if (action == "drain") {
      if (method != "POST") {
        method_not_allowed("POST");
        return true;
      }
      StatusOr<Json> body = JsonBody(request);
      if (!body.ok()) {
        respond(ErrorResponse(body.status()));
        return true;
      }
      protocol::FieldReader r(*body, "");
      std::string why;
      r.RequiredString("reason", &why);
      if (Status s = r.Finish(); !s.ok()) {
        respond(ErrorResponse(s));
        return true;
      }
      scheduler_.nodes().DrainNode(who, name, why, reply);
      return true;
    }
    if (action == "resume" || action == "reset_credential") {
      if (method != "POST") {
        method_not_allowed("POST");
        return true;
      }
      if (action == "resume") {
        scheduler_.nodes().ResumeNode(who, name, reply);
      } else {
        scheduler_.nodes().ResetNodeCredential(who, name, reply);
      }
      return true;
    }
  }
  return false;
}

// /v1/jobs/{id}[_{task}][/cancel|/output]; false if `request` is not one of them.
bool RestApi::RouteJob(const Principal& who, const net::HttpRequest& request,
                       const net::Responder& respond) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto method_not_allowed = [&](const char* allowed) {
    respond(MethodNotAllowed(request, allowed));
  };
  const std::string prefix = "/v1/jobs/";
  if (path.rfind(prefix, 0) == 0) {
    std::string rest = path.substr(prefix.size());
    std::string action;
    if (size_t slash = rest.find('/'); slash != std::string::npos) {
      action = rest.substr(slash + 1);
      rest = rest.substr(0, slash);
    }
    // "12_5": task 5 of array job 12.
    std::optional<int64_t> task;
    if (size_t underscore = rest.find('_'); underscore != std::string::npos) {
      StatusOr<int64_t> index =
          ParseInt("array task index", rest.substr(underscore + 1), 0, kMaxArrayIndex);
      if (!index.ok()) {
        respond(ErrorResponse(index.status()));
        return true;
      }
      task = *index;
      rest = rest.substr(0, underscore);
    }
    StatusOr<int64_t> id = ParseInt("job id", rest, 1, INT64_MAX);
    if (!id.ok()) {
      respond(ErrorResponse(id.status()));
      return true;
    }
    JobId job_id{*id};
    if (task) {
      Task(who, job_id, *task, request, action, respond);
      return true;
    }
    if (action.empty()) {
      if (method != "GET") {
        method_not_allowed("GET");
        return true;
      }
      scheduler_.queries().Get(who, job_id, [this, respond](StatusOr<Job> job) {
        if (!job.ok()) return respond(ErrorResponse(job.status()));
        respond(JsonResponse(200, JobJson(*job)));
      });
      return true;
    }
    if (action == "cancel") {
      if (method != "POST") {
        method_not_allowed("POST");
        return true;
      }
      scheduler_.jobs().Cancel(who, job_id, [this, respond](StatusOr<Job> job) {
        if (!job.ok()) return respond(ErrorResponse(job.status()));
        respond(JsonResponse(200, JobJson(*job)));
      });
      return true;
    }
    if (action == "output") {
      if (method != "GET") {
        method_not_allowed("GET");
        return true;
      }
      Output(who, job_id, request, respond);
      return true;
    }
  }
  return false;
}

void RestApi::Task(const Principal& who, JobId array, int64_t index,
                   const net::HttpRequest& request, const std::string& action,
                   const net::Responder& respond) {
  const std::string& method = request.method;
  if (action.empty()) {
    if (method != "GET") return respond(MethodNotAllowed(request, "GET"));
    StatusOr<const Job*> job = scheduler_.jobs().GetTask(who, array, index);
    if (!job.ok()) return respond(ErrorResponse(job.status()));
    return respond(JsonResponse(200, JobJson(**job)));
  }
  if (action == "cancel") {
    if (method != "POST") return respond(MethodNotAllowed(request, "POST"));
    return scheduler_.jobs().CancelTask(who, array, index, [this, respond](StatusOr<Job> job) {
      if (!job.ok()) return respond(ErrorResponse(job.status()));
      respond(JsonResponse(200, JobJson(*job)));
    });
  }
  if (action == "output") {
    if (method != "GET") return respond(MethodNotAllowed(request, "GET"));
    StatusOr<const Job*> job = scheduler_.jobs().GetTask(who, array, index);
    if (!job.ok()) return respond(ErrorResponse(job.status()));
    return Output(who, (*job)->id, request, respond);
  }
  respond(ErrorResponse(NotFoundError("no such endpoint: /v1/jobs/" + std::to_string(array.value) +
                                      "_" + std::to_string(index) + "/" + action)));
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

void RestApi::Submit(const Principal& who, const net::HttpRequest& request,
                     const net::Responder& respond) {
  StatusOr<Json> body = JsonBody(request);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  bool bulk = false;
  StatusOr<std::vector<protocol::SubmitItem>> items = protocol::DecodeSubmitBody(*body, &bulk);
  if (!items.ok()) {
    if (metrics_ && !who.is_admin()) metrics_->CountSubmissions(who.tenant, "invalid", 1);
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
