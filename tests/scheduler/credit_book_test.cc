// Credit arithmetic: prices, reservations, settlement and expiry, to the micro-credit.
#include "scheduler/credit_book.h"

#include <gtest/gtest.h>

namespace sharc::scheduler {
namespace {

constexpr UnixMillis kHour = 3'600'000;

PriceList Prices() {
  PriceList p;
  p.per_cpu_hour = 2'000'000;   // 2 credits per CPU-hour
  p.per_gib_hour = 500'000;     // 0.5 credits per GiB-hour
  p.per_gpu_hour = 10'000'000;  // 10 credits per GPU-hour, any model
  p.per_gpu_hour_by_model["H100"] = 40'000'000;
  return p;
}

JobSpec Spec(int cpus, int64_t gib, int gpus, int64_t seconds, std::string model = "") {
  JobSpec spec;
  spec.command = {"true"};
  spec.cpus = cpus;
  spec.memory_bytes = gib << 30;
  spec.gpus = gpus;
  spec.gpu_model = std::move(model);
  spec.time_limit_seconds = seconds;
  return spec;
}

int64_t LedgerSum(const std::vector<store::Mutation>& batch, LedgerKind kind) {
  int64_t sum = 0;
  for (const auto& m : batch) {
    if (auto* e = std::get_if<store::AppendLedger>(&m); e && e->entry.kind == kind) {
      sum += e->entry.amount;
    }
  }
  return sum;
}

TEST(CostTest, IsExactAndRoundsDown) {
  PriceList p = Prices();
  const std::vector<std::string> unlisted = {"A40"};
  // 2 CPUs x 2 + 4 GiB x 0.5 + 1 GPU x 10 = 16 credits per hour.
  EXPECT_EQ(Cost(p, Spec(2, 4, 1, 3600), kHour, &unlisted), 16'000'000);
  // A 1 ms slice: 16e6 / 3.6e6 = 4.444... -> 4 micro-credits.
  EXPECT_EQ(Cost(p, Spec(2, 4, 1, 3600), 1, &unlisted), 4);
  // The model price replaces the default: 2 H100 x 40 = 80 per hour, for 90 s = 2 credits.
  EXPECT_EQ(Cost(p, Spec(0 + 1, 0, 2, 3600, "h100"), 90'000), (2'000'000 + 80'000'000) / 40);
  EXPECT_EQ(WorstCaseCost(p, Spec(1, 1, 0, 1800)), 1'250'000);  // (2 + 0.5) x 0.5 h
  EXPECT_EQ(Cost(p, Spec(1, 1, 0, 60), 0), 0);
  EXPECT_TRUE(PriceList().free());
  EXPECT_FALSE(p.free());
}

// A GPU costs what its model costs, whatever the job asked for: one that named no model and
// was given H100s pays the H100 price. Before placement, such a job's estimate (the credit it
// must have to start) is at the dearest price it could be given.
TEST(CostTest, GpusArePricedByTheModelGranted) {
  PriceList p = Prices();
  const std::vector<std::string> h100s = {"H100", "H100"};
  const std::vector<std::string> mixed = {"H100", ""};  // "" = a model not known: the default
  // 1 CPU x 2 + 2 GPUs.
  EXPECT_EQ(Cost(p, Spec(1, 0, 2, 3600), kHour, &h100s), 2'000'000 + 80'000'000);
  EXPECT_EQ(Cost(p, Spec(1, 0, 2, 3600), kHour, &mixed), 2'000'000 + 50'000'000);
  EXPECT_EQ(WorstCaseCost(p, Spec(1, 0, 2, 3600)), 2'000'000 + 80'000'000);
  EXPECT_EQ(WorstCaseCost(p, Spec(1, 0, 2, 3600, "A40")), 2'000'000 + 20'000'000);
  // A gang's GPUs are those of all its nodes; its CPUs are on each.
  JobSpec gang = Spec(1, 0, 1, 3600);
  gang.num_nodes = 2;
  EXPECT_EQ(Cost(p, gang, kHour, &mixed), 2 * 2'000'000 + 50'000'000);
  EXPECT_EQ(GpuHourPrice(p, "h100"), 40'000'000);
  EXPECT_EQ(GpuHourPrice(p, "A40"), 10'000'000);
}

TEST(CreditBookTest, ReservesFromTheGrantThatExpiresFirstAndSettlesExactly) {
  CreditBook book(Prices());
  std::vector<store::Mutation> batch;
  auto later =
      book.AddGrant({"acme", 100'000'000, GrantSource::kPurchase, "p", 0, 10 * kHour}, 1, &batch);
  auto sooner =
      book.AddGrant({"acme", 5'000'000, GrantSource::kVoucher, "v", 0, 5 * kHour}, 1, &batch);
  ASSERT_TRUE(later.ok() && sooner.ok());
  EXPECT_EQ(book.Available("acme", 2), 105'000'000);

  AttemptId attempt{JobId{1}, 1};
  batch.clear();
  book.Reserve("acme", attempt, 8'000'000, 2, &batch);  // 5 from the voucher, 3 from purchase
  EXPECT_EQ(LedgerSum(batch, LedgerKind::kReserve), 8'000'000);
  EXPECT_EQ(book.grants().at(sooner->id).reserved, 5'000'000);
  EXPECT_EQ(book.grants().at(later->id).reserved, 3'000'000);
  EXPECT_EQ(book.Available("acme", 2), 97'000'000);
  EXPECT_EQ(book.ReservedFor(attempt), 8'000'000);

  batch.clear();
  MicroCredits charged = book.Settle(attempt, 6'500'001, 3, &batch);
  EXPECT_EQ(charged, 6'500'001);
  EXPECT_EQ(LedgerSum(batch, LedgerKind::kCharge), 6'500'001);
  EXPECT_EQ(LedgerSum(batch, LedgerKind::kRelease), 1'499'999);
  EXPECT_EQ(book.grants().at(sooner->id).spent, 5'000'000);  // the expiring one pays first
  EXPECT_EQ(book.grants().at(later->id).spent, 1'500'001);
  EXPECT_EQ(book.Available("acme", 3), 105'000'000 - 6'500'001);
  EXPECT_EQ(book.ReservedFor(attempt), 0);
  EXPECT_TRUE(book.CheckConsistency().ok());
}

TEST(CreditBookTest, NeverChargesMoreThanWasReserved) {
  CreditBook book(Prices());
  std::vector<store::Mutation> batch;
  ASSERT_TRUE(
      book.AddGrant({"acme", 10'000'000, GrantSource::kVoucher, "v", 0, kHour}, 1, &batch).ok());
  AttemptId attempt{JobId{7}, 2};
  book.Reserve("acme", attempt, 4'000'000, 2, &batch);
  EXPECT_EQ(book.Settle(attempt, 9'000'000, 3, &batch), 4'000'000);  // ran past its limit
  EXPECT_EQ(book.Available("acme", 3), 6'000'000);
  EXPECT_EQ(book.Settle(attempt, 1, 4, &batch), 0);  // settled already: nothing happens
  EXPECT_TRUE(book.CheckConsistency().ok());
}

TEST(CreditBookTest, AGrantExpiresAtItsBoundaryAndReleasedCreditOfAClosedGrantExpires) {
  CreditBook book(Prices());
  std::vector<store::Mutation> batch;
  auto grant = book.AddGrant({"acme", 10'000'000, GrantSource::kVoucher, "v", 0, 1000}, 1, &batch);
  ASSERT_TRUE(grant.ok());
  AttemptId attempt{JobId{1}, 1};
  book.Reserve("acme", attempt, 4'000'000, 10, &batch);
  EXPECT_EQ(book.Available("acme", 999), 6'000'000);
  EXPECT_EQ(book.Available("acme", 1000), 0) << "valid_until is exclusive";
  batch.clear();
  book.ExpireDue(999, &batch);
  EXPECT_TRUE(batch.empty());
  book.ExpireDue(1000, &batch);
  EXPECT_EQ(LedgerSum(batch, LedgerKind::kExpire), 6'000'000);
  EXPECT_TRUE(book.grants().at(grant->id).closed);
  EXPECT_EQ(book.Remaining("acme"), 0);
  // The running job ends later: it pays from its reservation; the rest expires, not returns.
  batch.clear();
  book.Settle(attempt, 1'000'000, 2000, &batch);
  EXPECT_EQ(LedgerSum(batch, LedgerKind::kRelease), 3'000'000);
  EXPECT_EQ(LedgerSum(batch, LedgerKind::kExpire), 3'000'000);
  const Grant& g = book.grants().at(grant->id);
  EXPECT_EQ(g.available, 0);
  EXPECT_EQ(g.spent, 1'000'000);
  EXPECT_EQ(g.expired, 9'000'000);
  EXPECT_TRUE(book.CheckConsistency().ok());
}

TEST(CreditBookTest, RefusesBadGrants) {
  CreditBook book(Prices());
  std::vector<store::Mutation> batch;
  EXPECT_EQ(
      book.AddGrant({"acme", 0, GrantSource::kVoucher, "v", 0, 10}, 1, &batch).status().code(),
      StatusCode::kInvalidArgument);
  EXPECT_NE(book.AddGrant({"acme", 5, GrantSource::kVoucher, "v", 10, 5}, 1, &batch)
                .status()
                .message()
                .find("after valid_from"),
            std::string::npos);
  EXPECT_NE(book.AddGrant({"acme", 5, GrantSource::kVoucher, "v", 0, 5}, 100, &batch)
                .status()
                .message()
                .find("past"),
            std::string::npos);
  EXPECT_FALSE(book.AddGrant({"acme", 5, GrantSource::kVoucher, "", 0, 500}, 100, &batch).ok());
  EXPECT_TRUE(batch.empty()) << "a refused grant records nothing";
}

TEST(CreditsTest, ParseAndFormat) {
  EXPECT_EQ(*ParseCredits("100"), 100'000'000);
  EXPECT_EQ(*ParseCredits("2.5"), 2'500'000);
  EXPECT_EQ(*ParseCredits("0.000001"), 1);
  EXPECT_FALSE(ParseCredits("-5").ok());
  EXPECT_FALSE(ParseCredits("1.0000001").ok());
  EXPECT_FALSE(ParseCredits("abc").ok());
  EXPECT_FALSE(ParseCredits("").ok());
  EXPECT_EQ(FormatCredits(2'500'000), "2.5");
  EXPECT_EQ(FormatCredits(100'000'000), "100");
  EXPECT_EQ(FormatCredits(1), "0.000001");
}

}  // namespace
}  // namespace sharc::scheduler
