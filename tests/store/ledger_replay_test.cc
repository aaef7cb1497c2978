// LedgerReplayer on its own: entries that cannot apply are reported and skipped, balances
// replay exactly, and the list of problems stays bounded.
#include "store/ledger_replay.h"

#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::Entry;

LedgerEntry WithSeq(LedgerEntry entry, int64_t seq) {
  entry.seq = seq;
  return entry;
}

TEST(LedgerReplayerTest, ReplaysBalancesFromFreshGrants) {
  LedgerReplayer replayer({{1, "acme"}, {2, "acme"}});
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kGrant, 10), 1));
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kReserve, 4, {JobId{3}, 1}), 2));
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kCharge, 3, {JobId{3}, 1}), 3));
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kRelease, 1, {JobId{3}, 1}), 4));
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kExpire, 7), 5));
  LedgerReplay replay = std::move(replayer).Finish();
  EXPECT_TRUE(replay.problems.empty());
  EXPECT_EQ(replay.entries, 5);
  Grant expected;
  expected.id = 1;
  expected.tenant = "acme";
  expected.amount = 10 * kMicrosPerCredit;
  expected.spent = 3 * kMicrosPerCredit;
  expected.expired = 7 * kMicrosPerCredit;
  EXPECT_EQ(replay.grants.at(1), expected);
  Grant untouched;
  untouched.id = 2;
  untouched.tenant = "acme";
  EXPECT_EQ(replay.grants.at(2), untouched);
}

TEST(LedgerReplayerTest, ReportsAndSkipsEntriesThatCannotApply) {
  LedgerReplayer replayer({{1, "acme"}});
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kGrant, 10), 1));
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kReserve, 2), 2));  // no job
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kGrant, 2, {JobId{4}, 1}), 3));
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kGrant, 0), 4));
  replayer.CannotApply(5, "its kind 'bonus' is unknown");
  LedgerReplay replay = std::move(replayer).Finish();
  EXPECT_EQ(replay.entries, 5);
  EXPECT_EQ(replay.problems,
            (std::vector<std::string>{
                "entry 2 cannot apply: a reserve entry needs a job attempt, it names job 0",
                "entry 3 cannot apply: a grant entry names no job, it names job 4",
                "entry 4 cannot apply: its amount 0 is not positive",
                "entry 5 cannot apply: its kind 'bonus' is unknown"}));
  EXPECT_EQ(replay.grants.at(1).available, 10 * kMicrosPerCredit);
}

TEST(LedgerReplayerTest, ReportsANegativeBalanceOnceUntilItRecovers) {
  LedgerReplayer replayer({{1, "acme"}});
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kExpire, 5), 1));  // -5
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kExpire, 5), 2));  // -10, same problem
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kGrant, 10), 3));  // 0: right again
  replayer.Apply(WithSeq(Entry("acme", 1, LedgerKind::kExpire, 1), 4));  // -1: wrong again
  LedgerReplay replay = std::move(replayer).Finish();
  EXPECT_EQ(replay.problems,
            (std::vector<std::string>{"entry 1: grant 1 of acme: available balance is negative",
                                      "entry 4: grant 1 of acme: available balance is negative"}));
}

TEST(LedgerReplayerTest, BoundsTheListOfProblems) {
  LedgerReplayer replayer({});
  const size_t total = LedgerReplayer::kMaxProblems + 25;
  for (size_t i = 1; i <= total; ++i) {
    replayer.Apply(WithSeq(Entry("acme", 7, LedgerKind::kGrant, 1), static_cast<int64_t>(i)));
  }
  LedgerReplay replay = std::move(replayer).Finish();
  EXPECT_EQ(replay.entries, static_cast<int64_t>(total));
  ASSERT_EQ(replay.problems.size(), LedgerReplayer::kMaxProblems + 1);
  EXPECT_EQ(replay.problems.front(), "entry 1 names grant 7, which does not exist");
  EXPECT_EQ(replay.problems.back(), "... and 25 more problems");
}

}  // namespace
}  // namespace sharc::store
