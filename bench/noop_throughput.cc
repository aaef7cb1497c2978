// End-to-end throughput of no-op jobs through one agent on this machine: from the submit of
// the first job to the completion of the last, against the raw cost of starting and reaping
// the same process (posix_spawn + waitpid) here, which bounds any scheduler.
//   noop_throughput [jobs]
#include <spawn.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <thread>

#include "tests/testing/cluster.h"
#include "tests/testing/wait_for.h"

extern char** environ;

namespace sharc::testing {
namespace {

using protocol::Json;

// Process starts per second with `parallel` spawners, each spawning /bin/true and reaping it.
double RawSpawnRate(int count, int parallel) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int p = 0; p < parallel; ++p) {
    threads.emplace_back([&] {
      for (int i = 0; i < count / parallel; ++i) {
        pid_t pid;
        char* argv[] = {const_cast<char*>("/bin/true"), nullptr};
        if (posix_spawn(&pid, "/bin/true", nullptr, nullptr, argv, environ) != 0) continue;
        int status;
        waitpid(pid, &status, 0);
      }
    });
  }
  for (auto& t : threads) t.join();
  return count / std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Main(int argc, char** argv) {
  int jobs = argc > 1 ? std::stoi(argv[1]) : 2000;
  Cluster cluster;
  if (Status s = cluster.StartScheduler(); !s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  if (Status s = cluster.StartAgent({.name = "local"}); !s.ok()) return 1;
  if (Status s = cluster.WaitForNodes(1); !s.ok()) return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  int cpus = nodes->json["items"][0]["cpus"];

  Json batch = Json::array();
  for (int i = 0; i < 1000; ++i) {
    batch.push_back({{"command", {"/bin/true"}}, {"mem_bytes", 1 << 20}});
  }
  auto start = std::chrono::steady_clock::now();
  int submitted = 0;
  int64_t last_id = 0;
  while (submitted < jobs) {
    int n = std::min(1000, jobs - submitted);
    Json body = Json::array();
    for (int i = 0; i < n; ++i) body.push_back(batch[i]);
    StatusOr<Reply> reply = cluster.Call(kAcmeToken, "POST", "/v1/jobs", body.dump());
    if (!reply.ok() || reply->status != 201) return std::fprintf(stderr, "submit failed\n"), 1;
    last_id = reply->json["items"].back()["id"];
    submitted += n;
  }
  double submit_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // FIFO: the last job submitted is among the last to end. Poll it cheaply, then check all.
  bool done = cluster.WaitForEnd(kAcmeToken, last_id, std::chrono::minutes(10)).ok() &&
              WaitFor(
                  [&] {
                    StatusOr<Reply> active = cluster.Call(kAdminToken, "GET", "/v1/jobs");
                    return active.ok() && active->status == 200 && active->json["items"].empty();
                  },
                  std::chrono::minutes(1), std::chrono::milliseconds(5));
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!done) return std::fprintf(stderr, "jobs did not finish\n"), 1;
  StatusOr<Reply> all = cluster.Call(kAdminToken, "GET", "/v1/jobs?all=true&state=COMPLETED");
  size_t completed = all->json["items"].size();

  double raw1 = RawSpawnRate(2000, 1);
  double raw_par = RawSpawnRate(2000, cpus);
  std::printf("no-op jobs through one agent (%d CPUs, 1 CPU per job)\n", cpus);
  std::printf("  %d jobs submitted in %.2f s, all ended in %.2f s: %.0f jobs/s (%zu COMPLETED)\n",
              jobs, submit_seconds, seconds, jobs / seconds, completed);
  std::printf("  raw posix_spawn+waitpid of /bin/true here: %.0f/s (1 spawner), %.0f/s (%d)\n",
              raw1, raw_par, cpus);
  std::printf("  sharc end-to-end / raw parallel spawn: %.2f\n", (jobs / seconds) / raw_par);
  return 0;
}

}  // namespace
}  // namespace sharc::testing

int main(int argc, char** argv) { return sharc::testing::Main(argc, argv); }
