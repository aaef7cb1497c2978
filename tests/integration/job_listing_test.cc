// GET /v1/jobs and `sharc jobs` against a live scheduler: pages (limit, after, next_after) in id
// order, the filters (state, tenant, name, label), the compact table view, the refusals that
// name the parameter to fix; and a restart over many finished jobs, which load without their
// records and stay queryable.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "protocol/job_table_codec.h"
#include "tests/testing/cluster.h"
#include "tests/testing/job_history.h"
#include "tests/testing/status_macros.h"

namespace sharc::testing {
namespace {

using protocol::Json;

class JobListingTest : public ::testing::Test {
 protected:
  // Submits `count` pending jobs (no agent runs them) in one bulk request; their ids.
  std::vector<int64_t> SubmitMany(const std::string& token, int count, const Json& fields) {
    Json items = Json::array();
    for (int i = 0; i < count; ++i) {
      Json spec{{"command", {"true"}}, {"mem_bytes", 1 << 20}};
      spec.update(fields);
      items.push_back(spec);
    }
    StatusOr<Reply> reply = cluster_.Call(token, "POST", "/v1/jobs", items.dump());
    EXPECT_TRUE(reply.ok() && reply->status == 201) << (reply.ok() ? reply->body : "");
    std::vector<int64_t> ids;
    if (reply.ok()) {
      for (const Json& job : reply->json["items"]) ids.push_back(job["id"].get<int64_t>());
    }
    return ids;
  }

  // Every id a listing's pages give, following next_after.
  std::vector<int64_t> AllPages(const std::string& token, const std::string& query, int* pages) {
    std::vector<int64_t> ids;
    int64_t after = 0;
    for (*pages = 0; *pages < 100; ++*pages) {
      StatusOr<Reply> reply =
          cluster_.Call(token, "GET", "/v1/jobs?" + query + "&after=" + std::to_string(after));
      EXPECT_TRUE(reply.ok() && reply->status == 200) << (reply.ok() ? reply->body : "");
      if (!reply.ok() || reply->status != 200) break;
      for (const Json& job : reply->json["items"]) ids.push_back(job["id"].get<int64_t>());
      if (reply->json["next_after"].is_null()) {
        ++*pages;
        break;
      }
      after = reply->json["next_after"].get<int64_t>();
    }
    return ids;
  }

  std::vector<int64_t> Ids(const std::string& token, const std::string& query) {
    int pages = 0;
    return AllPages(token, query + "&limit=10000", &pages);
  }

  Cluster cluster_;
};

TEST_F(JobListingTest, PagesInIdOrderFiltersAndTheTableView) {
  ASSERT_OK(cluster_.StartScheduler());
  std::vector<int64_t> plain = SubmitMany(kAcmeToken, 20, {{"name", "sweep"}});
  std::vector<int64_t> zoned =
      SubmitMany(kAcmeToken, 5, {{"name", "train"}, {"labels", {{"zone", "a"}}}});
  std::vector<int64_t> theirs = SubmitMany(kGlobexToken, 3, {{"name", "sweep"}});
  std::vector<int64_t> mine = plain;
  mine.insert(mine.end(), zoned.begin(), zoned.end());

  int pages = 0;
  EXPECT_EQ(AllPages(kAcmeToken, "limit=10", &pages), mine);
  EXPECT_EQ(pages, 3) << "25 jobs in pages of 10";
  EXPECT_EQ(Ids(kAcmeToken, "name=train"), zoned);
  EXPECT_EQ(Ids(kAcmeToken, "label=zone%3Da"), zoned);
  EXPECT_TRUE(Ids(kAcmeToken, "label=zone%3Db").empty());
  EXPECT_EQ(Ids(kAcmeToken, "state=PENDING&name=sweep"), plain) << "another tenant's job listed";
  EXPECT_TRUE(Ids(kAcmeToken, "state=RUNNING").empty());
  EXPECT_EQ(Ids(kAdminToken, "tenant=globex"), theirs);
  EXPECT_EQ(Ids(kAdminToken, "name=sweep").size(), 23u);

  // The compact table view says the same of a job as its full JSON shape.
  auto table_reply = cluster_.Call(kAcmeToken, "GET", "/v1/jobs?view=table&limit=1");
  ASSERT_OK(table_reply.status());
  ASSERT_EQ(table_reply->status, 200) << table_reply->body;
  StatusOr<protocol::JobTable> table = protocol::JobTable::Parse(table_reply->body);
  ASSERT_OK(table.status());
  ASSERT_EQ(table->size(), 1u);
  StatusOr<Json> full = cluster_.GetJob(kAcmeToken, plain[0]);
  ASSERT_OK(full.status());
  const protocol::JobTable expected = protocol::JobTable::FromJson(Json::array({*full}));
  for (std::string_view column : protocol::kJobTableColumns) {
    EXPECT_EQ(table->Cell(0, column), expected.Cell(0, column)) << column;
  }
}

TEST_F(JobListingTest, BadParametersAreRefusedNamingWhatToFix) {
  ASSERT_OK(cluster_.StartScheduler());
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"limit=0", "limit"},
      {"limit=10001", "limit"},
      {"after=-1", "after"},
      {"after=x", "after"},
      {"label=zone", "label"},
      {"view=xml", "view"},
      {"state=DONE", "state"},
      {"all=maybe", "all"},
      // A misspelt filter would list everything; a repeated one leaves its meaning unclear.
      {"stat=RUNNING", "unknown query parameter 'stat': GET /v1/jobs takes state, tenant, name"},
      {"state=RUNNING&state=PENDING", "given twice"},
  };
  for (const auto& [query, field] : cases) {
    StatusOr<Reply> reply = cluster_.Call(kAcmeToken, "GET", "/v1/jobs?" + query);
    ASSERT_OK(reply.status());
    EXPECT_EQ(reply->status, 400) << query;
    EXPECT_NE(reply->body.find(field), std::string::npos) << query << ": " << reply->body;
  }
  StatusOr<Reply> other = cluster_.Call(kAcmeToken, "GET", "/v1/jobs?tenant=globex");
  ASSERT_OK(other.status());
  EXPECT_EQ(other->status, 404) << "another tenant is answered as if it did not exist";
}

TEST_F(JobListingTest, CliListsEveryPageOrOneWithLimitAndFilters) {
  ASSERT_OK(cluster_.StartScheduler());
  std::vector<int64_t> plain = SubmitMany(kAcmeToken, 12, {{"name", "sweep"}});
  std::vector<int64_t> zoned =
      SubmitMany(kAcmeToken, 2, {{"name", "train"}, {"labels", {{"zone", "a"}}}});
  CommandResult all = cluster_.Cli(kAcmeToken, {"jobs", "-o", "json"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  EXPECT_EQ(Json::parse(all.out)["items"].size(), 14u);
  // The CLI prints the pages as it parses them, which gives PrintJson's text only for pages
  // written compact with sorted keys: the scheduler's are.
  EXPECT_EQ(all.out, Json::parse(all.out).dump(2) + "\n");
  StatusOr<Reply> full = cluster_.Call(kAcmeToken, "GET", "/v1/jobs?limit=3");
  ASSERT_OK(full.status());
  EXPECT_EQ(full->body, full->json.dump());
  CommandResult page = cluster_.Cli(kAcmeToken, {"jobs", "--limit", "5"});
  ASSERT_EQ(page.exit_code, 0) << page.err;
  EXPECT_EQ(std::count(page.out.begin(), page.out.end(), '\n'), 6) << page.out;  // header + 5
  EXPECT_NE(page.err.find("--after " + std::to_string(plain[4])), std::string::npos) << page.err;
  CommandResult next =
      cluster_.Cli(kAcmeToken, {"jobs", "--after", std::to_string(plain[4]), "-o", "json"});
  ASSERT_EQ(next.exit_code, 0) << next.err;
  EXPECT_EQ(Json::parse(next.out)["items"][0]["id"], plain[5]);
  CommandResult labelled = cluster_.Cli(kAcmeToken, {"jobs", "--label", "zone=a", "-o", "json"});
  ASSERT_EQ(labelled.exit_code, 0) << labelled.err;
  EXPECT_EQ(Json::parse(labelled.out)["items"].size(), 2u);
  CommandResult named = cluster_.Cli(kAcmeToken, {"jobs", "--name", "train"});
  ASSERT_EQ(named.exit_code, 0) << named.err;
  EXPECT_NE(named.out.find(std::to_string(zoned[1])), std::string::npos) << named.out;
  EXPECT_EQ(named.out.find("sweep"), std::string::npos) << named.out;
  CommandResult bad = cluster_.Cli(kAcmeToken, {"jobs", "--limit", "0"});
  EXPECT_EQ(bad.exit_code, 2) << bad.out;
  // --start lists pending jobs: another state with it is a contradiction, not a filter.
  CommandResult both = cluster_.Cli(kAcmeToken, {"jobs", "--start", "--state", "RUNNING"});
  EXPECT_EQ(both.exit_code, 2) << both.out;
  EXPECT_NE(both.err.find("--state excludes --start"), std::string::npos) << both.err;
}

TEST_F(JobListingTest, ARestartOverManyFinishedJobsLoadsThemWithoutRecordsAndServesThem) {
  constexpr int kJobs = 20000;
  // Jobs that ended two hours ago, beyond the default one-hour retention, written straight
  // into the store as a scheduler would have.
  ASSERT_OK(
      SeedFinishedJobs(cluster_.StorePath(), kJobs, SystemClock().WallMillis() - 2 * 3600 * 1000));
  auto start = std::chrono::steady_clock::now();
  ASSERT_OK(cluster_.StartScheduler());
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  std::printf("restart over %d finished jobs: serving after %.2f s\n", kJobs, seconds);

  StatusOr<Json> first = cluster_.GetJob(kAcmeToken, 1);
  ASSERT_OK(first.status());
  EXPECT_EQ((*first)["name"], "old-1");
  EXPECT_EQ((*first)["state"], "COMPLETED");
  StatusOr<Reply> theirs = cluster_.Call(kGlobexToken, "GET", "/v1/jobs/1");
  ASSERT_OK(theirs.status());
  EXPECT_EQ(theirs->status, 404) << "another tenant's finished job must look like none";
  EXPECT_TRUE(Ids(kAcmeToken, "").empty()) << "finished jobs listed as active";
  StatusOr<Reply> page = cluster_.Call(kAcmeToken, "GET", "/v1/jobs?all=true&after=100&limit=3");
  ASSERT_OK(page.status());
  ASSERT_EQ(page->status, 200) << page->body;
  ASSERT_EQ(page->json["items"].size(), 3u);
  EXPECT_EQ(page->json["items"][0]["id"], 101);
  EXPECT_EQ(page->json["items"][2]["id"], 105);
  EXPECT_EQ(page->json["next_after"], 105);
  StatusOr<int64_t> next = cluster_.Submit(kAcmeToken, {{"command", {"true"}}});
  ASSERT_OK(next.status());
  EXPECT_EQ(*next, kJobs + 1) << "a new job must get the next id";
  auto cancel = cluster_.Call(kAcmeToken, "POST", "/v1/jobs/3/cancel", "{}");
  ASSERT_OK(cancel.status());
  EXPECT_EQ(cancel->status, 409) << cancel->body;
}

}  // namespace
}  // namespace sharc::testing
