#include "policies/plugins/credit_check.h"

namespace sharc::policies {

void CreditCheckPlugin::BeginCycle(const CycleContext& context) {
  available_ = context.tenants.credit.available;
  reserved_.clear();
}

std::string CreditCheckPlugin::PayerOf(const PendingJob& job, const CycleContext& context) const {
  const TenantView* tenant = context.tenants.Find(job.tenant);
  return tenant && !tenant->payer.empty() ? tenant->payer : std::string(job.tenant);
}

PluginStatus CreditCheckPlugin::PreFilter(const PendingJob& job, const CycleContext& context) {
  const CreditView& credit = context.tenants.credit;
  if (!credit.enforced) return PluginStatus::Success();
  std::string payer = PayerOf(job, context);
  MicroCredits cost = WorstCaseCost(credit.prices, *job.spec);
  auto it = available_.find(payer);
  MicroCredits available = it == available_.end() ? 0 : it->second;
  if (cost <= available) return PluginStatus::Success();
  return PluginStatus::Unschedulable(kName, reason::kInsufficientCredit,
                                     "needs " + FormatCredits(cost) + " credits reserved; " +
                                         payer + " has " + FormatCredits(available) + " available");
}

void CreditCheckPlugin::Reserve(const PendingJob& job, const Placement& /*placement*/,
                                const CycleContext& context) {
  if (!context.tenants.credit.enforced || reserved_.count(job.id)) return;
  std::string payer = PayerOf(job, context);
  MicroCredits cost = WorstCaseCost(context.tenants.credit.prices, *job.spec);
  available_[payer] -= cost;
  reserved_[job.id] = {std::move(payer), cost};
}

void CreditCheckPlugin::Unreserve(const PendingJob& job, const Placement& /*placement*/,
                                  const CycleContext& /*context*/) {
  auto it = reserved_.find(job.id);
  if (it == reserved_.end()) return;
  available_[it->second.first] += it->second.second;
  reserved_.erase(it);
}

}  // namespace sharc::policies
