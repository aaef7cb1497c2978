// The tenants' credit in memory: grants with their balances and the credit each running
// attempt holds in reserve. Every change is returned as store mutations (an AppendLedger
// entry and the grant's new balances) for the caller to commit with the job transition that
// caused it, so the ledger and the jobs never disagree.
//
// Rules:
//   - A job's worst-case cost (request x time limit x price) is reserved when it starts, from
//     the tenant's grants valid then, the one that expires first first.
//   - When it ends, the actual cost (request x runtime x price) is charged from that
//     reservation (never more than it) and the rest released; what a closed grant gets back
//     expires at once.
//   - At valid_until a grant closes: its available balance expires. Reservations against it
//     stay until their jobs end.
// Only used on the scheduler's state thread.
#ifndef SHARC_SCHEDULER_CREDIT_BOOK_H_
#define SHARC_SCHEDULER_CREDIT_BOOK_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "core/credit.h"
#include "store/store.h"

namespace sharc::scheduler {

class CreditBook {
 public:
  explicit CreditBook(PriceList prices) : prices_(std::move(prices)) {}

  void Restore(std::vector<Grant> grants, int64_t next_grant_id,
               const std::vector<store::OpenReservation>& open);

  // With every price zero, credit is not enforced: nothing is reserved or charged.
  bool enforced() const { return !prices_.free(); }
  const PriceList& prices() const { return prices_; }

  struct NewGrant {
    std::string tenant;
    MicroCredits amount = 0;
    GrantSource source = GrantSource::kVoucher;
    std::string program;
    UnixMillis valid_from = 0;
    UnixMillis valid_until = 0;
  };
  // Validates (amount > 0, valid_until after valid_from and in the future, a program name)
  // and records the grant.
  StatusOr<Grant> AddGrant(const NewGrant& request, UnixMillis now,
                           std::vector<store::Mutation>* out);

  // What the tenant can reserve now: available on its grants valid at `now`.
  MicroCredits Available(const std::string& tenant, UnixMillis now) const;
  // All it could ever use from grants not yet closed (available + reserved, including grants
  // that start later): a job whose worst case exceeds this can never start.
  MicroCredits Remaining(const std::string& tenant) const;
  // Reserved across all its grants.
  MicroCredits Reserved(const std::string& tenant) const;

  // Precondition: Available(tenant, now) >= amount.
  void Reserve(const std::string& tenant, AttemptId attempt, MicroCredits amount, UnixMillis now,
               std::vector<store::Mutation>* out);
  // Charges min(cost, reserved) and releases the rest; returns what was charged. No-op (0)
  // for an attempt that holds nothing.
  MicroCredits Settle(AttemptId attempt, MicroCredits cost, UnixMillis now,
                      std::vector<store::Mutation>* out);
  // Closes the grants whose valid_until has passed.
  void ExpireDue(UnixMillis now, std::vector<store::Mutation>* out);

  MicroCredits ReservedFor(AttemptId attempt) const;
  std::vector<const Grant*> GrantsOf(const std::string& tenant) const;
  const std::map<int64_t, Grant>& grants() const { return grants_; }

  // Every grant's balances add up and are non-negative; reservations match the grants.
  Status CheckConsistency() const;

 private:
  void Record(Grant& grant, LedgerKind kind, AttemptId attempt, MicroCredits amount,
              UnixMillis now, std::vector<store::Mutation>* out);

  PriceList prices_;
  std::map<int64_t, Grant> grants_;
  int64_t next_grant_id_ = 1;
  // attempt -> (grant id -> amount held)
  std::map<AttemptId, std::map<int64_t, MicroCredits>> reservations_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_CREDIT_BOOK_H_
