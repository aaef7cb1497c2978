// A scheduler over a long history and a deep queue, against a real sharc-scheduler:
//   1. N finished jobs (default 1,000,000) written into its store before it starts, ended
//      beyond the retention window: the time from start to serving, its resident memory, one
//      old job read back, a page of finished jobs, and a /metrics scrape;
//   2. P pending jobs (default 100,000, bulk submits): a page of the listing (table view, as
//      `sharc jobs` asks, and the full view) at the front and at the back of the queue, the
//      resident memory again, and `sharc jobs` listing 5,000 of them (wall, the CLI's own start
//      included).
//   history_bench [N] [P]
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

#include "tests/testing/cluster.h"
#include "tests/testing/job_history.h"
#include "tests/testing/subprocess.h"

namespace sharc::testing {
namespace {

using protocol::Json;
using Clock = std::chrono::steady_clock;

double MsSince(Clock::time_point start) {
  return std::chrono::duration<double, std::milli>(Clock::now() - start).count();
}

long RssMib(pid_t pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind("VmRSS:", 0) == 0) return std::stol(line.substr(6)) / 1024;
  }
  return -1;
}

// The median wall time of `runs` calls of `f`, in ms.
template <typename F>
double MedianMs(int runs, F f) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto start = Clock::now();
    f();
    ms.push_back(MsSince(start));
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// A GET over a kept connection; the body is not parsed (the server's side is what counts).
void Get(net::HttpClient& http, const std::string& target) {
  auto reply =
      http.Send("GET", target, "", {{"Authorization", std::string("Bearer ") + kAcmeToken}});
  if (!reply.ok() || reply->status != 200) {
    std::fprintf(
        stderr, "GET %s failed: %s\n", target.c_str(),
        reply.ok() ? reply->body.substr(0, 200).c_str() : reply.status().ToString().c_str());
  }
}

void SubmitPending(Cluster& cluster, int count) {
  Json items = Json::array();
  for (int i = 0; i < 5000; ++i) items.push_back({{"command", {"true"}}, {"mem_bytes", 1 << 20}});
  const std::string body = items.dump();
  for (int done = 0; done < count; done += 5000) {
    StatusOr<Reply> reply = cluster.Call(kAcmeToken, "POST", "/v1/jobs", body);
    if (!reply.ok() || reply->status != 201) std::fprintf(stderr, "bulk submit failed\n");
  }
}

int Main(int argc, char** argv) {
  const int64_t finished = argc > 1 ? std::stoll(argv[1]) : 1'000'000;
  const int pending = argc > 2 ? std::stoi(argv[2]) : 100'000;
  Cluster cluster({.check_invariants = false});  // as in production: no per-commit walk
  auto seed = Clock::now();
  Status seeded =
      SeedFinishedJobs(cluster.StorePath(), finished, SystemClock().WallMillis() - 2 * 3600 * 1000);
  if (!seeded.ok()) return std::fprintf(stderr, "%s\n", seeded.ToString().c_str()), 1;
  std::printf("seeded %lld finished jobs into the store in %.1f s\n",
              static_cast<long long>(finished), MsSince(seed) / 1000);
  auto start = Clock::now();
  if (Status s = cluster.StartScheduler(); !s.ok()) {
    return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  }
  std::printf("start to serving                      %9.2f s\n", MsSince(start) / 1000);
  auto connected = net::HttpClient::Create(cluster.url(), std::chrono::seconds(60));
  if (!connected.ok())
    return std::fprintf(stderr, "%s\n", connected.status().ToString().c_str()), 1;
  net::HttpClient& http = **connected;
  std::printf("scheduler RSS                         %9ld MiB\n", RssMib(cluster.scheduler_pid()));
  std::printf("GET one old job (from the store)      %9.2f ms\n",
              MedianMs(20, [&] { Get(http, "/v1/jobs/" + std::to_string(finished / 2 + 1)); }));
  std::printf(
      "page of 1,000 finished (table)      %9.2f ms\n", MedianMs(10, [&] {
        Get(http, "/v1/jobs?all=true&view=table&limit=1000&after=" + std::to_string(finished / 2));
      }));
  std::printf("GET /metrics                          %9.2f ms\n",
              MedianMs(10, [&] { (void)cluster.Call(kAdminToken, "GET", "/metrics"); }));

  auto submit = Clock::now();
  SubmitPending(cluster, pending);
  std::printf("bulk submit %d pending, durable        %9.0f jobs/s\n", pending,
              pending / (MsSince(submit) / 1000));
  const std::string back = "&after=" + std::to_string(finished + pending - 1000);
  for (const char* view : {"table", "full"}) {
    const std::string page = std::string("/v1/jobs?view=") + view + "&limit=1000";
    std::printf("page of 1,000 of %d pending, %-7s  %6.2f ms front, %6.2f ms back\n", pending, view,
                MedianMs(10, [&] { Get(http, page); }),
                MedianMs(10, [&] { Get(http, page + back); }));
  }
  std::printf("page of 5,000 pending (table)       %9.2f ms\n",
              MedianMs(10, [&] { Get(http, "/v1/jobs?view=table&limit=5000"); }));
  std::printf("sharc jobs --limit 5000 (CLI wall)    %9.2f ms\n", MedianMs(10, [&] {
                (void)cluster.Cli(kAcmeToken, {"jobs", "--limit", "5000"});
              }));
  std::printf("scheduler RSS                         %9ld MiB\n", RssMib(cluster.scheduler_pid()));
  return 0;
}

}  // namespace
}  // namespace sharc::testing

int main(int argc, char** argv) { return sharc::testing::Main(argc, argv); }
