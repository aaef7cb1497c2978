// The enterprise half of Scheduler: tenants, tokens, grants, usage, reports, ledger checks.
#include <ctime>

#include "core/log.h"
#include "scheduler/scheduler.h"

namespace sharc::scheduler {
namespace {

Status TenantNotFound(const std::string& name) {
  return NotFoundError("tenant '" + name + "' not found");
}

// Midnight UTC on the first of `t`'s month.
UnixMillis MonthStart(UnixMillis t) {
  std::time_t seconds = static_cast<std::time_t>(t / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  tm.tm_mday = 1;
  tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
  return static_cast<UnixMillis>(timegm(&tm)) * 1000;
}

}  // namespace

Status Scheduler::CheckGuaranteesFit(const Tenant& changed) const {
  // Capacity of every known node, whatever its state: a node that is down for a while does not
  // make the configuration wrong. With no node known yet there is nothing to check against.
  if (state_.nodes().empty()) return Status::Ok();
  Resources capacity, guaranteed;
  for (const auto& [name, node] : state_.nodes()) (void)capacity.Add(node.topology->Capacity());
  for (const Tenant* tenant : tenants_.List()) {
    if (tenant->name == changed.name) continue;
    (void)guaranteed.Add(tenant->quota.guaranteed);
  }
  if (!changed.name.empty()) (void)guaranteed.Add(changed.quota.guaranteed);
  for (const auto& [resource, amount] : guaranteed.entries()) {
    if (amount > capacity.Get(resource)) {
      return InvalidArgumentError("quota: the tenants' guarantees would add up to " +
                                  FormatResourceAmount(resource, amount) + " " + resource +
                                  ", but the cluster has " +
                                  FormatResourceAmount(resource, capacity.Get(resource)) +
                                  "; a guarantee must be capacity that exists");
    }
  }
  return Status::Ok();
}

void Scheduler::CreateTenant(const Principal& who, Tenant tenant, TenantDone done) {
  if (Status s = AdminsOnly(who); !s.ok()) return done(s);
  if (Status s = CheckGuaranteesFit(tenant); !s.ok()) return done(s);
  std::vector<store::Mutation> batch;
  StatusOr<Tenant> created = tenants_.Create(std::move(tenant), deps_.clock->WallMillis(), &batch);
  if (!created.ok()) return done(created.status());
  LogInfo("scheduler", "tenant " + created->name + " created by " + who.name);
  CommitOrDie(std::move(batch), [done = std::move(done), created = *created] { done(created); });
}

void Scheduler::UpdateTenant(const Principal& who, const std::string& name,
                             const std::function<Status(Tenant&)>& change, TenantDone done) {
  if (Status s = AdminsOnly(who); !s.ok()) return done(s);
  const Tenant* current = tenants_.Find(name);
  if (!current) return done(TenantNotFound(name));
  Tenant updated = *current;
  if (Status s = change(updated); !s.ok()) return done(s);
  if (Status s = ValidateTenantQuota(updated.quota); !s.ok()) return done(s);
  if (Status s = CheckGuaranteesFit(updated); !s.ok()) return done(s);
  std::vector<store::Mutation> batch;
  StatusOr<Tenant> saved = tenants_.Update(updated, &batch);
  if (!saved.ok()) return done(saved.status());
  LogInfo("scheduler", "tenant " + name + " updated by " + who.name);
  RequestCycle();  // a raised limit or an enabled tenant may let jobs start
  CommitOrDie(std::move(batch), [done = std::move(done), saved = *saved] { done(saved); });
}

StatusOr<const Tenant*> Scheduler::GetTenant(const Principal& who, const std::string& name) const {
  const Tenant* tenant = tenants_.Find(name);
  if (!tenant || !who.CanAccess(name)) return TenantNotFound(name);
  return tenant;
}

std::vector<const Tenant*> Scheduler::ListTenants(const Principal& who) const {
  std::vector<const Tenant*> out;
  for (const Tenant* tenant : tenants_.List()) {
    if (who.CanAccess(tenant->name)) out.push_back(tenant);
  }
  return out;
}

void Scheduler::IssueToken(const Principal& who, const std::string& tenant, TokenRole role,
                           std::string name, TokenDone done) {
  if (Status s = AdminsOnly(who); !s.ok()) return done(s);
  std::vector<store::Mutation> batch;
  auto issued =
      tenants_.IssueToken(tenant, role, std::move(name), deps_.clock->WallMillis(), &batch);
  if (!issued.ok()) return done(issued.status());
  LogInfo("scheduler", "token " + issued->first.id + " issued to " + tenant + " by " + who.name);
  // The token works once it is durable, and is shown only then.
  CommitOrDie(std::move(batch), [done = std::move(done), issued = *issued] { done(issued); });
}

void Scheduler::RevokeToken(const Principal& who, const std::string& id,
                            std::function<void(StatusOr<ApiToken>)> done) {
  if (Status s = AdminsOnly(who); !s.ok()) return done(s);
  std::vector<store::Mutation> batch;
  StatusOr<ApiToken> revoked = tenants_.RevokeToken(id, deps_.clock->WallMillis(), &batch);
  if (!revoked.ok()) return done(revoked.status());
  LogInfo("scheduler", "token " + id + " revoked by " + who.name);
  CommitOrDie(std::move(batch), [done = std::move(done), revoked = *revoked] { done(revoked); });
}

StatusOr<std::vector<const ApiToken*>> Scheduler::ListTokens(const Principal& who,
                                                             const std::string& tenant) const {
  SHARC_RETURN_IF_ERROR(AdminsOnly(who));
  if (!tenants_.Find(tenant)) return TenantNotFound(tenant);
  return tenants_.TokensOf(tenant);
}

void Scheduler::AddGrant(const Principal& who, CreditBook::NewGrant grant,
                         std::function<void(StatusOr<Grant>)> done) {
  if (Status s = AdminsOnly(who); !s.ok()) return done(s);
  if (!tenants_.Find(grant.tenant)) return done(TenantNotFound(grant.tenant));
  if (grant.valid_from == 0) grant.valid_from = deps_.clock->WallMillis();
  std::vector<store::Mutation> batch;
  StatusOr<Grant> added = credit_.AddGrant(grant, deps_.clock->WallMillis(), &batch);
  if (!added.ok()) return done(added.status());
  LogInfo("scheduler", "grant " + std::to_string(added->id) + " of " +
                           FormatCredits(added->amount) + " credits to " + added->tenant + " by " +
                           who.name);
  RequestCycle();  // jobs waiting for credit may start
  CommitOrDie(std::move(batch), [done = std::move(done), added = *added] { done(added); });
}

StatusOr<std::vector<const Grant*>> Scheduler::ListGrants(const Principal& who,
                                                          const std::string& tenant) const {
  if (!tenants_.Find(tenant) || !who.CanAccess(tenant)) return TenantNotFound(tenant);
  return credit_.GrantsOf(tenant);
}

StatusOr<TenantUsageView> Scheduler::TenantUsageOf(const Principal& who,
                                                   const std::string& name) const {
  const Tenant* tenant = tenants_.Find(name);
  if (!tenant || !who.CanAccess(name)) return TenantNotFound(name);
  TenantUsageView view;
  view.tenant = *tenant;
  view.usage = state_.UsageOf(name);
  for (JobId id : state_.pending()) {
    const Job* job = state_.FindJob(id);
    if (job->tenant == name) ++view.pending_by_reason[job->reason];
  }
  UnixMillis now = deps_.clock->WallMillis();
  view.credit_enforced = credit_.enforced();
  for (const Grant* grant : credit_.GrantsOf(name)) view.grants.push_back(*grant);
  view.available = credit_.Available(name, now);
  view.reserved = credit_.Reserved(name);
  store::LedgerQuery query;
  query.tenant = name;
  query.from = MonthStart(now);
  SHARC_ASSIGN_OR_RETURN(std::vector<LedgerEntry> entries, deps_.store->ReadLedger(query));
  for (const LedgerEntry& e : entries) {
    if (e.kind == LedgerKind::kCharge) view.spent_this_month += e.amount;
  }
  return view;
}

StatusOr<std::vector<UsageReportRow>> Scheduler::UsageReport(const Principal& who, UnixMillis from,
                                                             UnixMillis to,
                                                             const std::string& tenant) const {
  if (to <= from) return InvalidArgumentError("to: must be after from");
  if (!who.is_admin() && !tenant.empty() && tenant != who.tenant) {
    return PermissionDeniedError("tenant: a tenant can only report on itself");
  }
  std::string only = who.is_admin() ? tenant : who.tenant;
  if (!only.empty() && !tenants_.Find(only)) return TenantNotFound(only);
  std::map<std::string, UsageReportRow> rows;
  for (const Tenant* t : tenants_.List()) {
    if (only.empty() || t->name == only) rows[t->name].tenant = t->name;
  }
  for (const auto& [id, job] : state_.jobs()) {
    if (!IsTerminal(job.state) || job.end_time < from || job.end_time >= to) continue;
    if (!only.empty() && job.tenant != only) continue;
    UsageReportRow& row = rows[job.tenant];
    row.tenant = job.tenant;
    ++row.jobs;
    int64_t ms = job.start_time ? std::max<int64_t>(0, job.end_time - job.start_time) : 0;
    row.cpu_millicpu_ms += int64_t{job.spec.cpus} * kMilliCpusPerCpu * ms;
    row.gpu_ms += int64_t{job.spec.gpus} * ms;
  }
  store::LedgerQuery query;
  query.tenant = only;
  query.from = from;
  query.to = to;
  SHARC_ASSIGN_OR_RETURN(std::vector<LedgerEntry> entries, deps_.store->ReadLedger(query));
  for (const LedgerEntry& e : entries) {
    if (e.kind != LedgerKind::kCharge) continue;
    UsageReportRow& row = rows[e.tenant];
    row.tenant = e.tenant;
    auto grant = credit_.grants().find(e.grant_id);
    bool voucher = grant == credit_.grants().end() || grant->second.source == GrantSource::kVoucher;
    (voucher ? row.spent_voucher : row.spent_purchase) += e.amount;
  }
  std::vector<UsageReportRow> out;
  for (auto& [name, row] : rows) out.push_back(std::move(row));
  return out;
}

StatusOr<LedgerVerification> Scheduler::VerifyLedger(const Principal& who) const {
  SHARC_RETURN_IF_ERROR(AdminsOnly(who));
  SHARC_ASSIGN_OR_RETURN(store::LedgerReplay replay, deps_.store->ReplayLedger());
  LedgerVerification result;
  result.entries = replay.entries;
  result.grants = static_cast<int64_t>(replay.stored_grants.size());
  result.mismatches = replay.problems;
  for (const auto& [id, stored] : replay.stored_grants) {
    std::string who_grant = "grant " + std::to_string(id) + " of " + stored.tenant;
    auto it = replay.grants.find(id);
    if (it == replay.grants.end()) {
      result.mismatches.push_back(who_grant + ": no ledger entries");
      continue;
    }
    const Grant& from_ledger = it->second;
    auto compare = [&](const char* what, MicroCredits stored_value, MicroCredits ledger_value) {
      if (stored_value != ledger_value) {
        result.mismatches.push_back(who_grant + ": " + what + " is " + FormatCredits(stored_value) +
                                    " but the ledger gives " + FormatCredits(ledger_value));
      }
    };
    compare("amount", stored.amount, from_ledger.amount);
    compare("available", stored.available, from_ledger.available);
    compare("reserved", stored.reserved, from_ledger.reserved);
    compare("spent", stored.spent, from_ledger.spent);
    compare("expired", stored.expired, from_ledger.expired);
    if (Status s = CheckGrantBalances(stored); !s.ok()) result.mismatches.push_back(s.message());
  }
  for (const auto& [id, grant] : replay.grants) {
    if (!replay.stored_grants.count(id)) {
      result.mismatches.push_back("ledger entries name grant " + std::to_string(id) +
                                  ", which is not stored");
    }
  }
  return result;
}

}  // namespace sharc::scheduler
