// The REST API: routes HTTP requests to the Scheduler and renders its answers as JSON.
// README.md's "REST API" section documents every route; errors are
//   {"error": {"code": "...", "message": "..."}} with the status of protocol/rest_errors.h.
//
// Routes (all /v1 routes need "Authorization: Bearer <token>"):
//   GET  /healthz                     liveness, no auth
//   GET  /metrics                     Prometheus text format; open, or (http.metrics_token_file)
//                                     for the metrics token or an admin's
//   GET  /v1/whoami                   the caller: {"role": "tenant", "tenant": "acme"}
//   POST /v1/jobs                     submit one job (object) or many (array)
//   GET  /v1/jobs?all=&state=&tenant= list (default: pending and running)
//   GET  /v1/jobs/{id}                one job
//   POST /v1/jobs/{id}/cancel         cancel (an array job: all its tasks)
//   GET  /v1/jobs/{id}_{i}            task i of array job {id}, once started
//   POST /v1/jobs/{id}_{i}/cancel     cancel task i of array job {id} only
//   GET  /v1/jobs/{id}/output?stream=stdout|stderr&offset=&limit=   output bytes
//   GET  /v1/nodes                    every node
//   POST /v1/nodes/{name}/drain {"reason": "..."}, POST /v1/nodes/{name}/resume   admins
//   GET  /v1/usage                    the caller's tenant: quota use, credit (rest_tenants.cc)
//   GET  /v1/tenants, POST /v1/tenants, GET|PATCH /v1/tenants/{name},
//   POST /v1/tenants/{name}/disable|enable, GET|POST /v1/tenants/{name}/tokens,
//   POST /v1/tokens/{id}/revoke, GET|POST /v1/tenants/{name}/grants,
//   GET  /v1/tenants/{name}/usage, GET /v1/reports/usage?from=&to=&tenant=,
//   POST /v1/ledger/verify
//   GET  /v1/reports/efficiency?from=&to=   admins: the efficiency report (rest_efficiency.cc)
//   GET|POST /v1/facility/readings           admins: the facility energy meter's readings
//   GET  /v1/prometheus/targets       Prometheus HTTP service discovery: the agents' /metrics;
//                                     open, or for the metrics token like /metrics
#ifndef SHARC_SCHEDULER_REST_API_H_
#define SHARC_SCHEDULER_REST_API_H_

#include <functional>
#include <string>

#include "metrics/scheduler_metrics.h"
#include "net/http_server.h"
#include "protocol/job_table_codec.h"
#include "scheduler/auth.h"
#include "scheduler/scheduler.h"

namespace sharc::scheduler {

class RestApi {
 public:
  // All references must outlive this object. `render_metrics` produces the /metrics body.
  // `metrics_token` (may be ""): /metrics and /v1/prometheus/targets then need it, or an
  // admin's token.
  RestApi(Scheduler& scheduler, std::function<std::string()> render_metrics,
          metrics::SchedulerMetrics* metrics, std::string metrics_token = "");

  // Runs on the state thread; responds exactly once.
  void Handle(net::HttpRequest request, net::Responder respond);
  // net::HttpServerOptions::check_head: before a body is read, refuses a request whose token
  // does not authenticate, and answers one for an endpoint that takes no body. Nobody without
  // a valid token makes the scheduler hold a body.
  std::optional<net::HttpResponse> CheckHead(const net::HttpRequest& head);

 private:
  void Route(const net::HttpRequest& request, const net::Responder& respond);
  // Whether `request` may scrape (see the constructor); false after answering 401.
  bool ScrapeAllowed(const net::HttpRequest& request, const net::Responder& respond);
  void Submit(const Principal& who, const net::HttpRequest& request, const net::Responder& respond);
  // POST /v1/jobs/cancel: many jobs in one request (rest_job_cancel.cc).
  void CancelMany(const Principal& who, const net::HttpRequest& request,
                  const net::Responder& respond);
  // GET /v1/jobs (rest_job_list.cc).
  void ListJobs(const Principal& who, const net::HttpRequest& request,
                const net::Responder& respond);
  void Output(const Principal& who, JobId id, const net::HttpRequest& request,
              const net::Responder& respond);
  // The job as REST shows it: its record plus "expected_start" ({"time", "nodes"} from the
  // job's reservation; null when it has none, like squeue --start's N/A).
  protocol::Json JobJson(const Job& job) const;
  // What a job's line in the listing table adds to its record (rest_job_list.cc).
  protocol::JobListingExtras ListingExtras(const Job& job) const;
  // /v1/jobs/<array>_<index>[/cancel]: one task of an array job.
  void Task(const Principal& who, JobId array, int64_t index, const net::HttpRequest& request,
            const std::string& action, const net::Responder& respond);
  // /v1/tenants..., /v1/tokens..., /v1/usage, /v1/reports..., /v1/ledger... (rest_tenants.cc);
  // false if `request` is none of those.
  bool RouteTenants(const Principal& who, const net::HttpRequest& request,
                    const net::Responder& respond);
  // /v1/reports/efficiency and /v1/facility/readings (rest_efficiency.cc), admins.
  // Sub-routers of Route: each answers and returns true, or returns false untouched.
  bool RouteNodes(const Principal& who, const net::HttpRequest& request,
                  const net::Responder& respond);
  bool RouteJob(const Principal& who, const net::HttpRequest& request,
                const net::Responder& respond);
  bool RouteEfficiency(const Principal& who, const net::HttpRequest& request,
                       const net::Responder& respond);
  // /v1/prometheus/targets (rest_efficiency.cc): no token, like /metrics.
  bool RoutePrometheusTargets(const net::HttpRequest& request, const net::Responder& respond);

  Scheduler& scheduler_;
  std::function<std::string()> render_metrics_;
  metrics::SchedulerMetrics* metrics_;
  const std::string metrics_token_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_REST_API_H_
