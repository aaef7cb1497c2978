// "credit" (PreFilter, Reserve): a job starts only if its payer (its tenant, or the enterprise
// of a project without grants of its own) can reserve the job's worst-case cost: its request
// for its whole time limit at the configured prices. Later jobs in the cycle see what earlier
// ones reserved. Does nothing while credit is not enforced (every price zero).
#ifndef SHARC_POLICIES_PLUGINS_CREDIT_CHECK_H_
#define SHARC_POLICIES_PLUGINS_CREDIT_CHECK_H_

#include <map>
#include <string>

#include "policies/framework.h"

namespace sharc::policies {

class CreditCheckPlugin final : public PreFilterPlugin, public ReservePlugin {
 public:
  static constexpr std::string_view kName = "credit";
  std::string_view Name() const override { return kName; }
  void BeginCycle(const CycleContext& context) override;
  PluginStatus PreFilter(const PendingJob& job, const CycleContext& context) override;
  void Reserve(const PendingJob& job, const Placement& placement,
               const CycleContext& context) override;
  void Unreserve(const PendingJob& job, const Placement& placement,
                 const CycleContext& context) override;

 private:
  std::string PayerOf(const PendingJob& job, const CycleContext& context) const;

  std::map<std::string, MicroCredits, std::less<>> available_;
  std::map<JobId, std::pair<std::string, MicroCredits>> reserved_;  // payer and amount
};

}  // namespace sharc::policies

#endif  // SHARC_POLICIES_PLUGINS_CREDIT_CHECK_H_
