// Tenants: enterprises and their projects, their tokens, quotas, shares, priority classes and
// credit. Answers the admin and tenant requests about them, checks a submit against a tenant's
// limits, and builds the tenants' view each scheduling cycle reads.
//
// Hierarchy: "acme" is an enterprise, "acme/vision" one of its projects; a project is created
// only under an existing enterprise, and its guarantee must fit in its enterprise's (the
// projects' guarantees add up to at most the enterprise's, per resource). An enterprise's tokens
// reach its projects too. Credit is the enterprise's unless a project has grants of its own.
//
// Reads of the ledger (usage, reports, verification; tenant_reports.cc) run off the state
// thread; the answer is delivered on it.
#ifndef SHARC_SCHEDULER_TENANT_SERVICE_H_
#define SHARC_SCHEDULER_TENANT_SERVICE_H_

#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "policies/tenants_view.h"
#include "scheduler/accounting.h"
#include "scheduler/auth.h"
#include "scheduler/credit_book.h"
#include "scheduler/scheduler_context.h"
#include "scheduler/tenant_book.h"

namespace sharc::scheduler {

// A tenant as `sharc usage` shows it.
struct TenantUsageView {
  Tenant tenant;
  // Its jobs' and, for an enterprise, its projects' too: what its quota counts.
  TenantUsage usage;
  std::map<std::string, int64_t> pending_by_reason;
  std::vector<Grant> grants;
  std::string payer;           // whose grants pay for its jobs
  MicroCredits available = 0;  // reservable now
  MicroCredits reserved = 0;
  MicroCredits spent_this_month = 0;  // calendar month, UTC
  bool credit_enforced = false;
  // Fair share: its decayed usage (dominant-share seconds), its siblings' total usage and
  // shares (itself included), and its factor (among enterprises for an enterprise, among its
  // enterprise's projects for a project).
  double decayed_usage = 0;
  double siblings_usage = 0;
  int64_t siblings_shares = 0;
  double fair_share_factor = 1;
};

// One tenant's line of a usage report, over [from, to): jobs that ended in it, their CPU- and
// GPU-time, and the credit charged in it, by the charged grants' source.
struct UsageReportRow {
  std::string tenant;
  int64_t jobs = 0;
  int64_t cpu_millicpu_ms = 0;  // CPU-hours = this / 3.6e9
  int64_t gpu_ms = 0;           // GPU-hours = this / 3.6e6
  MicroCredits spent_voucher = 0;
  MicroCredits spent_purchase = 0;
};

// What `sharc admin ledger verify` found.
struct LedgerVerification {
  int64_t entries = 0;
  int64_t grants = 0;
  std::vector<std::string> mismatches;  // empty when every balance agrees
};

// The actions of /v1/tenants/{name}/{action}: no project may be named like one.
inline constexpr std::string_view kTenantActions[] = {"disable", "enable", "usage", "tokens",
                                                      "grants"};

class TenantService {
 public:
  TenantService(const SchedulerContext& context, Accounting& accounting);

  // Loads tenants, tokens and grants, applies the tenants file (its changes are added to
  // `repairs`), and releases credit held by attempts that no longer run.
  Status Restore(store::StoredState& stored, std::vector<store::Mutation>* repairs);

  // --- Requests, authorized by the REST pipeline (rest_api.h); `who` names the caller in logs
  // and scopes listings to what it may see ---
  StatusOr<Principal> Authenticate(const std::optional<std::string>& bearer_token) const {
    return tenants_.Authenticate(bearer_token, context_.Now());
  }
  void CreateTenant(const Principal& who, Tenant tenant, Reply<Tenant> done);
  // `change` is applied to the current record, then validated (quota rules, hierarchy, and
  // that the guarantees fit the cluster) and saved.
  void UpdateTenant(const Principal& who, const std::string& name,
                    const std::function<Status(Tenant&)>& change, Reply<Tenant> done);
  StatusOr<const Tenant*> GetTenant(const std::string& name) const;
  std::vector<const Tenant*> ListTenants(const Principal& who) const;
  void IssueToken(const Principal& who, const std::string& tenant, const TokenRequest& request,
                  Reply<std::pair<ApiToken, std::string>> done);
  void RevokeToken(const Principal& who, const std::string& id, Reply<ApiToken> done);
  StatusOr<std::vector<const ApiToken*>> ListTokens(const std::string& tenant) const;
  void AddGrant(const Principal& who, CreditBook::NewGrant grant, Reply<Grant> done);
  StatusOr<std::vector<const Grant*>> ListGrants(const std::string& tenant) const;
  void TenantUsageOf(const std::string& tenant, Reply<TenantUsageView> done);
  void UsageReport(const Principal& who, UnixMillis from, UnixMillis to, const std::string& tenant,
                   Reply<std::vector<UsageReportRow>> done) const;
  void VerifyLedger(Reply<LedgerVerification> done) const;

  // --- For the job lifecycle ---
  // The tenant, then (for a project) its enterprise: the levels whose settings bind its jobs.
  std::vector<const Tenant*> LevelsOf(const Tenant& tenant) const;
  // The time limit of a job submitted without one: jobs.default_time_limit, cut to every
  // level's max_time_limit_seconds (a job is not refused for a limit it did not ask for).
  int64_t DefaultTimeLimitSeconds(const Tenant& tenant) const;
  // Fills in `spec.priority_class` (the tenant's default, else the scheduler's) and checks that
  // the class exists and the tenant may use it.
  Status ResolvePriorityClass(const Tenant& tenant, JobSpec& spec) const;
  // A submit of `new_jobs` jobs like `spec`: what the tenant's (and its enterprise's) limits
  // never allow (Unsatisfiable), or its pending limit (ResourceExhausted).
  Status CheckSubmit(const Tenant& tenant, const JobSpec& spec, size_t new_jobs) const;
  // The class of a job (the default if its class is no longer configured).
  const policies::PriorityClass& ClassOf(const Job& job) const;
  const Tenant* Find(const std::string& name) const { return tenants_.Find(name); }
  // Whose grants pay for `tenant`'s jobs.
  std::string PayerOf(const std::string& tenant) const;
  // Credit: reserve a starting job's worst case; settle an ending one's cost.
  void ReserveCredit(const Job& job, std::vector<store::Mutation>* batch);
  void SettleCredit(const Job& job, std::vector<store::Mutation>* batch);
  void Tick();  // closes grants that expired

  // The tenants as the scheduling cycle sees them now.
  policies::TenantsView BuildView() const;
  // OK if the tenants' guarantees fit the cluster and every project's fit its enterprise's,
  // with `changed` (if named) in place of the stored tenant of that name.
  Status CheckGuaranteesFit(const Tenant& changed) const;

  const CreditBook& credit() const { return credit_; }
  const TenantBook& book() const { return tenants_; }
  Status CheckInvariants() const;

 private:
  Status CheckHierarchy(const Tenant& tenant) const;
  // OK if the tenant's allowed and default priority classes are classes of the config.
  Status CheckPriorityClasses(const Tenant& tenant) const;
  void Save(std::vector<store::Mutation> batch, Reply<Tenant> done, Tenant saved);
  // The model of every GPU `job` holds, on all its nodes ("" where unknown), for its price.
  std::vector<std::string> GrantedGpuModels(const Job& job) const;

  const SchedulerContext& context_;
  Accounting& accounting_;
  TenantBook tenants_;
  CreditBook credit_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_TENANT_SERVICE_H_
