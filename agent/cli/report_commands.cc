#include "agent/cli/report_commands.h"

#include <functional>
#include <iostream>

#include "agent/cli/command_support.h"
#include "agent/cli/efficiency_views.h"
#include "agent/cli/tenant_views.h"

namespace sharc::cli {

using protocol::Json;

int RunUsage(const GlobalOptions& global, const std::string& tenant) {
  if (!tenant.empty()) {
    if (Status s = CheckTenantArg(tenant); !s.ok()) return Usage(s.message());
    return RunRequest(
        global, [&](ApiClient& api) { return api.Get("/v1/tenants/" + tenant + "/usage"); },
        RenderUsagePage);
  }
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> usage = client->Get("/v1/usage");
  // /v1/usage takes no input, so the only bad request is an admin's, who has no usage.
  if (!usage.ok() && usage.status().code() == StatusCode::kInvalidArgument) {
    return Usage("an admin has no usage of its own; name a tenant: sharc usage --tenant NAME");
  }
  if (!usage.ok()) return Fail(usage.status());
  if (global.output == "json") {
    PrintJson(*usage);
  } else {
    std::cout << RenderUsagePage(*usage);
  }
  return kExitOk;
}

namespace {

// Fetches the report at PATH?from&to[&tenant] and prints it as -o asks (`render` for the
// formats other than json).
int RunReport(const GlobalOptions& global, std::string_view path, const ReportOptions& options,
              const std::function<StatusOr<std::string>(const Json&)>& render) {
  StatusOr<std::string> target = ReportTarget(path, options);
  if (!target.ok()) return Usage(target.status().message());
  StatusOr<ApiClient> client = Connect(global);
  if (!client.ok()) return Fail(client.status());
  StatusOr<Json> report = client->Get(*target);
  if (!report.ok()) return Fail(report.status());
  if (global.output == "json") {
    PrintJson(*report);
    return kExitOk;
  }
  StatusOr<std::string> text = render(*report);
  if (!text.ok()) {
    return Fail(InternalError("the server sent an unreadable report: " + text.status().message()));
  }
  std::cout << *text;
  return kExitOk;
}

}  // namespace

int RunReportUsage(const GlobalOptions& global, const ReportOptions& options) {
  return RunReport(global, "/v1/reports/usage", options, [&](const Json& report) {
    const Json items = report.is_object() && report.contains("items") ? report["items"] : Json();
    return global.output == "csv" ? RenderReportCsv(items) : RenderReportTable(items);
  });
}

int RunReportEfficiency(const GlobalOptions& global, const ReportOptions& options) {
  return RunReport(global, "/v1/reports/efficiency", options, [&](const Json& report) {
    if (global.output == "csv") return RenderEfficiencyCsv(report);
    if (global.output == "md") return RenderEfficiencyMarkdown(report);
    return RenderEfficiencyTable(report);
  });
}

}  // namespace sharc::cli
