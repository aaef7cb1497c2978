// TenantService's read side: what a tenant and the staff read about use and credit (the usage
// page, the usage report, the ledger check). The store is read in the background
// (InBackground), off the state thread.
#include <ctime>

#include "policies/fair_share.h"
#include "scheduler/tenant_service.h"

namespace sharc::scheduler {
namespace {

// Adds, from the store, to the rows of `only` (or every tenant): the jobs that ended in
// [from, to), and the CPU and GPU time granted to every attempt that ended in it. Every
// attempt: a requeued or preempted job's earlier ones held their resources too, and were
// charged credit at their end, as the same report's credit figures show.
Status AddEndedJobs(store::Store& store, const std::string& only, UnixMillis from, UnixMillis to,
                    std::map<std::string, UsageReportRow>& rows) {
  auto row_of = [&rows](const std::string& tenant) -> UsageReportRow& {
    UsageReportRow& row = rows[tenant];
    row.tenant = tenant;
    return row;
  };
  store::JobQuery query;
  query.limit = INT64_MAX;
  query.tenant = only;
  query.ended_from = from;
  query.ended_to = to;
  SHARC_ASSIGN_OR_RETURN(std::vector<Job> jobs, store.ReadJobs(query));
  for (const Job& job : jobs) {
    if (!job.is_array()) ++row_of(job.tenant).jobs;  // an array's tasks are jobs of their own
  }
  SHARC_ASSIGN_OR_RETURN(store::AccountingRecords records, store.ReadAccounting({from, to}));
  for (const AttemptRecord& attempt : records.attempts) {
    if (attempt.end_time < from || attempt.end_time >= to) continue;  // ended outside
    if (!only.empty() && attempt.tenant != only) continue;
    UsageReportRow& row = row_of(attempt.tenant);
    const int64_t ms = std::max<int64_t>(0, attempt.end_time - attempt.start_time);
    row.cpu_millicpu_ms += attempt.millicpus * ms;
    row.gpu_ms += int64_t{attempt.gpus} * ms;
  }
  return Status::Ok();
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

void TenantService::TenantUsageOf(const std::string& name, Reply<TenantUsageView> done) {
  StatusOr<const Tenant*> tenant = GetTenant(name);
  if (!tenant.ok()) return done(tenant.status());
  TenantUsageView view;
  view.tenant = **tenant;
  // An enterprise's quota counts its projects' jobs (SubtreeOf), and so does what it is shown.
  policies::TenantsView tenants = BuildView();
  const policies::SubtreeUsage& subtree = tenants.SubtreeOf(name);
  view.usage = {subtree.held, subtree.running, subtree.pending};
  for (JobId id : context_.state.pending()) {
    const Job* job = context_.state.FindJob(id);
    if (job->tenant == name || EnterpriseOf(job->tenant) == name) {
      ++view.pending_by_reason[job->reason];
    }
  }
  UnixMillis now = context_.Now();
  view.credit_enforced = credit_.enforced();
  view.payer = PayerOf(name);
  for (const Grant* grant : credit_.GrantsOf(view.payer)) view.grants.push_back(*grant);
  view.available = credit_.Available(view.payer, now);
  view.reserved = credit_.Reserved(view.payer);
  std::string_view parent = EnterpriseOf(name);
  const std::vector<std::string>& siblings =
      parent.empty() ? tenants.enterprises() : tenants.ChildrenOf(parent);
  int64_t shares = 0;
  for (const std::string& s : siblings) {
    view.siblings_usage += tenants.SubtreeOf(s).usage;
    shares += tenants.Find(s)->share;
  }
  view.siblings_shares = shares;
  view.decayed_usage = subtree.usage;
  view.fair_share_factor =
      policies::FairShareFactor(view.decayed_usage, view.siblings_usage, (*tenant)->share, shares);
  store::Store* store = context_.deps.store;
  std::string payer = view.payer;
  InBackground<TenantUsageView>(
      context_,
      [store, payer, month = MonthStart(now),
       view = std::move(view)]() mutable -> StatusOr<TenantUsageView> {
        store::LedgerQuery query;
        query.tenant = payer;
        query.from = month;
        SHARC_ASSIGN_OR_RETURN(std::vector<LedgerEntry> entries, store->ReadLedger(query));
        for (const LedgerEntry& e : entries) {
          if (e.kind == LedgerKind::kCharge) view.spent_this_month += e.amount;
        }
        return view;
      },
      std::move(done));
}

void TenantService::UsageReport(const Principal& who, UnixMillis from, UnixMillis to,
                                const std::string& tenant,
                                Reply<std::vector<UsageReportRow>> done) const {
  if (to <= from) return done(InvalidArgumentError("to: must be after from"));
  // The pipeline authorized `tenant`; without one, a tenant's token reports on its own.
  std::string only = who.is_staff() || !tenant.empty() ? tenant : who.tenant;
  if (!only.empty()) {
    if (StatusOr<const Tenant*> known = GetTenant(only); !known.ok()) return done(known.status());
  }
  std::map<std::string, UsageReportRow> rows;
  for (const Tenant* t : tenants_.List()) {
    if (only.empty() || t->name == only) rows[t->name].tenant = t->name;
  }
  std::map<int64_t, bool> voucher;  // grant id -> paid from a voucher
  for (const auto& [id, grant] : credit_.grants())
    voucher[id] = grant.source == GrantSource::kVoucher;
  store::Store* store = context_.deps.store;
  InBackground<std::vector<UsageReportRow>>(
      context_,
      [store, only, from, to, voucher = std::move(voucher),
       rows = std::move(rows)]() mutable -> StatusOr<std::vector<UsageReportRow>> {
        SHARC_RETURN_IF_ERROR(AddEndedJobs(*store, only, from, to, rows));
        store::LedgerQuery query;
        query.tenant = only;
        query.from = from;
        query.to = to;
        SHARC_ASSIGN_OR_RETURN(std::vector<LedgerEntry> entries, store->ReadLedger(query));
        for (const LedgerEntry& e : entries) {
          if (e.kind != LedgerKind::kCharge) continue;
          UsageReportRow& row = rows[e.tenant];
          row.tenant = e.tenant;
          auto it = voucher.find(e.grant_id);
          (it == voucher.end() || it->second ? row.spent_voucher : row.spent_purchase) += e.amount;
        }
        std::vector<UsageReportRow> out;
        for (auto& [name, row] : rows) out.push_back(std::move(row));
        return out;
      },
      std::move(done));
}

namespace {

LedgerVerification Verify(const store::LedgerReplay& replay) {
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

}  // namespace

void TenantService::VerifyLedger(Reply<LedgerVerification> done) const {
  store::Store* store = context_.deps.store;
  InBackground<LedgerVerification>(
      context_,
      [store]() -> StatusOr<LedgerVerification> {
        SHARC_ASSIGN_OR_RETURN(store::LedgerReplay replay, store->ReplayLedger());
        return Verify(replay);
      },
      std::move(done));
}

}  // namespace sharc::scheduler
