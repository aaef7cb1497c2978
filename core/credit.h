// Compute credit (vouchers and purchases): integer micro-credits, prices, costs, grants and
// the ledger entry kinds. No floating point anywhere.
//
// A grant holds two balances, moved only by ledger entries:
//   grant   +a to available              reserve  x from available to reserved
//   charge  x out of reserved (spent)     release  x from reserved back to available
//   expire  x out of available (the grant ended with it unspent)
// So a tenant's balance is always the sum of its entries; `sharc admin ledger verify`
// recomputes every grant's balances from the ledger and compares.
#ifndef SHARC_CORE_CREDIT_H_
#define SHARC_CORE_CREDIT_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"
#include "core/job.h"
#include "core/status.h"

namespace sharc {

using MicroCredits = int64_t;
inline constexpr MicroCredits kMicrosPerCredit = 1'000'000;

// "100", "2.5", "0.000001" -> micro-credits. Negative, more than six decimals or overflow are
// refused.
StatusOr<MicroCredits> ParseCredits(std::string_view text);
// "2.5", "100", "0.000001" (no trailing zeros).
std::string FormatCredits(MicroCredits micros);

// Credits per hour of one unit of each resource.
struct PriceList {
  MicroCredits per_cpu_hour = 0;
  MicroCredits per_gib_hour = 0;
  MicroCredits per_gpu_hour = 0;                              // models not listed below
  std::map<std::string, MicroCredits> per_gpu_hour_by_model;  // e.g. "H100"
  friend bool operator==(const PriceList&, const PriceList&) = default;

  bool free() const;  // every price zero: credit is not enforced
};

// What one GPU of `model` costs per hour: its price in per_gpu_hour_by_model (the model's
// name compared without regard to case), else per_gpu_hour.
MicroCredits GpuHourPrice(const PriceList& prices, std::string_view model);

// The cost of holding `spec`'s request for `duration_ms`, rounded down to the micro-credit:
// floor(sum(amount x price) x duration / 1 h), computed exactly in 128-bit integers. CPUs and
// memory on each of its nodes; GPUs at the price of their model: with `granted_gpu_models`
// (the model of every GPU the job holds, on all its nodes) each at its own model's, else (not
// placed yet) spec.gpus on each node at the price of spec.gpu_model or, with none asked for,
// of the dearest GPU it could be given.
MicroCredits Cost(const PriceList& prices, const JobSpec& spec, int64_t duration_ms,
                  const std::vector<std::string>* granted_gpu_models = nullptr);
// The worst case: the whole time limit.
MicroCredits WorstCaseCost(const PriceList& prices, const JobSpec& spec,
                           const std::vector<std::string>* granted_gpu_models = nullptr);

enum class GrantSource { kVoucher, kPurchase };
std::string_view GrantSourceName(GrantSource source);  // "voucher", "purchase"
std::optional<GrantSource> ParseGrantSource(std::string_view name);

struct Grant {
  int64_t id = 0;  // assigned by the scheduler, never reused
  std::string tenant;
  MicroCredits amount = 0;
  GrantSource source = GrantSource::kVoucher;
  std::string program;  // e.g. the voucher programme's name
  UnixMillis valid_from = 0;
  UnixMillis valid_until = 0;  // exclusive
  UnixMillis created = 0;
  // Balances, as the ledger entries so far leave them.
  MicroCredits available = 0;
  MicroCredits reserved = 0;
  MicroCredits spent = 0;
  MicroCredits expired = 0;
  bool closed = false;  // past valid_until and its unspent remainder expired
  friend bool operator==(const Grant&, const Grant&) = default;

  bool ValidAt(UnixMillis t) const { return valid_from <= t && t < valid_until; }
};

enum class LedgerKind { kGrant, kReserve, kCharge, kRelease, kExpire };
std::string_view LedgerKindName(LedgerKind kind);  // "grant", "reserve", ...
std::optional<LedgerKind> ParseLedgerKind(std::string_view name);

struct LedgerEntry {
  int64_t seq = 0;  // assigned by the store, increasing
  std::string tenant;
  int64_t grant_id = 0;
  AttemptId attempt;  // job 0 for grant and expire entries
  LedgerKind kind = LedgerKind::kGrant;
  MicroCredits amount = 0;  // > 0; the kind says which balance moves
  UnixMillis time = 0;
  friend bool operator==(const LedgerEntry&, const LedgerEntry&) = default;
};

// Applies `entry` to the grant's balances (no checks; see CheckGrantBalances).
void ApplyLedgerEntry(const LedgerEntry& entry, Grant& grant);
// OK, or Internal naming the balance that went negative or does not add up:
// amount == available + reserved + spent + expired.
Status CheckGrantBalances(const Grant& grant);

}  // namespace sharc

#endif  // SHARC_CORE_CREDIT_H_
