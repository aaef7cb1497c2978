// Recomputes credit grants' balances from ledger entries alone, for `sharc admin ledger verify`
// (Store::ReplayLedger). Pure: no I/O; the store feeds it rows.
//
// Each grant starts fresh (id and tenant from its grant row, every amount and balance 0) and
// moves only by its entries, applied in seq order with ApplyLedgerEntry; a "grant" entry also
// adds to the grant's `amount`, so at the end `amount` is the sum of its grant entries. A
// problem is reported, and replay goes on, for:
//   - an entry naming a grant that has no grant row (the entry is skipped),
//   - an entry of another tenant than its grant's,
//   - an entry that cannot apply: an unknown kind, an amount not above zero, a reserve, charge
//     or release without a job attempt, a grant or expire entry with one (skipped),
//   - a charge or release larger than what that job attempt still holds in reserve on that
//     grant,
//   - a grant whose balances go negative (CheckGrantBalances after every entry; reported when
//     they first go wrong, again only after they were right once more).
// Comparing the result with the stored grant rows is the caller's business.
//
// Threading: not thread-safe; one replay per object.
#ifndef SHARC_STORE_LEDGER_REPLAY_H_
#define SHARC_STORE_LEDGER_REPLAY_H_

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <tuple>

#include "core/credit.h"
#include "store/store.h"

namespace sharc::store {

class LedgerReplayer {
 public:
  // At most this many problems are listed; a last line counts the rest.
  static constexpr size_t kMaxProblems = 1000;

  // `grant_tenants`: the id and tenant of every grant row.
  explicit LedgerReplayer(const std::map<int64_t, std::string>& grant_tenants);

  // Applies the next entry. Precondition: entries come in increasing seq order.
  void Apply(const LedgerEntry& entry);
  // Counts an entry that could not even be read as a LedgerEntry (e.g. an unknown kind), with
  // the reason.
  void CannotApply(int64_t seq, const std::string& why);

  LedgerReplay Finish() &&;

 private:
  void Problem(std::string problem);

  LedgerReplay replay_;
  size_t dropped_problems_ = 0;
  std::set<int64_t> unbalanced_;  // grants whose balances are wrong right now
  // Held in reserve per (job, attempt, grant).
  std::map<std::tuple<int64_t, int32_t, int64_t>, MicroCredits> held_;
};

}  // namespace sharc::store

#endif  // SHARC_STORE_LEDGER_REPLAY_H_
