#include "policies/plugins/tenant_quota.h"

#include <gtest/gtest.h>

#include <string>

#include "policies/plugins/credit_check.h"
#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::Cluster;
using builder::JobBuilder;
using builder::NodeBuilder;
using builder::PendingQueue;

constexpr int64_t kCpu = kMilliCpusPerCpu;

// Two 4-CPU nodes: capacity 8 CPUs, 32 GiB.
ClusterView EightCpus() { return Cluster({NodeBuilder("n1").Build(), NodeBuilder("n2").Build()}); }

struct TenantSpec {
  std::string name;
  int64_t guaranteed_cpus = 0;
  std::optional<int64_t> max_cpus;
  int64_t held_cpus = 0;
  int64_t pending = 0;
  int64_t running = 0;
  std::optional<int64_t> max_running;
  bool disabled = false;
};

TenantsView Tenants(const std::vector<TenantSpec>& specs) {
  TenantsView view;
  for (const TenantSpec& s : specs) {
    TenantView t;
    t.name = s.name;
    t.parent = std::string(ParentOf(s.name));
    if (s.guaranteed_cpus) t.quota.guaranteed.Set(kCpuResource, s.guaranteed_cpus * kCpu);
    if (s.max_cpus) t.quota.max.Set(kCpuResource, *s.max_cpus * kCpu);
    t.quota.max_running_jobs = s.max_running;
    t.held.Set(kCpuResource, s.held_cpus * kCpu);
    t.pending = s.pending;
    t.running = s.running;
    t.disabled = s.disabled;
    view.Add(std::move(t));
  }
  view.Finalize();
  return view;
}

class TenantQuotaTest : public ::testing::Test {
 protected:
  // The plugin's verdict on a job of `tenant` asking for `cpus` CPUs (1 GiB).
  PluginStatus Check(const TenantsView& tenants, const std::string& tenant, int cpus) {
    PendingQueue queue;
    PendingJob job = queue.Add(1, JobBuilder().Cpus(cpus).Build(), 0, tenant);
    CycleContext context{view_, tenants, 0, work_, true};
    plugin_.BeginCycle(context);
    return plugin_.PreFilter(job, context);
  }

  ClusterView view_ = EightCpus();
  CycleWork work_;
  TenantQuotaPlugin plugin_;
};

TEST_F(TenantQuotaTest, MaxRunningJobsAndDisabled) {
  TenantsView tenants =
      Tenants({{"acme", 0, 4, 3}, {"busy", 0, {}, 0, 0, 2, 2}, {"off", 0, {}, 0, 0, 0, {}, true}});
  PluginStatus max = Check(tenants, "acme", 2);
  EXPECT_EQ(max.reason, "QUOTA_MAX");
  EXPECT_EQ(max.message, "acme would hold 5 cpu; its max is 4");
  EXPECT_TRUE(max.preemption_may_help);
  EXPECT_TRUE(Check(tenants, "acme", 1).ok());
  EXPECT_EQ(Check(tenants, "busy", 1).reason, "QUOTA_RUNNING_JOBS");
  EXPECT_EQ(Check(tenants, "off", 1).reason, "TENANT_DISABLED");
  EXPECT_TRUE(Check(tenants, "unknown", 8).ok());  // no quota
}

TEST_F(TenantQuotaTest, AnIdleGuaranteeIsLentAndAWaitingOneIsProtected) {
  // A is guaranteed 4 of 8 CPUs and holds none; B holds 4 and asks for 1 more.
  // A idle: 4 + 1 <= 8, A lends its guarantee -> B may borrow.
  EXPECT_TRUE(Check(Tenants({{"a", 4}, {"b", 0, {}, 4}}), "b", 1).ok());
  // A has pending work: 4 + 1 + A's 4 protected = 9 > 8 -> nothing idle to borrow.
  PluginStatus held = Check(Tenants({{"a", 4, {}, 0, 1}, {"b", 0, {}, 4}}), "b", 1);
  EXPECT_EQ(held.reason, "NO_IDLE_CAPACITY");
  EXPECT_EQ(held.message, "no idle cpu to borrow beyond b's guarantee");
  EXPECT_FALSE(held.preemption_may_help);
}

TEST_F(TenantQuotaTest, OwedCapacityLentOutIsReclaiming) {
  // B borrows 6; C is guaranteed 2 and waits; A (guaranteed 4) asks for 2: 6 + 2 + C's 2 > 8,
  // and A stays within its guarantee: RECLAIMING.
  PluginStatus held =
      Check(Tenants({{"a", 4, {}, 0, 1}, {"b", 0, {}, 6}, {"c", 2, {}, 0, 1}}), "a", 2);
  EXPECT_EQ(held.reason, "RECLAIMING");
  EXPECT_TRUE(held.preemption_may_help);
}

TEST_F(TenantQuotaTest, AProjectCountsAgainstItsEnterprise) {
  // acme may hold 6; vision holds 3 and nlp 2: a 2-CPU vision job would take acme to 7.
  TenantsView tenants =
      Tenants({{"acme", 4, 6}, {"acme/vision", 2, {}, 3}, {"acme/nlp", 2, {}, 2}, {"globex", 4}});
  PluginStatus held = Check(tenants, "acme/vision", 2);
  EXPECT_EQ(held.reason, "QUOTA_MAX");
  EXPECT_EQ(held.message, "acme would hold 7 cpu; its max is 6");
  EXPECT_TRUE(Check(tenants, "acme/vision", 1).ok());
}

TEST_F(TenantQuotaTest, IdleCapacityIsLentInsideTheEnterpriseFirst) {
  // acme (4 = vision 2 + nlp 2) and globex (4) share 8 CPUs. vision holds its 2.
  // nlp idle, globex waiting: vision may take nlp's idle 2 (2 + 2 + globex's 4 = 8)...
  TenantsView inside = Tenants(
      {{"acme", 4}, {"acme/vision", 2, {}, 2, 1}, {"acme/nlp", 2}, {"globex", 4, {}, 0, 1}});
  EXPECT_TRUE(Check(inside, "acme/vision", 2).ok());
  // ...but not globex's: with 4 held, 4 + 1 + globex's 4 > 8.
  TenantsView across = Tenants(
      {{"acme", 4}, {"acme/vision", 2, {}, 4, 1}, {"acme/nlp", 2}, {"globex", 4, {}, 0, 1}});
  EXPECT_EQ(Check(across, "acme/vision", 1).reason, "NO_IDLE_CAPACITY");
  // And globex cannot take acme's idle guarantee while vision waits for it.
  TenantsView outsider =
      Tenants({{"acme", 4}, {"acme/vision", 2, {}, 2, 1}, {"acme/nlp", 2}, {"globex", 4, {}, 4}});
  EXPECT_EQ(Check(outsider, "globex", 1).reason, "NO_IDLE_CAPACITY");
  // With no acme project waiting, it can.
  TenantsView idle =
      Tenants({{"acme", 4}, {"acme/vision", 2, {}, 2}, {"acme/nlp", 2}, {"globex", 4, {}, 4}});
  EXPECT_TRUE(Check(idle, "globex", 1).ok());
}

TEST_F(TenantQuotaTest, ReserveCountsForLaterJobsAndUnreserveUndoesIt) {
  TenantsView tenants = Tenants({{"acme", 0, 4, 2}});
  PendingQueue queue;
  PendingJob first = queue.Add(1, JobBuilder().Cpus(2).Build(), 0, "acme");
  PendingJob second = queue.Add(2, JobBuilder().Cpus(1).Build(), 0, "acme");
  CycleContext context{view_, tenants, 0, work_, true};
  plugin_.BeginCycle(context);
  ASSERT_TRUE(plugin_.PreFilter(first, context).ok());
  plugin_.Reserve(first, {}, context);
  plugin_.Reserve(first, {}, context);  // counted once
  EXPECT_EQ(plugin_.PreFilter(second, context).reason, "QUOTA_MAX");
  plugin_.Unreserve(first, {}, context);
  EXPECT_TRUE(plugin_.PreFilter(second, context).ok());
}

TEST(CreditCheckTest, AJobStartsOnlyIfItsPayerCanReserveItsWorstCase) {
  ClusterView view = EightCpus();
  TenantsView tenants;
  TenantView project;
  project.name = "acme/vision";
  project.parent = "acme";
  project.payer = "acme";
  tenants.Add(project);
  TenantView acme;
  acme.name = "acme";
  acme.payer = "acme";
  tenants.Add(acme);
  tenants.credit.enforced = true;
  tenants.credit.prices.per_cpu_hour = kMicrosPerCredit;  // 1 credit per CPU-hour
  tenants.credit.available["acme"] = 3 * kMicrosPerCredit;
  tenants.Finalize();
  PendingQueue queue;
  // 2 CPUs for 1 h: 2 credits; then 2 more do not fit in the 1 left.
  PendingJob a = queue.Add(1, JobBuilder().Cpus(2).Build(), 0, "acme/vision");
  PendingJob b = queue.Add(2, JobBuilder().Cpus(2).Build(), 0, "acme");
  CycleWork work;
  CycleContext context{view, tenants, 0, work, true};
  CreditCheckPlugin plugin;
  plugin.BeginCycle(context);
  ASSERT_TRUE(plugin.PreFilter(a, context).ok());
  plugin.Reserve(a, {}, context);
  PluginStatus held = plugin.PreFilter(b, context);
  EXPECT_EQ(held.reason, "INSUFFICIENT_CREDIT");
  EXPECT_EQ(held.message, "needs 2 credits reserved; acme has 1 available");
}

}  // namespace
}  // namespace sharc::policies
