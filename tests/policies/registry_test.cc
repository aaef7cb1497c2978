#include "policies/registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policies/plugins/queue_sorts.h"
#include "tests/policies/view_builder.h"

namespace sharc::policies {
namespace {

using builder::JobBuilder;
using builder::PendingQueue;

PluginRegistry Builtins() {
  PluginRegistry registry;
  RegisterBuiltinPlugins(registry);
  return registry;
}

TEST(RegistryTest, BuiltinsAreRegistered) {
  EXPECT_EQ(Builtins().Names(),
            (std::vector<std::string>{"backfill", "bin-pack", "credit", "fair-share", "fifo",
                                      "guarantee-reclaim", "node-labels", "node-resources",
                                      "priority-preemption", "reservations", "spread",
                                      "tenant-quota", "topology"}));
  for (const std::string& name : Builtins().Names()) {
    auto plugin = Builtins().Make(name, ProfileConfig{});
    ASSERT_TRUE(plugin.ok()) << plugin.status().ToString();
    EXPECT_EQ((*plugin)->Name(), name);
  }
}

TEST(RegistryTest, UnknownNameIsNotFoundListingTheKnownNames) {
  PluginRegistry registry;
  registry.Add("fifo", [](const ProfileConfig&) { return std::make_unique<FifoSort>(); });
  Status status = registry.Make("FIFO", ProfileConfig{}).status();  // names are case-sensitive
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "unknown plugin 'FIFO'; known: fifo");
  EXPECT_EQ(PluginRegistry().Make("fifo", ProfileConfig{}).status().message(),
            "unknown plugin 'fifo'; known: (none)");
}

TEST(RegistryTest, EveryBuiltinProfileBuilds) {
  for (const auto& [name, config] : BuiltinProfiles()) {
    auto profile = Builtins().Build(config);
    ASSERT_TRUE(profile.ok()) << name << ": " << profile.status().ToString();
    EXPECT_EQ((*profile)->config.name, name);
    EXPECT_NE((*profile)->queue_sort, nullptr);
  }
  auto standard = Builtins().Build(BuiltinProfiles().at("default"));
  ASSERT_TRUE(standard.ok());
  // tenant-quota and credit reserve; each plugin is made once.
  EXPECT_EQ((*standard)->reserve.size(), 2u);
  EXPECT_EQ((*standard)->pre_filter.size(), 2u);
  EXPECT_EQ((*standard)->score.size(), 2u);
  EXPECT_EQ((*standard)->score[0].weight, 2);
}

TEST(RegistryTest, BuildRefusesAPluginAtAPointItDoesNotImplement) {
  ProfileConfig config = BuiltinProfiles().at("default");
  config.name = "mine";
  config.filter.push_back("bin-pack");
  Status status = Builtins().Build(config).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "profile mine: filter: 'bin-pack' is not a filter plugin");

  config = BuiltinProfiles().at("default");
  config.name = "mine";
  config.score = {{"spread", 0}};
  EXPECT_EQ(Builtins().Build(config).status().message(),
            "profile mine: score: 'spread' has weight 0; weights must be at least 1");

  config = BuiltinProfiles().at("default");
  config.name = "mine";
  config.post_filter = {"backfil"};
  EXPECT_EQ(Builtins().Build(config).status().code(), StatusCode::kNotFound);
  EXPECT_NE(
      Builtins().Build(config).status().message().find("profile mine: unknown plugin 'backfil'"),
      std::string::npos);
}

TEST(FifoSortTest, PriorityThenSubmitTimeThenJobId) {
  static const PriorityClass kHigh{"high", 10, true, false};
  PendingQueue queue;
  queue.Add(5, JobBuilder().Build(), 300);
  queue.Add(9, JobBuilder().Build(), 100);
  queue.Add(2, JobBuilder().Build(), 200);
  queue.Add(7, JobBuilder().Build(), 100);
  queue.Add(8, JobBuilder().Build(), 400, "acme", &kHigh);
  std::vector<PendingJob> jobs = queue.jobs();
  ClusterView view;
  TenantsView tenants;
  CycleWork work;
  FifoSort().Sort(jobs, jobs.size(), CycleContext{view, tenants, 0, work, true});
  std::vector<int64_t> ids;
  for (const PendingJob& job : jobs) ids.push_back(job.id.value);
  // high first, then (100, 7), (100, 9), (200, 2), (300, 5).
  EXPECT_EQ(ids, (std::vector<int64_t>{8, 7, 9, 2, 5}));
}

}  // namespace
}  // namespace sharc::policies
