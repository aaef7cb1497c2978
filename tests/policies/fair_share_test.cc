#include "policies/fair_share.h"

#include <gtest/gtest.h>

#include <cmath>

#include "policies/plugins/queue_sorts.h"
#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::JobBuilder;
using builder::PendingQueue;

TEST(FairShareTest, DominantShareIsTheScarcestResource) {
  Resources capacity{{"cpu", 96'000}, {"memory", int64_t{768} << 30}, {"gpu", 8}};
  // 1 GPU of 8 = 0.125 beats 2 CPUs of 96 and 16 GiB of 768.
  EXPECT_DOUBLE_EQ(
      DominantShare({{"cpu", 2000}, {"memory", int64_t{16} << 30}, {"gpu", 1}}, capacity), 0.125);
  // 12 CPUs of 96 = 0.125 too: an hour of either weighs the same.
  EXPECT_DOUBLE_EQ(DominantShare({{"cpu", 12'000}}, capacity), 0.125);
  EXPECT_DOUBLE_EQ(DominantShare({{"gpu", 1}}, Resources{{"cpu", 4000}}), 0);  // no GPUs here
}

TEST(FairShareTest, UsageHalvesEveryHalfLife) {
  EXPECT_DOUBLE_EQ(Decay(100, 3600'000, 3600'000), 50);
  EXPECT_DOUBLE_EQ(Decay(100, 7200'000, 3600'000), 25);
  EXPECT_DOUBLE_EQ(Decay(100, 0, 3600'000), 100);
  EXPECT_DOUBLE_EQ(Decay(100, 3600'000, 0), 100);  // no half-life: no decay
}

TEST(FairShareTest, DecayedHoldingIsTheIntegralOfTheDecayedRate) {
  // Half the cluster for one half-life H = 1000 s: 0.5 x H / ln 2 x (1 - 1/2) = 360.67 s.
  EXPECT_NEAR(DecayedHolding(0.5, 0, 1000'000, 1000'000), 0.5 * 1000 / std::log(2.0) * 0.5, 1e-9);
  // Without decay: rate x time.
  EXPECT_DOUBLE_EQ(DecayedHolding(0.5, 0, 1000'000, 0), 500);
  // Tiny intervals barely decay.
  EXPECT_NEAR(DecayedHolding(1, 0, 1000, 3600'000'000), 1.0, 1e-6);
}

TEST(FairShareTest, FactorIsOneWhenUnusedAndHalfAtTheShare) {
  EXPECT_DOUBLE_EQ(FairShareFactor(0, 100, 1, 4), 1);
  EXPECT_DOUBLE_EQ(FairShareFactor(0, 0, 1, 4), 1);
  // A quarter of the shares and a quarter of the use: 2^-1.
  EXPECT_DOUBLE_EQ(FairShareFactor(25, 100, 1, 4), 0.5);
  // Twice its share: 2^-2.
  EXPECT_DOUBLE_EQ(FairShareFactor(50, 100, 1, 4), 0.25);
}

TEST(FairShareSortTest, TheTenantFurthestBelowItsShareGoesFirstLevelByLevel) {
  // Enterprises: acme (share 3) used 60, globex (share 1) used 40: acme's factor 2^-(0.6/0.75)
  // = 0.574 beats globex's 2^-(0.4/0.25) = 0.330. Inside acme, vision (share 1) used 50 and
  // nlp (share 1) 10: nlp first. Within a tenant, the older job first; priority above all.
  TenantsView tenants;
  auto add = [&](std::string name, int64_t share, double usage) {
    TenantView t;
    t.name = name;
    t.parent = std::string(ParentOf(name));
    t.share = share;
    t.usage = usage;
    tenants.Add(std::move(t));
  };
  add("acme", 3, 0);
  add("acme/vision", 1, 50);
  add("acme/nlp", 1, 10);
  add("globex", 1, 40);
  tenants.Finalize();
  static const PriorityClass kHigh{"high", 10, true, false};
  PendingQueue queue;
  queue.Add(1, JobBuilder().Build(), 1, "globex");
  queue.Add(2, JobBuilder().Build(), 2, "acme/vision");
  queue.Add(3, JobBuilder().Build(), 3, "acme/nlp");
  queue.Add(4, JobBuilder().Build(), 0, "acme/nlp");
  queue.Add(5, JobBuilder().Build(), 9, "globex", &kHigh);
  ClusterView view;
  CycleWork work;
  CycleContext context{view, tenants, 0, work, true};
  FairShareSort sort;
  sort.BeginCycle(context);
  auto [acme, nlp] = sort.FactorsOf("acme/nlp");
  EXPECT_NEAR(acme, std::exp2(-0.6 / 0.75), 1e-12);
  EXPECT_NEAR(sort.FactorsOf("globex").first, std::exp2(-0.4 / 0.25), 1e-12);
  // nlp: usage 10 of 60 among vision, nlp and acme's own jobs (share 1 each).
  EXPECT_NEAR(nlp, std::exp2(-(10.0 / 60) / (1.0 / 3)), 1e-12);
  std::vector<PendingJob> jobs = queue.jobs();
  sort.Sort(jobs, jobs.size(), context);
  std::vector<int64_t> ids;
  for (const PendingJob& job : jobs) ids.push_back(job.id.value);
  EXPECT_EQ(ids, (std::vector<int64_t>{5, 4, 3, 2, 1}));
}

}  // namespace
}  // namespace sharc::policies
