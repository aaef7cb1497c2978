// REST routes for data-centre efficiency: the efficiency report, the facility meter's
// readings, and the agents' /metrics addresses for Prometheus service discovery.
#include "scheduler/rest_api.h"
#include "scheduler/rest_responses.h"

namespace sharc::scheduler {
namespace {

using protocol::FieldReader;
using protocol::Json;

Json EncodeReading(const FacilityReading& reading) {
  return {{"time", FormatRfc3339(reading.time)},
          {"energy_wh", reading.energy_wh},
          {"note", reading.note}};
}

// A reading without a time is taken now (by the scheduler's clock).
StatusOr<FacilityReading> DecodeReading(const Json& body) {
  FieldReader r(body, "");
  FacilityReading reading;
  std::string time;
  r.OptionalString("time", &time);
  r.RequiredInt("energy_wh", &reading.energy_wh, 0, int64_t{1} << 53);
  r.OptionalString("note", &reading.note);
  SHARC_RETURN_IF_ERROR(r.Finish());
  if (!time.empty()) {
    StatusOr<UnixMillis> parsed = ParseRfc3339(time);
    if (!parsed.ok()) return parsed.status().WithPrefix("time");
    reading.time = *parsed;
  }
  return reading;
}

// An agent's metrics URL ("http[s]://host:port/metrics") as Prometheus service discovery
// wants it; empty `host_port` if the agent has none.
struct ScrapeTarget {
  std::string host_port;
  bool https = false;
};

ScrapeTarget TargetOf(const std::string& url) {
  ScrapeTarget target;
  for (std::string_view scheme : {"http://", "https://"}) {
    if (url.rfind(scheme, 0) != 0) continue;
    std::string rest = url.substr(scheme.size());
    target.host_port = rest.substr(0, rest.find('/'));
    target.https = scheme == "https://";
  }
  return target;
}

}  // namespace

void RestApi::PrometheusTargets(const AuthorizedRequest&, const net::Responder& respond) {
  // Prometheus HTTP service discovery: one group per connected agent with a metrics address.
  Json groups = Json::array();
  for (const NodeStatus& node : scheduler_.nodes().ListNodes()) {
    ScrapeTarget target = TargetOf(node.record.inventory.metrics_url);
    if (!node.connected || target.host_port.empty()) continue;
    Json labels = {{"node", node.record.inventory.name}};
    if (target.https) labels["__scheme__"] = "https";  // this agent serves metrics_tls
    groups.push_back({{"targets", {target.host_port}}, {"labels", std::move(labels)}});
  }
  respond(JsonResponse(200, groups));
}

void RestApi::EfficiencyReport(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Period> period = PeriodQuery(request.http);
  if (!period.ok()) return respond(ErrorResponse(period.status()));
  scheduler_.accounting().Efficiency(
      period->from, period->to, [respond](StatusOr<sharc::scheduler::EfficiencyReport> report) {
        if (!report.ok()) return respond(ErrorResponse(report.status()));
        respond(JsonResponse(200, EncodeEfficiencyReport(*report)));
      });
}

void RestApi::ListFacilityReadings(const AuthorizedRequest&, const net::Responder& respond) {
  Json items = Json::array();
  for (const FacilityReading& reading : scheduler_.accounting().FacilityReadings()) {
    items.push_back(EncodeReading(reading));
  }
  respond(JsonResponse(200, {{"items", items}}));
}

void RestApi::AddFacilityReading(const AuthorizedRequest& request, const net::Responder& respond) {
  StatusOr<Json> body = JsonBody(request.http);
  if (!body.ok()) return respond(ErrorResponse(body.status()));
  StatusOr<FacilityReading> reading = DecodeReading(*body);
  if (!reading.ok()) return respond(ErrorResponse(reading.status()));
  scheduler_.accounting().AddFacilityReading(*reading, [respond](StatusOr<FacilityReading> added) {
    if (!added.ok()) return respond(ErrorResponse(added.status()));
    respond(JsonResponse(201, EncodeReading(*added)));
  });
}

}  // namespace sharc::scheduler
