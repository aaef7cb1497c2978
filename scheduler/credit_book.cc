#include "scheduler/credit_book.h"

#include <algorithm>
#include <cassert>
#include <tuple>

namespace sharc::scheduler {

void CreditBook::Restore(std::vector<Grant> grants, int64_t next_grant_id,
                         const std::vector<store::OpenReservation>& open) {
  for (Grant& grant : grants) grants_[grant.id] = std::move(grant);
  next_grant_id_ = next_grant_id;
  for (const auto& [id, grant] : grants_) next_grant_id_ = std::max(next_grant_id_, id + 1);
  for (const store::OpenReservation& r : open) {
    reservations_[r.attempt][r.grant_id] += r.amount;
  }
}

void CreditBook::Record(Grant& grant, LedgerKind kind, AttemptId attempt, MicroCredits amount,
                        UnixMillis now, std::vector<store::Mutation>* out) {
  if (amount <= 0) return;
  LedgerEntry entry;
  entry.tenant = grant.tenant;
  entry.grant_id = grant.id;
  entry.attempt = attempt;
  entry.kind = kind;
  entry.amount = amount;
  entry.time = now;
  ApplyLedgerEntry(entry, grant);
  out->push_back(store::AppendLedger{entry});
  out->push_back(store::PutGrant{grant});
}

StatusOr<Grant> CreditBook::AddGrant(const NewGrant& r, UnixMillis now,
                                     std::vector<store::Mutation>* out) {
  if (r.amount <= 0) return InvalidArgumentError("credits: must be more than zero");
  if (r.program.empty() || r.program.size() > 128) {
    return InvalidArgumentError("program: name the programme or purchase (1 to 128 characters)");
  }
  if (r.valid_until <= r.valid_from) {
    return InvalidArgumentError("valid_until: must be after valid_from");
  }
  if (r.valid_until <= now) return InvalidArgumentError("valid_until: already in the past");
  Grant grant;
  grant.id = next_grant_id_++;
  grant.tenant = r.tenant;
  grant.amount = r.amount;
  grant.source = r.source;
  grant.program = r.program;
  grant.valid_from = r.valid_from;
  grant.valid_until = r.valid_until;
  grant.created = now;
  Grant& stored = grants_[grant.id] = grant;
  Record(stored, LedgerKind::kGrant, AttemptId{}, r.amount, now, out);
  return stored;
}

MicroCredits CreditBook::Available(const std::string& tenant, UnixMillis now) const {
  MicroCredits total = 0;
  for (const auto& [id, g] : grants_) {
    if (g.tenant == tenant && !g.closed && g.ValidAt(now)) total += g.available;
  }
  return total;
}

MicroCredits CreditBook::Remaining(const std::string& tenant) const {
  MicroCredits total = 0;
  for (const auto& [id, g] : grants_) {
    if (g.tenant == tenant && !g.closed) total += g.available + g.reserved;
  }
  return total;
}

MicroCredits CreditBook::Reserved(const std::string& tenant) const {
  MicroCredits total = 0;
  for (const auto& [id, g] : grants_) {
    if (g.tenant == tenant) total += g.reserved;
  }
  return total;
}

void CreditBook::Reserve(const std::string& tenant, AttemptId attempt, MicroCredits amount,
                         UnixMillis now, std::vector<store::Mutation>* out) {
  std::vector<Grant*> usable;
  for (auto& [id, g] : grants_) {
    if (g.tenant == tenant && !g.closed && g.ValidAt(now) && g.available > 0) usable.push_back(&g);
  }
  std::sort(usable.begin(), usable.end(), [](const Grant* a, const Grant* b) {
    return std::tie(a->valid_until, a->id) < std::tie(b->valid_until, b->id);
  });
  MicroCredits left = amount;
  for (Grant* g : usable) {
    if (left == 0) break;
    MicroCredits take = std::min(left, g->available);
    Record(*g, LedgerKind::kReserve, attempt, take, now, out);
    reservations_[attempt][g->id] += take;
    left -= take;
  }
  assert(left == 0 && "Reserve called without enough available credit");
}

MicroCredits CreditBook::Settle(AttemptId attempt, MicroCredits cost, UnixMillis now,
                                std::vector<store::Mutation>* out) {
  auto it = reservations_.find(attempt);
  if (it == reservations_.end()) return 0;
  // Charge from the grants in the order they were drawn on (expiring first).
  std::vector<std::pair<int64_t, MicroCredits>> held(it->second.begin(), it->second.end());
  std::sort(held.begin(), held.end(), [&](const auto& a, const auto& b) {
    const Grant& ga = grants_.at(a.first);
    const Grant& gb = grants_.at(b.first);
    return std::tie(ga.valid_until, ga.id) < std::tie(gb.valid_until, gb.id);
  });
  MicroCredits to_charge = std::max<MicroCredits>(0, cost);
  MicroCredits charged = 0;
  for (const auto& [grant_id, amount] : held) {
    Grant& g = grants_.at(grant_id);
    MicroCredits charge = std::min(to_charge, amount);
    Record(g, LedgerKind::kCharge, attempt, charge, now, out);
    to_charge -= charge;
    charged += charge;
    MicroCredits back = amount - charge;
    Record(g, LedgerKind::kRelease, attempt, back, now, out);
    if (g.closed) Record(g, LedgerKind::kExpire, AttemptId{}, back, now, out);
  }
  reservations_.erase(it);
  return charged;
}

void CreditBook::ExpireDue(UnixMillis now, std::vector<store::Mutation>* out) {
  for (auto& [id, g] : grants_) {
    if (g.closed || now < g.valid_until) continue;
    g.closed = true;
    if (g.available > 0) {
      Record(g, LedgerKind::kExpire, AttemptId{}, g.available, now, out);
    } else {
      out->push_back(store::PutGrant{g});
    }
  }
}

MicroCredits CreditBook::ReservedFor(AttemptId attempt) const {
  auto it = reservations_.find(attempt);
  if (it == reservations_.end()) return 0;
  MicroCredits total = 0;
  for (const auto& [grant, amount] : it->second) total += amount;
  return total;
}

std::vector<const Grant*> CreditBook::GrantsOf(const std::string& tenant) const {
  std::vector<const Grant*> out;
  for (const auto& [id, g] : grants_) {
    if (g.tenant == tenant) out.push_back(&g);
  }
  return out;
}

Status CreditBook::CheckConsistency() const {
  std::map<int64_t, MicroCredits> reserved;
  for (const auto& [attempt, held] : reservations_) {
    for (const auto& [grant, amount] : held) {
      if (!grants_.count(grant)) return InternalError("a reservation names an unknown grant");
      reserved[grant] += amount;
    }
  }
  for (const auto& [id, g] : grants_) {
    SHARC_RETURN_IF_ERROR(CheckGrantBalances(g));
    if (g.reserved != reserved[id]) {
      return InternalError("grant " + std::to_string(id) +
                           ": reserved balance differs from the jobs' reservations");
    }
  }
  return Status::Ok();
}

}  // namespace sharc::scheduler
