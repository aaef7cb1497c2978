// Durable submits per second against a real sharc-scheduler on 127.0.0.1: single and 8
// concurrent clients, one job per request and bulk requests. Every counted job was
// acknowledged, i.e. committed to SQLite (sync=full by default; pass "normal" to compare).
//   submit_throughput [full|normal] [jobs_per_run]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/cluster.h"

namespace sharc::testing {
namespace {

using protocol::Json;

// The store's commits so far: how many, and their total seconds (from /metrics).
struct Commits {
  double count = 0, seconds = 0;
};

Commits ReadCommits(Cluster& cluster) {
  Commits commits;
  StatusOr<Reply> reply = cluster.Call("", "GET", "/metrics");
  if (!reply.ok()) return commits;
  std::istringstream lines(reply->body);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream fields(line);
    std::string name;
    double value = 0;
    fields >> name >> value;
    if (name == "sharc_store_commit_duration_seconds_count") commits.count = value;
    if (name == "sharc_store_commit_duration_seconds_sum") commits.seconds = value;
  }
  return commits;
}

// Sends `requests` POSTs of `bulk` jobs each from `clients` threads; returns jobs/s.
double Run(const std::string& url, int clients, int requests_per_client, int bulk) {
  Json one{{"command", {"true"}}, {"mem_bytes", 1 << 20}};
  Json body = one;
  if (bulk > 1) {
    body = Json::array();
    for (int i = 0; i < bulk; ++i) body.push_back(one);
  }
  std::string text = body.dump();
  std::atomic<int> failures{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&] {
      auto http = net::HttpClient::Create(url, std::chrono::seconds(60));
      if (!http.ok()) return void(++failures);
      for (int r = 0; r < requests_per_client; ++r) {
        auto response = (*http)->Send("POST", "/v1/jobs", text,
                                      {{"Authorization", std::string("Bearer ") + kAcmeToken}});
        if (!response.ok() || response->status != 201) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (failures) std::fprintf(stderr, "  %d requests failed\n", failures.load());
  return static_cast<double>(clients) * requests_per_client * bulk / seconds;
}

int Main(int argc, char** argv) {
  std::string sync = argc > 1 ? argv[1] : "full";
  int jobs = argc > 2 ? std::stoi(argv[2]) : 20000;
  // Invariant checks walk every job after each commit: tests want them, production (and a
  // measurement of it) does not.
  Cluster cluster({.store_sync = sync, .check_invariants = false});
  if (Status s = cluster.StartScheduler(); !s.ok()) {
    std::fprintf(stderr, "%s\n", s.ToString().c_str());
    return 1;
  }
  std::printf("durable submits (store sync=%s, no agents: jobs stay pending)\n", sync.c_str());
  struct Case {
    const char* name;
    int clients, bulk;
  };
  for (Case c : {Case{"1 client, 1 job/request", 1, 1}, Case{"8 clients, 1 job/request", 8, 1},
                 Case{"1 client, bulk 1000", 1, 1000}, Case{"8 clients, bulk 100", 8, 100}}) {
    int per_client = std::max(1, jobs / (c.clients * c.bulk));
    if (c.bulk == 1) per_client = std::max(1, std::min(per_client, 5000 / c.clients));
    Commits before = ReadCommits(cluster);
    double rate = Run(cluster.url(), c.clients, per_client, c.bulk);
    Commits after = ReadCommits(cluster);
    double commits = after.count - before.count;
    int requests = c.clients * per_client;
    std::printf("  %-28s %9.0f jobs/s  (%d jobs; %.0f commits, %.1f requests each, %.2f ms each)\n",
                c.name, rate, requests * c.bulk, commits, requests / std::max(commits, 1.0),
                1000 * (after.seconds - before.seconds) / std::max(commits, 1.0));
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace sharc::testing

int main(int argc, char** argv) { return sharc::testing::Main(argc, argv); }
