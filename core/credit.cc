#include "core/credit.h"

#include <algorithm>
#include <cctype>

namespace sharc {

StatusOr<MicroCredits> ParseCredits(std::string_view text) {
  auto bad = [&] {
    return InvalidArgumentError("'" + std::string(text) +
                                "' is not an amount of credits; use e.g. 100 or 2.5 (at most "
                                "six decimals, not negative)");
  };
  size_t dot = text.find('.');
  std::string whole(text.substr(0, dot));
  std::string frac = dot == std::string_view::npos ? "" : std::string(text.substr(dot + 1));
  if (whole.empty() || whole.size() > 12 || frac.size() > 6 ||
      (dot != std::string_view::npos && frac.empty()) ||
      whole.find_first_not_of("0123456789") != std::string::npos ||
      frac.find_first_not_of("0123456789") != std::string::npos) {
    return bad();
  }
  while (frac.size() < 6) frac += '0';
  return std::stoll(whole) * kMicrosPerCredit + std::stoll(frac);
}

std::string FormatCredits(MicroCredits micros) {
  bool negative = micros < 0;
  __int128 v = micros;
  if (negative) v = -v;
  std::string whole = std::to_string(static_cast<int64_t>(v / kMicrosPerCredit));
  std::string frac = std::to_string(static_cast<int64_t>(v % kMicrosPerCredit));
  frac = std::string(6 - frac.size(), '0') + frac;
  while (!frac.empty() && frac.back() == '0') frac.pop_back();
  return (negative ? "-" : "") + whole + (frac.empty() ? "" : "." + frac);
}

bool PriceList::free() const {
  if (per_cpu_hour || per_gib_hour || per_gpu_hour) return false;
  return std::all_of(per_gpu_hour_by_model.begin(), per_gpu_hour_by_model.end(),
                     [](const auto& entry) { return entry.second == 0; });
}

MicroCredits GpuHourPrice(const PriceList& prices, std::string_view model) {
  for (const auto& [listed, price] : prices.per_gpu_hour_by_model) {
    if (listed.size() == model.size() &&
        std::equal(listed.begin(), listed.end(), model.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) ==
                 std::tolower(static_cast<unsigned char>(b));
        })) {
      return price;
    }
  }
  return prices.per_gpu_hour;
}

MicroCredits Cost(const PriceList& prices, const JobSpec& spec, int64_t duration_ms,
                  const std::vector<std::string>* granted_gpu_models) {
  if (duration_ms <= 0) return 0;
  const __int128 nodes = std::max(spec.num_nodes, 1);  // a gang pays for its every node
  // GPU-price units held: sum of each GPU's hourly price.
  __int128 gpu_prices = 0;
  if (granted_gpu_models) {
    for (const std::string& model : *granted_gpu_models) gpu_prices += GpuHourPrice(prices, model);
  } else {
    MicroCredits price = GpuHourPrice(prices, spec.gpu_model);
    if (spec.gpu_model.empty()) {  // any model may be given: the dearest
      for (const auto& [model, listed] : prices.per_gpu_hour_by_model) {
        price = std::max(price, listed);
      }
    }
    gpu_prices = __int128{spec.gpus} * price * nodes;
  }
  // Everything over the common denominator 1000 (millicpus) x 2^30 (bytes per GiB):
  //   cpu:    cpus x 1000 millicpus x price x 2^30
  //   memory: bytes x price x 1000
  //   gpu:    price x 1000 x 2^30, summed over the GPUs
  constexpr __int128 kGiB = __int128{1} << 30;
  __int128 rate = (__int128{spec.cpus} * kMilliCpusPerCpu * prices.per_cpu_hour * kGiB +
                   __int128{spec.memory_bytes} * prices.per_gib_hour * 1000) *
                      nodes +
                  gpu_prices * 1000 * kGiB;
  __int128 cost = rate * duration_ms / (__int128{1000} * kGiB * 3'600'000);
  return static_cast<MicroCredits>(std::min<__int128>(cost, INT64_MAX));
}

MicroCredits WorstCaseCost(const PriceList& prices, const JobSpec& spec,
                           const std::vector<std::string>* granted_gpu_models) {
  return Cost(prices, spec, spec.time_limit_seconds * 1000, granted_gpu_models);
}

std::string_view GrantSourceName(GrantSource source) {
  return source == GrantSource::kVoucher ? "voucher" : "purchase";
}

std::optional<GrantSource> ParseGrantSource(std::string_view name) {
  if (name == "voucher") return GrantSource::kVoucher;
  if (name == "purchase") return GrantSource::kPurchase;
  return std::nullopt;
}

std::string_view LedgerKindName(LedgerKind kind) {
  switch (kind) {
    case LedgerKind::kGrant:
      return "grant";
    case LedgerKind::kReserve:
      return "reserve";
    case LedgerKind::kCharge:
      return "charge";
    case LedgerKind::kRelease:
      return "release";
    case LedgerKind::kExpire:
      return "expire";
  }
  return "grant";
}

std::optional<LedgerKind> ParseLedgerKind(std::string_view name) {
  for (LedgerKind k : {LedgerKind::kGrant, LedgerKind::kReserve, LedgerKind::kCharge,
                       LedgerKind::kRelease, LedgerKind::kExpire}) {
    if (LedgerKindName(k) == name) return k;
  }
  return std::nullopt;
}

void ApplyLedgerEntry(const LedgerEntry& e, Grant& g) {
  switch (e.kind) {
    case LedgerKind::kGrant:
      g.available += e.amount;
      break;
    case LedgerKind::kReserve:
      g.available -= e.amount;
      g.reserved += e.amount;
      break;
    case LedgerKind::kCharge:
      g.reserved -= e.amount;
      g.spent += e.amount;
      break;
    case LedgerKind::kRelease:
      g.reserved -= e.amount;
      g.available += e.amount;
      break;
    case LedgerKind::kExpire:
      g.available -= e.amount;
      g.expired += e.amount;
      break;
  }
}

Status CheckGrantBalances(const Grant& g) {
  std::string who = "grant " + std::to_string(g.id) + " of " + g.tenant;
  if (g.available < 0) return InternalError(who + ": available balance is negative");
  if (g.reserved < 0) return InternalError(who + ": reserved balance is negative");
  if (g.spent < 0 || g.expired < 0) return InternalError(who + ": negative spent or expired");
  if (g.available + g.reserved + g.spent + g.expired != g.amount) {
    return InternalError(who + ": available + reserved + spent + expired != amount");
  }
  return Status::Ok();
}

}  // namespace sharc
