#include "store/ledger_replay.h"

#include <utility>

namespace sharc::store {
namespace {

bool PerJob(LedgerKind kind) {
  return kind == LedgerKind::kReserve || kind == LedgerKind::kCharge ||
         kind == LedgerKind::kRelease;
}

std::string EntryName(int64_t seq) { return "entry " + std::to_string(seq); }

}  // namespace

LedgerReplayer::LedgerReplayer(const std::map<int64_t, std::string>& grant_tenants) {
  for (const auto& [id, tenant] : grant_tenants) {
    Grant& grant = replay_.grants[id];
    grant.id = id;
    grant.tenant = tenant;
  }
}

void LedgerReplayer::Problem(std::string problem) {
  if (replay_.problems.size() < kMaxProblems) {
    replay_.problems.push_back(std::move(problem));
  } else {
    ++dropped_problems_;
  }
}

void LedgerReplayer::CannotApply(int64_t seq, const std::string& why) {
  ++replay_.entries;
  Problem(EntryName(seq) + " cannot apply: " + why);
}

void LedgerReplayer::Apply(const LedgerEntry& entry) {
  ++replay_.entries;
  const std::string name = EntryName(entry.seq);
  auto found = replay_.grants.find(entry.grant_id);
  if (found == replay_.grants.end()) {
    return Problem(name + " names grant " + std::to_string(entry.grant_id) +
                   ", which does not exist");
  }
  Grant& grant = found->second;
  if (entry.amount <= 0) {
    return Problem(name + " cannot apply: its amount " + std::to_string(entry.amount) +
                   " is not positive");
  }
  if (PerJob(entry.kind) != (entry.attempt.job.value > 0)) {
    return Problem(name + " cannot apply: a " + std::string(LedgerKindName(entry.kind)) +
                   " entry " + (PerJob(entry.kind) ? "needs a job attempt" : "names no job") +
                   ", it names job " + std::to_string(entry.attempt.job.value));
  }
  if (entry.tenant != grant.tenant) {
    Problem(name + " is of tenant '" + entry.tenant + "', but grant " + std::to_string(grant.id) +
            " belongs to '" + grant.tenant + "'");
  }
  if (entry.kind == LedgerKind::kGrant &&
      __builtin_add_overflow(grant.amount, entry.amount, &grant.amount)) {
    return Problem(name + " overflows the amount of grant " + std::to_string(grant.id));
  }
  if (PerJob(entry.kind)) {
    MicroCredits& held = held_[{entry.attempt.job.value, entry.attempt.attempt, entry.grant_id}];
    if (entry.kind == LedgerKind::kReserve) {
      held += entry.amount;
    } else {
      if (entry.amount > held) {
        Problem(name + (entry.kind == LedgerKind::kCharge ? " charges " : " releases ") +
                FormatCredits(entry.amount) + " credits for job " +
                std::to_string(entry.attempt.job.value) + " attempt " +
                std::to_string(entry.attempt.attempt) + " on grant " + std::to_string(grant.id) +
                ", which holds only " + FormatCredits(held) + " in reserve for it");
      }
      held -= entry.amount;
    }
  }
  ApplyLedgerEntry(entry, grant);
  Status balanced = CheckGrantBalances(grant);
  if (balanced.ok()) {
    unbalanced_.erase(grant.id);
  } else if (unbalanced_.insert(grant.id).second) {
    Problem(name + ": " + balanced.message());
  }
}

LedgerReplay LedgerReplayer::Finish() && {
  if (dropped_problems_ > 0) {
    replay_.problems.push_back("... and " + std::to_string(dropped_problems_) + " more problems");
  }
  return std::move(replay_);
}

}  // namespace sharc::store
