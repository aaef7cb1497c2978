#include "policies/registry.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "policies/fifo_order.h"
#include "policies/first_fit.h"
#include "tests/policies/snapshot_builder.h"

namespace sharc::policies {
namespace {

using builder::JobBuilder;
using builder::PendingQueue;

TEST(RegistryTest, BuiltinsAreRegistered) {
  PolicyRegistry registry;
  RegisterBuiltinPolicies(registry);
  EXPECT_EQ(registry.QueueOrderNames(), (std::vector<std::string>{"fifo"}));
  EXPECT_EQ(registry.PlacementNames(), (std::vector<std::string>{"first-fit"}));
  StatusOr<std::unique_ptr<QueueOrder>> fifo = registry.MakeQueueOrder("fifo");
  ASSERT_TRUE(fifo.ok()) << fifo.status().ToString();
  EXPECT_EQ((*fifo)->name(), "fifo");
  StatusOr<std::unique_ptr<PlacementPolicy>> first_fit = registry.MakePlacement("first-fit");
  ASSERT_TRUE(first_fit.ok()) << first_fit.status().ToString();
  EXPECT_EQ((*first_fit)->name(), "first-fit");
}

TEST(RegistryTest, UnknownNameIsNotFoundListingTheKnownNames) {
  PolicyRegistry registry;
  RegisterBuiltinPolicies(registry);
  registry.AddPlacement("another", [] { return std::make_unique<FirstFitPlacement>(); });

  Status placement = registry.MakePlacement("best-fit").status();
  EXPECT_EQ(placement.code(), StatusCode::kNotFound);
  EXPECT_EQ(placement.message(), "unknown placement 'best-fit'; known: another, first-fit");

  Status order = registry.MakeQueueOrder("FIFO").status();  // names are case-sensitive
  EXPECT_EQ(order.code(), StatusCode::kNotFound);
  EXPECT_EQ(order.message(), "unknown queue order 'FIFO'; known: fifo");

  Status empty = PolicyRegistry().MakeQueueOrder("fifo").status();
  EXPECT_EQ(empty.message(), "unknown queue order 'fifo'; known: (none)");
}

TEST(RegistryTest, EachMakeReturnsAFreshInstance) {
  PolicyRegistry registry;
  RegisterBuiltinPolicies(registry);
  auto a = registry.MakePlacement("first-fit");
  auto b = registry.MakePlacement("first-fit");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->get(), b->get());
}

TEST(FifoOrderTest, SubmitTimeThenJobId) {
  PendingQueue queue;
  queue.Add(5, JobBuilder().Build(), 300);
  queue.Add(9, JobBuilder().Build(), 100);
  queue.Add(2, JobBuilder().Build(), 200);
  queue.Add(7, JobBuilder().Build(), 100);
  std::vector<PendingJob> jobs = queue.jobs();
  FifoOrder().Sort(jobs, ClusterSnapshot{}, 0);
  std::vector<int64_t> ids;
  for (const PendingJob& job : jobs) ids.push_back(job.id.value);
  // (100, 7), (100, 9), (200, 2), (300, 5).
  EXPECT_EQ(ids, (std::vector<int64_t>{7, 9, 2, 5}));
}

}  // namespace
}  // namespace sharc::policies
