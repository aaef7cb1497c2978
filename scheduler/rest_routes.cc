// The route table: every route of the REST API, the action the roles table knows it by, and
// where its subject comes from. The first pattern that matches a path owns it
// (rest_route_table.h), so more specific patterns come first.
#include "scheduler/rest_api.h"

namespace sharc::scheduler {

const std::vector<RestApi::Route>& RestApi::Routes() {
  using A = Action;
  using S = SubjectFrom;
  static const std::vector<Route> routes = {
      {"GET", "/healthz", std::nullopt, S::kNone, &RestApi::Health},
      {"GET", "/metrics", A::kScrape, S::kNone, &RestApi::Metrics},
      {"GET", "/v1/prometheus/targets", A::kScrape, S::kNone, &RestApi::PrometheusTargets},
      {"GET", "/v1/whoami", A::kSession, S::kNone, &RestApi::WhoAmI},

      {"GET", "/v1/jobs", A::kReadJobs, S::kTenantQuery, &RestApi::ListJobs,
       "state,tenant,name,label,all,after,limit,view"},
      {"POST", "/v1/jobs", A::kSubmitJobs, S::kNone, &RestApi::Submit},
      {"POST", "/v1/jobs/cancel", A::kCancelJobs, S::kNone, &RestApi::CancelMany},
      {"POST", "/v1/jobs/{job}/cancel", A::kCancelJobs, S::kJobPath, &RestApi::CancelJob},
      {"GET", "/v1/jobs/{job}/output", A::kReadJobs, S::kJobPath, &RestApi::JobOutput,
       "stream,rank,offset,limit"},
      {"GET", "/v1/jobs/{job}", A::kReadJobs, S::kJobPath, &RestApi::GetJob},

      {"GET", "/v1/nodes", A::kReadNodes, S::kNone, &RestApi::ListNodes},
      {"POST", "/v1/nodes/{node}/drain", A::kManageNodes, S::kNone, &RestApi::DrainNode},
      {"POST", "/v1/nodes/{node}/resume", A::kManageNodes, S::kNone, &RestApi::ResumeNode},
      {"POST", "/v1/nodes/{node}/revoke", A::kManageNodes, S::kNone, &RestApi::RevokeNode},
      {"POST", "/v1/nodes/{node}/join_token", A::kManageNodes, S::kNone, &RestApi::IssueJoinToken},

      {"GET", "/v1/usage", A::kReadTenants, S::kNone, &RestApi::OwnUsage},
      {"GET", "/v1/reports/usage", A::kReadTenants, S::kTenantQuery, &RestApi::UsageReport,
       "from,to,tenant"},
      {"GET", "/v1/reports/efficiency", A::kReadReports, S::kNone, &RestApi::EfficiencyReport,
       "from,to"},
      {"GET", "/v1/ledger/verify", A::kReadReports, S::kNone, &RestApi::VerifyLedger},
      {"POST", "/v1/ledger/verify", A::kReadReports, S::kNone, &RestApi::VerifyLedger},
      {"GET", "/v1/facility/readings", A::kReadReports, S::kNone, &RestApi::ListFacilityReadings},
      {"POST", "/v1/facility/readings", A::kRecordFacility, S::kNone, &RestApi::AddFacilityReading},
      {"GET", "/v1/audit", A::kReadAudit, S::kNone, &RestApi::ListAudit, "since,actor,after,limit"},
      {"POST", "/v1/audit/verify", A::kReadAudit, S::kNone, &RestApi::VerifyAudit},

      {"POST", "/v1/tokens/{token}/revoke", A::kManageTokens, S::kNone, &RestApi::RevokeToken},
      {"GET", "/v1/tenants", A::kReadTenants, S::kNone, &RestApi::ListTenants},
      {"POST", "/v1/tenants", A::kManageTenants, S::kNone, &RestApi::CreateTenant},
      {"POST", "/v1/tenants/{tenant}/disable", A::kManageTenants, S::kTenantPath,
       &RestApi::DisableTenant},
      {"POST", "/v1/tenants/{tenant}/enable", A::kManageTenants, S::kTenantPath,
       &RestApi::EnableTenant},
      {"GET", "/v1/tenants/{tenant}/usage", A::kReadTenants, S::kTenantPath, &RestApi::TenantUsage},
      {"GET", "/v1/tenants/{tenant}/tokens", A::kReadTenants, S::kTenantPath, &RestApi::ListTokens},
      {"POST", "/v1/tenants/{tenant}/tokens", A::kManageTokens, S::kTenantPath,
       &RestApi::IssueToken},
      {"GET", "/v1/tenants/{tenant}/grants", A::kReadTenants, S::kTenantPath, &RestApi::ListGrants},
      {"POST", "/v1/tenants/{tenant}/grants", A::kManageCredit, S::kTenantPath, &RestApi::AddGrant},
      {"GET", "/v1/tenants/{tenant}", A::kReadTenants, S::kTenantPath, &RestApi::GetTenant},
      {"PATCH", "/v1/tenants/{tenant}", A::kManageTenants, S::kTenantPath, &RestApi::PatchTenant},
  };
  return routes;
}

}  // namespace sharc::scheduler
