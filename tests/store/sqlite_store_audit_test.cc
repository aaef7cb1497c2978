// The audit log and join token tables: what is committed loads back, reads filter, and a
// deleted join token stays deleted.
#include <gtest/gtest.h>

#include "tests/store/store_test_util.h"

namespace sharc::store {
namespace {

using testing::CommitAndWait;
using testing::OpenAt;
using testing::TempDir;

AuditRecord Audit(int64_t seq, std::string actor, UnixMillis time) {
  return {.seq = seq,
          .time = time,
          .actor = std::move(actor),
          .action = "manage_nodes",
          .request = "POST /v1/nodes/n1/drain",
          .peer = "10.0.0.1",
          .status = 200,
          .detail = "{\"reason\":\"fan\"}",
          .hash = std::string(64, 'a' + static_cast<char>(seq))};
}

TEST(SqliteStoreAuditTest, EntriesLoadTheLastOneAndReadInPagesByTimeAndActor) {
  TempDir dir("sharc-store-audit");
  const std::string path = dir.File("sharc.db");
  {
    auto store = OpenAt(path);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_FALSE((*store)->Load()->last_audit.has_value());
    ASSERT_TRUE(CommitAndWait(**store, {AppendAudit{Audit(1, "admin:ops", 1000)},
                                        AppendAudit{Audit(2, "operator:night", 2000)},
                                        AppendAudit{Audit(3, "admin:ops", 3000)}})
                    .ok());
    StatusOr<std::vector<AuditRecord>> all = (*store)->ReadAudit({});
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    ASSERT_EQ(all->size(), 3u);
    EXPECT_EQ((*all)[1], Audit(2, "operator:night", 2000));
    EXPECT_EQ((*store)->ReadAudit({.actor = "admin:ops"})->size(), 2u);
    EXPECT_EQ((*store)->ReadAudit({.since = 2000})->front().seq, 2);
    StatusOr<std::vector<AuditRecord>> page = (*store)->ReadAudit({.after_seq = 1, .limit = 1});
    ASSERT_EQ(page->size(), 1u);
    EXPECT_EQ(page->front().seq, 2);
  }
  auto reopened = OpenAt(path);
  ASSERT_TRUE(reopened.ok());
  StatusOr<StoredState> state = (*reopened)->Load();
  ASSERT_TRUE(state.ok());
  ASSERT_TRUE(state->last_audit.has_value());
  EXPECT_EQ(*state->last_audit, Audit(3, "admin:ops", 3000));
}

TEST(SqliteStoreAuditTest, JoinTokensLoadUntilDeletedAndOneNodeHasOne) {
  TempDir dir("sharc-store-join");
  const std::string path = dir.File("sharc.db");
  JoinTokenRecord first{"n1", std::string(64, '1'), 10, 3'600'010, "admin:ops"};
  JoinTokenRecord second{"n1", std::string(64, '2'), 20, 3'600'020, "operator:night"};
  JoinTokenRecord other{"n2", std::string(64, '3'), 30, 3'600'030, "admin:ops"};
  {
    auto store = OpenAt(path);
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE(CommitAndWait(**store, {PutJoinToken{first}, PutJoinToken{other}}).ok());
    ASSERT_TRUE(CommitAndWait(**store, {PutJoinToken{second}}).ok());  // replaces n1's
    EXPECT_EQ((*store)->Load()->join_tokens, (std::vector<JoinTokenRecord>{second, other}));
    ASSERT_TRUE(CommitAndWait(**store, {DeleteJoinToken{"n1"}, DeleteJoinToken{"n9"}}).ok());
  }
  auto reopened = OpenAt(path);
  ASSERT_TRUE(reopened.ok());
  EXPECT_EQ((*reopened)->Load()->join_tokens, std::vector<JoinTokenRecord>{other});
  JoinTokenRecord bad = other;
  bad.sha256 = "short";
  Status refused = CommitAndWait(**reopened, {PutJoinToken{bad}});
  EXPECT_EQ(refused.code(), StatusCode::kInvalidArgument) << refused.ToString();
}

}  // namespace
}  // namespace sharc::store
