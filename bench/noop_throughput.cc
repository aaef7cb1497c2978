// End-to-end throughput of no-op jobs through one agent on this machine: from the submit of
// the first job to the completion of the last, against the raw cost of starting and reaping
// the same process (posix_spawn + waitpid) here, which bounds any scheduler.
//   noop_throughput [jobs] [--no-job-namespaces]
// The agent presents a synthetic 64-PU node (1 GiB of memory; each job asks 1 MiB), runs as
// root with cgroups and tenant users, and the scheduler's store syncs fully: nothing is
// switched off. CPU time comes from cpuacct: the stack (scheduler, agent and the job monitors,
// in a group of their own) and the jobs (their cgroups, below the agent's parent group).
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <thread>
#include <vector>

#include "bench/cpu_meter.h"
#include "core/clock.h"
#include "tests/testing/cluster.h"
#include "tests/testing/wait_for.h"

extern char** environ;

namespace sharc::testing {
namespace {

using protocol::Json;

constexpr const char* kSyntheticNode = "pack:2 core:16 pu:2";

struct SpawnFigures {
  double rate = 0;         // process starts per second
  double cpu_ms_each = 0;  // CPU of spawner and child per start (getrusage)
};

double CpuSeconds(int who) {
  rusage usage = {};
  getrusage(who, &usage);
  auto seconds = [](const timeval& t) { return t.tv_sec + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

// `parallel` spawners, each spawning /bin/true and reaping it, `count` in all.
SpawnFigures RawSpawn(int count, int parallel) {
  double cpu_before = CpuSeconds(RUSAGE_SELF) + CpuSeconds(RUSAGE_CHILDREN);
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
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  int done = count / parallel * parallel;
  double cpu = CpuSeconds(RUSAGE_SELF) + CpuSeconds(RUSAGE_CHILDREN) - cpu_before;
  return {done / seconds, cpu * 1000 / done};
}

// Submits `jobs` no-op jobs in batches of 1000; the last one's id, or -1.
int64_t SubmitAll(Cluster& cluster, int jobs) {
  Json batch = Json::array();
  for (int i = 0; i < 1000; ++i) {
    batch.push_back({{"command", {"/bin/true"}}, {"mem_bytes", 1 << 20}});
  }
  int submitted = 0;
  int64_t last_id = -1;
  while (submitted < jobs) {
    int n = std::min(1000, jobs - submitted);
    Json body = Json::array();
    for (int i = 0; i < n; ++i) body.push_back(batch[i]);
    StatusOr<Reply> reply = cluster.Call(kAcmeToken, "POST", "/v1/jobs", body.dump());
    if (!reply.ok() || reply->status != 201) return -1;
    last_id = reply->json["items"].back()["id"];
    submitted += n;
  }
  return last_id;
}

// Whether every job ended: the last one (FIFO, so among the last to end), then the queue.
bool WaitForAll(Cluster& cluster, int64_t last_id) {
  return cluster.WaitForEnd(kAcmeToken, last_id, std::chrono::minutes(10)).ok() &&
         WaitFor(
             [&] {
               StatusOr<Reply> active = cluster.Call(kAdminToken, "GET", "/v1/jobs");
               return active.ok() && active->status == 200 && active->json["items"].empty();
             },
             std::chrono::minutes(1), std::chrono::milliseconds(5));
}

// A completed job's start and end, as its agent saw them (the start is when the agent began
// to launch it).
struct Span {
  UnixMillis start = 0;
  UnixMillis end = 0;
};

// Every COMPLETED job's span, read a page (10,000, the most one page holds) at a time.
StatusOr<std::vector<Span>> CompletedSpans(Cluster& cluster) {
  std::vector<Span> spans;
  for (std::string after = "0"; !after.empty();) {
    SHARC_ASSIGN_OR_RETURN(Reply page, cluster.Call(kAdminToken, "GET",
                                                    "/v1/jobs?all=true&state=COMPLETED&limit="
                                                    "10000&after=" +
                                                        after));
    for (const Json& job : page.json["items"]) {
      StatusOr<UnixMillis> start = ParseRfc3339(job.value("start_time", ""));
      StatusOr<UnixMillis> end = ParseRfc3339(job.value("end_time", ""));
      if (start.ok() && end.ok()) spans.push_back({*start, *end});
    }
    const Json& next = page.json["next_after"];
    after = next.is_number() ? std::to_string(next.get<int64_t>()) : "";
  }
  return spans;
}

// How busy the node's slots were: each job's span from its launch on the agent to its exit
// (median and 90th percentile), and how much of the run's slot time (cpus x wall) the spans
// fill. A low share with short spans means the jobs reached the node one after another: the
// rate is set by the path that starts them, not by the node's room.
void PrintSlotUse(std::vector<Span> spans, int cpus, double seconds) {
  if (spans.empty()) return;
  std::vector<double> ms;
  double busy = 0;
  for (const Span& span : spans) {
    ms.push_back(static_cast<double>(span.end - span.start));
    busy += ms.back() / 1000;
  }
  std::sort(ms.begin(), ms.end());
  std::printf(
      "  launch on the agent to exit: median %.0f ms, p90 %.0f ms; these spans fill %.0f%% of "
      "the slots' time (%d x %.2f s)\n",
      ms[ms.size() / 2], ms[ms.size() * 9 / 10], 100 * busy / (cpus * seconds), cpus, seconds);
}

Status StartCluster(Cluster& cluster, const bench::CpuacctGroup& stack, bool job_namespaces) {
  stack.Enter();  // the daemons (and the monitors the agent forks) are charged to `stack`
  Status started = cluster.StartScheduler();
  if (started.ok()) {
    started = cluster.StartAgent({.name = "local",
                                  .synthetic = kSyntheticNode,
                                  .config = {{"job_namespaces", job_namespaces}}});
  }
  stack.Leave();
  SHARC_RETURN_IF_ERROR(started);
  return cluster.WaitForNodes(1);
}

int Main(int argc, char** argv) {
  int jobs = argc > 1 ? std::stoi(argv[1]) : 2000;
  bool job_namespaces = !(argc > 2 && std::string(argv[2]) == "--no-job-namespaces");
  // Declared first, so removed last: after the cluster's processes have left it.
  bench::CpuacctGroup stack("sharc-bench-" + std::to_string(::getpid()));
  Cluster cluster({.check_invariants = false});  // as in production: no per-commit walk
  if (Status s = StartCluster(cluster, stack, job_namespaces); !s.ok()) {
    return std::fprintf(stderr, "%s\n", s.ToString().c_str()), 1;
  }
  StatusOr<Reply> nodes = cluster.Call(kAdminToken, "GET", "/v1/nodes");
  int cpus = nodes->json["items"][0]["cpus"];
  const std::string job_groups = cluster.CgroupParent("local");
  int64_t stack_before = stack.Nanos(), jobs_before = bench::CpuacctNanos(job_groups);

  auto start = std::chrono::steady_clock::now();
  int64_t last_id = SubmitAll(cluster, jobs);
  if (last_id < 0) return std::fprintf(stderr, "submit failed\n"), 1;
  double submit_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  bool done = WaitForAll(cluster, last_id);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!done) return std::fprintf(stderr, "jobs did not finish\n"), 1;
  double stack_ms = (stack.Nanos() - stack_before) / 1e6 / jobs;
  double jobs_ms = (bench::CpuacctNanos(job_groups) - jobs_before) / 1e6 / jobs;
  StatusOr<std::vector<Span>> spans = CompletedSpans(cluster);
  if (!spans.ok()) return std::fprintf(stderr, "listing failed\n"), 1;
  const size_t completed = spans->size();

  SpawnFigures raw1 = RawSpawn(2000, 1);
  SpawnFigures raw_par = RawSpawn(2000, cpus);
  std::printf(
      "no-op jobs through one agent (synthetic \"%s\": %d CPUs, 1 CPU per job; job namespaces "
      "%s)\n",
      kSyntheticNode, cpus, job_namespaces ? "on" : "off");
  std::printf("  %d jobs submitted in %.2f s, all ended in %.2f s: %.0f jobs/s (%zu COMPLETED)\n",
              jobs, submit_seconds, seconds, jobs / seconds, completed);
  std::printf(
      "  raw posix_spawn+waitpid of /bin/true here: %.0f/s (1 spawner), %.0f/s (%d); "
      "%.2f ms CPU each\n",
      raw1.rate, raw_par.rate, cpus, raw_par.cpu_ms_each);
  std::printf("  sharc end-to-end / raw parallel spawn: %.2f\n", (jobs / seconds) / raw_par.rate);
  std::printf(
      "  CPU per job: %.2f ms stack (scheduler, agent, monitors) + %.2f ms in the job's "
      "cgroup = %.2f ms\n",
      stack_ms, jobs_ms, stack_ms + jobs_ms);
  PrintSlotUse(*std::move(spans), cpus, seconds);
  return 0;
}

}  // namespace
}  // namespace sharc::testing

int main(int argc, char** argv) { return sharc::testing::Main(argc, argv); }
