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

// "host:port" of an agent's metrics URL ("http://host:port/metrics"), or "" if it has none.
std::string TargetOf(const std::string& url) {
  constexpr std::string_view kScheme = "http://";
  if (url.rfind(kScheme, 0) != 0) return "";
  std::string rest = url.substr(kScheme.size());
  return rest.substr(0, rest.find('/'));
}

}  // namespace

bool RestApi::RoutePrometheusTargets(const net::HttpRequest& request,
                                     const net::Responder& respond) {
  if (request.path != "/v1/prometheus/targets") return false;
  if (request.method != "GET") return respond(MethodNotAllowed(request, "GET")), true;
  if (!ScrapeAllowed(request, respond)) return true;
  // Prometheus HTTP service discovery: one group per connected agent with a metrics address.
  Json groups = Json::array();
  for (const NodeStatus& node : scheduler_.nodes().ListNodes()) {
    std::string target = TargetOf(node.record.inventory.metrics_url);
    if (!node.connected || target.empty()) continue;
    groups.push_back({{"targets", {target}}, {"labels", {{"node", node.record.inventory.name}}}});
  }
  respond(JsonResponse(200, groups));
  return true;
}

bool RestApi::RouteEfficiency(const Principal& who, const net::HttpRequest& request,
                              const net::Responder& respond) {
  const std::string& path = request.path;
  const std::string& method = request.method;
  auto wrong_method = [&](const char* allowed) {
    respond(MethodNotAllowed(request, allowed));
    return true;
  };
  if (path == "/v1/reports/efficiency") {
    if (method != "GET") return wrong_method("GET");
    StatusOr<Period> period = PeriodQuery(request);
    if (!period.ok()) return respond(ErrorResponse(period.status())), true;
    scheduler_.accounting().Efficiency(
        who, period->from, period->to, [respond](StatusOr<EfficiencyReport> report) {
          if (!report.ok()) {
            return respond(ErrorResponse(report.status()));
          }
          respond(JsonResponse(200, EncodeEfficiencyReport(*report)));
        });
    return true;
  }
  if (path == "/v1/facility/readings") {
    if (method == "GET") {
      StatusOr<std::vector<FacilityReading>> readings =
          scheduler_.accounting().FacilityReadings(who);
      if (!readings.ok()) return respond(ErrorResponse(readings.status())), true;
      Json items = Json::array();
      for (const FacilityReading& reading : *readings) items.push_back(EncodeReading(reading));
      respond(JsonResponse(200, {{"items", items}}));
      return true;
    }
    if (method != "POST") return wrong_method("GET, POST");
    StatusOr<Json> body = JsonBody(request);
    if (!body.ok()) return respond(ErrorResponse(body.status())), true;
    StatusOr<FacilityReading> reading = DecodeReading(*body);
    if (!reading.ok()) return respond(ErrorResponse(reading.status())), true;
    scheduler_.accounting().AddFacilityReading(who, *reading,
                                               [respond](StatusOr<FacilityReading> added) {
                                                 if (!added.ok())
                                                   return respond(ErrorResponse(added.status()));
                                                 respond(JsonResponse(201, EncodeReading(*added)));
                                               });
    return true;
  }
  return false;
}

}  // namespace sharc::scheduler
