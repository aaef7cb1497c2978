// The scheduling policies on a live cluster with the default profile: priority preemption,
// fair share between two enterprises, borrowing inside an enterprise before across, and
// backfill around a reservation.
#include <gtest/gtest.h>

#include <atomic>
#include <regex>
#include <thread>

#include "core/clock.h"
#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

constexpr int64_t kMiB = 1 << 20;

// A 1-CPU job that sleeps `seconds`, with a time limit.
Json Sleeper(const std::string& seconds, int64_t limit_seconds, int cpus = 1) {
  return {{"command", {"sleep", seconds}},
          {"cpus", cpus},
          {"mem_bytes", kMiB},
          {"time_limit_seconds", limit_seconds}};
}

// An admin call that must succeed with `status`; its JSON answer.
Json AdminCall(Cluster& cluster, const std::string& method, const std::string& target,
               const Json& body, int status) {
  StatusOr<Reply> reply = cluster.Call(kAdminToken, method, target, body.dump());
  EXPECT_TRUE(reply.ok()) << reply.status().ToString();
  if (!reply.ok()) return nullptr;
  EXPECT_EQ(reply->status, status) << method << " " << target << ": " << reply->body;
  return reply->json;
}

// Creates project `name` with `quota` and returns a submitter token of it.
std::string CreateProject(Cluster& cluster, const std::string& name, const Json& quota) {
  AdminCall(cluster, "POST", "/v1/tenants", {{"name", name}, {"quota", quota}}, 201);
  Json issued = AdminCall(cluster, "POST", "/v1/tenants/" + name + "/tokens", Json::object(), 201);
  return issued.is_object() ? issued.value("token", "") : "";
}

UnixMillis TimeOf(const Json& job, const char* key) {
  if (!job.contains(key) || !job[key].is_string()) return 0;
  StatusOr<UnixMillis> t = ParseRfc3339(job[key].get<std::string>());
  return t.ok() ? *t : 0;
}

// The jobs of one tenant (`token`) in `states` (comma-separated).
std::vector<Json> Jobs(Cluster& cluster, const std::string& token, const std::string& states) {
  StatusOr<Reply> list = cluster.Call(token, "GET", "/v1/jobs?state=" + states);
  if (!list.ok() || list->status != 200) return {};
  return list->json["items"].get<std::vector<Json>>();
}

// Whether a `sharc show` page has the line "<key>  <value>" (the padding varies).
bool HasField(const std::string& page, const std::string& key, const std::string& value) {
  return std::regex_search(page, std::regex("(^|\n)" + key + " +" + value + "\n"));
}

TEST(SchedulingTest, AHigherClassPreemptsALowerJobWhichRequeuesAndSaysWhy) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(
      cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:2 pu:1", .kill_grace = "1s"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  std::vector<int64_t> low;
  for (int i = 0; i < 2; ++i) {
    Json spec = Sleeper("60", 120);
    spec["priority_class"] = "low";
    StatusOr<int64_t> id = cluster.Submit(kAcmeToken, spec);
    ASSERT_OK(id);
    ASSERT_OK(cluster.WaitForState(kAcmeToken, *id, "RUNNING"));  // so the second is younger
    low.push_back(*id);
  }
  // Through the CLI: --priority high.
  CommandResult submitted = cluster.Cli(
      kAcmeToken, {"submit", "--priority", "high", "--mem", "1M", "--time", "1m", "--", "true"});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.err;
  int64_t urgent = std::stoll(submitted.out);
  StatusOr<Json> done = cluster.WaitForEnd(kAcmeToken, urgent);
  ASSERT_OK(done);
  EXPECT_EQ((*done)["state"], "COMPLETED");
  EXPECT_EQ((*done)["priority_class"], "high");

  // The younger low job was the victim: back in the queue (or running again) under its id.
  StatusOr<Json> victim = cluster.GetJob(kAcmeToken, low[1]);
  ASSERT_OK(victim);
  EXPECT_EQ((*victim)["preempted_by"], urgent) << victim->dump();
  StatusOr<Json> spared = cluster.GetJob(kAcmeToken, low[0]);
  ASSERT_OK(spared);
  EXPECT_EQ((*spared)["attempt"], 1);
  EXPECT_EQ((*spared)["preempted_by"], nullptr);
  StatusOr<Json> again = cluster.WaitForState(kAcmeToken, low[1], "RUNNING");
  ASSERT_OK(again);
  EXPECT_EQ((*again)["attempt"], 2);

  CommandResult show = cluster.Cli(kAcmeToken, {"show", std::to_string(low[1])});
  ASSERT_EQ(show.exit_code, 0) << show.err;
  EXPECT_TRUE(HasField(show.out, "Preempted by", "job " + std::to_string(urgent))) << show.out;
  EXPECT_TRUE(HasField(show.out, "Priority", "low")) << show.out;
  CommandResult jobs = cluster.Cli(kAcmeToken, {"jobs"});
  EXPECT_NE(jobs.out.find(" low "), std::string::npos) << jobs.out;
}

// Two enterprises with shares 2 and 1 keep a 4-CPU node busy with short jobs; the scheduler
// orders them by fair-share factor. Tolerance: acme's part of the decayed use ends within
// 0.08 of 2/3 (a 4-slot node hands out use a job at a time, and the first jobs start before
// any use is known).
TEST(SchedulingTest, TwoEnterprisesUseConvergesToTheirShares) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:4 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  AdminCall(cluster, "PATCH", "/v1/tenants/acme", {{"share", 2}}, 200);
  constexpr int kJobsEach = 36;
  Json batch = Json::array();
  for (int i = 0; i < kJobsEach; ++i) batch.push_back(Sleeper("0.4", 10));
  for (const char* token : {kAcmeToken, kGlobexToken}) {
    StatusOr<Reply> r = cluster.Call(token, "POST", "/v1/jobs", batch.dump());
    ASSERT_OK(r);
    ASSERT_EQ(r->status, 201) << r->body;
  }
  // Measure while both still have work queued: stop when either runs out.
  ASSERT_TRUE(WaitFor(
      [&] {
        return Jobs(cluster, kAcmeToken, "PENDING").size() < 4 ||
               Jobs(cluster, kGlobexToken, "PENDING").size() < 4;
      },
      std::chrono::seconds(60)));
  double used[2];
  int i = 0;
  for (const char* token : {kAcmeToken, kGlobexToken}) {
    StatusOr<Reply> usage = cluster.Call(token, "GET", "/v1/usage");
    ASSERT_OK(usage);
    used[i++] = usage->json["fair_share"]["usage_seconds"].get<double>();
  }
  double acme_part = used[0] / (used[0] + used[1]);
  EXPECT_NEAR(acme_part, 2.0 / 3, 0.08) << "acme " << used[0] << ", globex " << used[1];
  StatusOr<Reply> usage = cluster.Call(kAcmeToken, "GET", "/v1/usage");
  EXPECT_EQ(usage->json["fair_share"]["share"], 2);
  EXPECT_EQ(usage->json["fair_share"]["siblings_shares"], 3);
  CommandResult page = cluster.Cli(kAcmeToken, {"usage"});
  EXPECT_NE(page.out.find("Fair share  share 2 of 3 (67%)"), std::string::npos) << page.out;
  for (const char* token : {kAcmeToken, kGlobexToken}) {
    for (const Json& job : Jobs(cluster, token, "PENDING,RUNNING")) {
      (void)cluster.Call(token, "POST", "/v1/jobs/" + job["id"].dump() + "/cancel");
    }
  }
}

// acme is guaranteed the whole 4-CPU node; its project nlp 2 of it, vision nothing. Idle,
// acme lends to globex; with work of its own, acme's projects come first, and a project's
// idle guarantee goes to its sibling before anyone else, until it wants it back.
TEST(SchedulingTest, IdleGuaranteesAreLentInsideTheEnterpriseFirst) {
  Cluster cluster({.quotas = {{"acme", {{"guaranteed", "cpu=4"}}}}});
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(
      cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:4 pu:1", .kill_grace = "1s"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  std::string nlp = CreateProject(cluster, "acme/nlp", {{"guaranteed", "cpu=2"}});
  std::string vision = CreateProject(cluster, "acme/vision", Json::object());
  ASSERT_FALSE(nlp.empty());
  ASSERT_FALSE(vision.empty());

  // acme is idle: globex borrows two CPUs.
  std::vector<int64_t> borrowed;
  for (int i = 0; i < 2; ++i) {
    StatusOr<int64_t> id = cluster.Submit(kGlobexToken, Sleeper("60", 120));
    ASSERT_OK(id);
    ASSERT_OK(cluster.WaitForState(kGlobexToken, *id, "RUNNING"));
    borrowed.push_back(*id);
  }
  // vision wants the whole node: acme's unassigned guarantee and nlp's idle one are lent to
  // it, and globex's borrowed CPUs are reclaimed for it.
  std::vector<int64_t> mine;
  for (int i = 0; i < 4; ++i) {
    StatusOr<int64_t> id = cluster.Submit(vision, Sleeper("60", 120));
    ASSERT_OK(id);
    mine.push_back(*id);
  }
  for (int64_t id : mine) ASSERT_OK(cluster.WaitForState(vision, id, "RUNNING"));
  for (int64_t id : borrowed) {
    StatusOr<Json> job = cluster.WaitForState(kGlobexToken, id, "PENDING");
    ASSERT_OK(job);
    EXPECT_NE((*job)["preempted_by"], nullptr);
  }
  // nlp wants its guarantee: its sibling's two youngest jobs make room, globex still waits.
  std::vector<int64_t> theirs;
  for (int i = 0; i < 2; ++i) {
    StatusOr<int64_t> id = cluster.Submit(nlp, Sleeper("60", 120));
    ASSERT_OK(id);
    theirs.push_back(*id);
  }
  for (int64_t id : theirs) ASSERT_OK(cluster.WaitForState(nlp, id, "RUNNING"));
  EXPECT_EQ(Jobs(cluster, vision, "RUNNING").size(), 2u);
  EXPECT_EQ(Jobs(cluster, kGlobexToken, "RUNNING").size(), 0u);
  for (int64_t id : {mine[2], mine[3]}) {
    StatusOr<Json> job = cluster.GetJob(vision, id);
    ASSERT_OK(job);
    EXPECT_EQ((*job)["state"], "PENDING") << job->dump();
  }
  const std::vector<std::pair<std::string, std::vector<int64_t>>> everyone{
      {kGlobexToken, borrowed}, {vision, mine}, {nlp, theirs}};
  for (const auto& [token, ids] : everyone) {
    for (int64_t id : ids) {
      (void)cluster.Call(token, "POST", "/v1/jobs/" + std::to_string(id) + "/cancel");
    }
  }
}

// A 64-CPU node where one 60-CPU job runs for 3 s (time limit 5 s). A 64-CPU job is reserved
// for when that limit is up; a stream of 1-CPU jobs with a 1 s limit keeps arriving and fills
// the four idle CPUs while there is time, and the big job starts no later than its reservation.
TEST(SchedulingTest, ABigJobBehindAStreamOfSmallOnesStartsByItsReservation) {
  Cluster cluster;
  ASSERT_OK(cluster.StartScheduler());
  ASSERT_OK(cluster.StartAgent({.name = "n1", .synthetic = "pack:1 core:64 pu:1"}));
  ASSERT_OK(cluster.WaitForNodes(1));
  StatusOr<int64_t> filler = cluster.Submit(kGlobexToken, Sleeper("3", 5, 60));
  ASSERT_OK(filler);
  ASSERT_OK(cluster.WaitForState(kGlobexToken, *filler, "RUNNING"));

  StatusOr<int64_t> big = cluster.Submit(kAcmeToken, Sleeper("0.2", 10, 64));
  ASSERT_OK(big);
  StatusOr<Json> reserved = InternalError("no reservation");
  ASSERT_TRUE(WaitFor([&] {
    reserved = cluster.GetJob(kAcmeToken, *big);
    return reserved.ok() && (*reserved)["expected_start"].is_object();
  })) << (reserved.ok() ? reserved->dump() : reserved.status().ToString());
  const UnixMillis reservation = TimeOf((*reserved)["expected_start"], "time");
  EXPECT_EQ((*reserved)["reason"], "RESERVED");
  EXPECT_EQ((*reserved)["expected_start"]["nodes"], Json::array({"n1"}));
  CommandResult start = cluster.Cli(kAcmeToken, {"jobs", "--start"});
  EXPECT_NE(start.out.find((*reserved)["expected_start"]["time"].get<std::string>()),
            std::string::npos)
      << start.out;

  // The stream: a 1-CPU job every 100 ms (globex, so acme's big job is also first by fair
  // share only through its age), until the big job starts.
  std::atomic<bool> stop{false};
  std::thread stream([&] {
    auto http = net::HttpClient::Create(cluster.url(), std::chrono::seconds(10));  // its own
    const std::map<std::string, std::string> auth{
        {"Authorization", std::string("Bearer ") + kGlobexToken}};
    while (!stop) {
      (void)(*http)->Send("POST", "/v1/jobs", Sleeper("0.3", 1).dump(), auth);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the stream's pace
    }
  });
  StatusOr<Json> started =
      cluster.WaitForState(kAcmeToken, *big, "RUNNING", std::chrono::seconds(20));
  stop = true;
  stream.join();
  ASSERT_OK(started);
  const UnixMillis big_start = TimeOf(*started, "start_time");
  EXPECT_LE(big_start, reservation) << "it started after its reservation";

  // The small jobs filled the gap: some started after the big job was submitted and before it
  // started, and each of those had ended by then.
  int filled = 0;
  for (const Json& job : Jobs(cluster, kGlobexToken, "COMPLETED,TIMEOUT,RUNNING,PENDING")) {
    if (job["id"] == *filler || job["cpus"] != 1) continue;
    UnixMillis s = TimeOf(job, "start_time");
    if (s == 0 || s >= big_start) continue;
    ++filled;
    UnixMillis e = TimeOf(job, "end_time");
    EXPECT_TRUE(e != 0 && e <= big_start) << job.dump();
  }
  EXPECT_GE(filled, 4) << "the idle CPUs were not backfilled";
  for (const Json& job : Jobs(cluster, kGlobexToken, "PENDING,RUNNING")) {
    (void)cluster.Call(kGlobexToken, "POST", "/v1/jobs/" + job["id"].dump() + "/cancel");
  }
}

}  // namespace
}  // namespace sharc::testing
