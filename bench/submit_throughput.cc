// Durable submits per second against a real sharc-scheduler on 127.0.0.1: single and 8
// concurrent clients, one job per request and bulk requests. Every counted job was
// acknowledged, i.e. committed to SQLite (sync=full by default; pass "normal" to compare).
//   submit_throughput [full|normal] [jobs_per_run]
#include <chrono>
#include <cstdio>
#include <string>
#include <thread>
#include <vector>

#include "tests/testing/cluster.h"

namespace sharc::testing {
namespace {

using protocol::Json;

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
  Cluster cluster({.store_sync = sync});
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
    double rate = Run(cluster.url(), c.clients, per_client, c.bulk);
    std::printf("  %-28s %9.0f jobs/s  (%d jobs)\n", c.name, rate,
                c.clients * per_client * c.bulk);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace
}  // namespace sharc::testing

int main(int argc, char** argv) { return sharc::testing::Main(argc, argv); }
