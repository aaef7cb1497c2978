// The REST API: one pipeline for every request, then a handler that renders the Scheduler's
// answer as JSON. README.md's "REST API" section documents every route; errors are
//   {"error": {"code": "...", "message": "..."}} with the status of protocol/rest_errors.h.
//
// The route table (Routes(), rest_routes.cc) lists each route as {method, path pattern, action,
// subject, handler}. Every request goes through the same steps:
//   route       the table finds the route (404 for an unknown path, 405 with Allow for a
//               known path and another method)
//   authenticate   the bearer token (401); routes without an action (health) need none, and
//               the scrape routes take the metrics token too (http.metrics_token_file) or are
//               open without one
//   authorize   the roles table (authorization.h) for the route's action and the subject the
//               path names: a tenant, or a job's owner (403, or 404 for another tenant's)
//   room        a change is refused while the disk is nearly full (503)
//   audit       refusals of steps 2-3, and every change by staff, go to the audit log
//   handler     gets an AuthorizedRequest and checks nothing itself
// CheckHead runs the same steps on a request's head, so that nobody the pipeline would refuse
// makes the scheduler read and hold a body.
#ifndef SHARC_SCHEDULER_REST_API_H_
#define SHARC_SCHEDULER_REST_API_H_

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "metrics/scheduler_metrics.h"
#include "net/http_server.h"
#include "protocol/job_table_codec.h"
#include "scheduler/auth.h"
#include "scheduler/authorization.h"
#include "scheduler/job_queries.h"
#include "scheduler/rest_route_table.h"
#include "scheduler/scheduler.h"

namespace sharc::scheduler {

// A job a path names: "12", or "12_5" for task 5 of array job 12.
struct JobRef {
  JobId id;
  std::optional<int64_t> task;
};

// Where a route's subject, the tenant whose object the request is about, comes from.
enum class SubjectFrom {
  kNone,         // not one tenant's object (listings scope themselves to the caller)
  kTenantPath,   // the {tenant} of the path
  kTenantQuery,  // the ?tenant= filter, when given
  kJobPath,      // the owner of the {job} of the path
};

// A request that the pipeline let through: its caller may do the route's action to its subject.
struct AuthorizedRequest {
  const net::HttpRequest& http;
  const Principal& who;  // default (no tenant) for routes open to anyone
  const PathParams& params;
  std::optional<JobRef> job;  // for SubjectFrom::kJobPath

  const std::string& Param(std::string_view name) const;
};

class RestApi {
 public:
  using Handler = void (RestApi::*)(const AuthorizedRequest&, const net::Responder&);
  struct Route {
    std::string_view method;
    std::string_view pattern;      // rest_route_table.h
    std::optional<Action> action;  // nullopt: open to anyone, no token
    SubjectFrom subject = SubjectFrom::kNone;
    Handler handler = nullptr;
    // The query parameters its handler reads, comma-separated; any other is refused (400).
    std::string_view query = "";
  };
  // Every route, in matching order.
  static const std::vector<Route>& Routes();

  // All references must outlive this object. `render_metrics` produces the /metrics body.
  // `metrics_token` (may be ""): /metrics and /v1/prometheus/targets then need it, or a token
  // whose role may scrape.
  RestApi(Scheduler& scheduler, std::function<std::string()> render_metrics,
          metrics::SchedulerMetrics* metrics, std::string metrics_token = "");

  // Runs on the state thread; responds exactly once.
  void Handle(net::HttpRequest request, net::Responder respond);
  // net::HttpServerOptions::check_head: the pipeline's refusal of a request from its head
  // alone, or the answer of a route that takes no body (health, scrapes); nullopt to read the
  // body and Handle the request.
  std::optional<net::HttpResponse> CheckHead(const net::HttpRequest& head);

 private:
  // The pipeline's verdict on a request before its handler runs.
  struct Admission {
    const Route* route = nullptr;
    PathParams params;
    Principal who;
    std::optional<JobRef> job;
    std::optional<net::HttpResponse> refusal;
  };
  // Runs route, authenticate, authorize and room; counts and audits refusals.
  Admission Admit(const net::HttpRequest& request);
  enum class Caller {
    kRefused,    // admission->refusal is set
    kScraper,    // a scrape that is open, or with the metrics token
    kPrincipal,  // admission->who is set
  };
  // Authenticates the caller of a route with `action`.
  Caller Authenticate(const net::HttpRequest& request, Action action, Admission* admission);
  // The subject of `route`'s request; sets admission->job for a job path.
  StatusOr<std::optional<Subject>> SubjectOf(const Route& route, const net::HttpRequest& request,
                                             Admission* admission) const;
  void Refuse(const net::HttpRequest& request, const Status& status, std::string_view action,
              const std::string& actor, bool unauthenticated, Admission* admission);
  // Writes the audit entry for a staff member's change and its answer, then (once the entry
  // is durable) sends the answer: nothing is acknowledged that the audit log would not show.
  void AuditChangeThenRespond(const net::HttpRequest& request, const Principal& who, Action action,
                              net::HttpResponse response, const net::Responder& respond);

  // Handlers, one per route (rest_api.cc unless said otherwise).
  void Health(const AuthorizedRequest& request, const net::Responder& respond);
  void Metrics(const AuthorizedRequest& request, const net::Responder& respond);
  void WhoAmI(const AuthorizedRequest& request, const net::Responder& respond);
  void Submit(const AuthorizedRequest& request, const net::Responder& respond);
  void ListJobs(const AuthorizedRequest& request, const net::Responder& respond);  // rest_job_list
  void CancelMany(const AuthorizedRequest& request,
                  const net::Responder& respond);  // rest_job_cancel.cc
  void GetJob(const AuthorizedRequest& request, const net::Responder& respond);
  void CancelJob(const AuthorizedRequest& request, const net::Responder& respond);
  void JobOutput(const AuthorizedRequest& request, const net::Responder& respond);
  void ListNodes(const AuthorizedRequest& request, const net::Responder& respond);
  void DrainNode(const AuthorizedRequest& request, const net::Responder& respond);
  void ResumeNode(const AuthorizedRequest& request, const net::Responder& respond);
  void RevokeNode(const AuthorizedRequest& request, const net::Responder& respond);
  void IssueJoinToken(const AuthorizedRequest& request, const net::Responder& respond);
  // rest_tenants.cc
  void OwnUsage(const AuthorizedRequest& request, const net::Responder& respond);
  void UsageReport(const AuthorizedRequest& request, const net::Responder& respond);
  void VerifyLedger(const AuthorizedRequest& request, const net::Responder& respond);
  void RevokeToken(const AuthorizedRequest& request, const net::Responder& respond);
  void ListTenants(const AuthorizedRequest& request, const net::Responder& respond);
  void CreateTenant(const AuthorizedRequest& request, const net::Responder& respond);
  void GetTenant(const AuthorizedRequest& request, const net::Responder& respond);
  void PatchTenant(const AuthorizedRequest& request, const net::Responder& respond);
  void DisableTenant(const AuthorizedRequest& request, const net::Responder& respond);
  void EnableTenant(const AuthorizedRequest& request, const net::Responder& respond);
  void TenantUsage(const AuthorizedRequest& request, const net::Responder& respond);
  void ListTokens(const AuthorizedRequest& request, const net::Responder& respond);
  void IssueToken(const AuthorizedRequest& request, const net::Responder& respond);
  void ListGrants(const AuthorizedRequest& request, const net::Responder& respond);
  void AddGrant(const AuthorizedRequest& request, const net::Responder& respond);
  // rest_efficiency.cc
  void PrometheusTargets(const AuthorizedRequest& request, const net::Responder& respond);
  void EfficiencyReport(const AuthorizedRequest& request, const net::Responder& respond);
  void ListFacilityReadings(const AuthorizedRequest& request, const net::Responder& respond);
  void AddFacilityReading(const AuthorizedRequest& request, const net::Responder& respond);
  // rest_audit.cc
  void ListAudit(const AuthorizedRequest& request, const net::Responder& respond);
  void VerifyAudit(const AuthorizedRequest& request, const net::Responder& respond);

  void SetTenantDisabled(const AuthorizedRequest& request, bool disabled,
                         const net::Responder& respond);
  void Output(const Principal& who, JobId id, const net::HttpRequest& request,
              const net::Responder& respond);
  // The job as REST shows it: its record plus "expected_start" ({"time", "nodes"} from the
  // job's reservation; null when it has none, like squeue --start's N/A).
  protocol::Json JobJson(const Job& job) const;
  // What a job's line in the listing table adds to its record (rest_job_list.cc).
  protocol::JobListingExtras ListingExtras(const Job& job) const;
  // The listing's view=full answer, {"items": [JobJson...], "next_after": ID | null}.
  net::HttpResponse FullListing(const JobPage& page) const;

  Scheduler& scheduler_;
  std::function<std::string()> render_metrics_;
  metrics::SchedulerMetrics* metrics_;
  const std::string metrics_token_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_REST_API_H_
