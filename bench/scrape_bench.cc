// How long a scrape of the scheduler's /metrics takes, and how big it is, on a large cluster:
// a real sharc::scheduler::Scheduler (in memory: a store that accepts every commit) restored
// with 100,000 finished jobs of 50 tenants (each with a quota, accounting totals and credit),
// then 1,000 nodes (64 CPUs, 4 GPUs, 512 GiB) registered, each reporting a usage sample,
// 4,000 jobs submitted and placed (running), and 1,000 more left pending (unsatisfiable). The
// scheduler's event metrics (the SchedulerMetrics registry) are populated by that work and by
// extra observations for every tenant.
//
// A scrape is what the daemon does for GET /metrics: RenderText({ClusterCollector, registry})
// with the collector calling Scheduler::MetricsSnapshot(). Printed, over --scrapes (50):
//   snapshot  MetricsSnapshot() alone
//   render    RenderText of a held snapshot (BuildClusterFamilies + text) and the registry
//   total     the daemon's path end to end
//   body      bytes of the text
// as median and p99. Target: total < 100 ms, body < 1 MiB. Exits 1 if a target is missed.
//
// Build it in a Release tree (see bench/CMakeLists.txt) and run build/release/bench/scrape_bench.
#include <prometheus/registry.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/log.h"
#include "metrics/cluster_collector.h"
#include "metrics/exposition.h"
#include "metrics/scheduler_metrics.h"
#include "policies/registry.h"
#include "scheduler/scheduler.h"
#include "store/store.h"

namespace sharc::scheduler {
namespace {

constexpr int kNodes = 1000;
constexpr int kTenants = 50;
constexpr int kFinishedJobs = 100'000;
constexpr int kRunningJobs = 4000;
constexpr int kPendingJobs = 1000;

using Clock = std::chrono::steady_clock;

// Tasks the scheduler posts to its state thread, and store completions; run by main(). A task
// posted with a delay runs once the fake clock has advanced past it, as the daemon's timers
// do: run at once, a timer that re-arms itself (the full-cycle pacing) would never let Drain
// end.
class TaskQueue {
 public:
  explicit TaskQueue(const FakeClock* clock) : clock_(clock) {}
  void Post(std::function<void()> task) { tasks_.push_back(std::move(task)); }
  void PostAfter(std::chrono::milliseconds delay, std::function<void()> task) {
    delayed_.emplace(clock_->SteadyNow() + delay, std::move(task));
  }
  // Runs the tasks that are due (and those they post) until none is left.
  void Drain() {
    for (;;) {
      while (!delayed_.empty() && delayed_.begin()->first <= clock_->SteadyNow()) {
        tasks_.push_back(std::move(delayed_.begin()->second));
        delayed_.erase(delayed_.begin());
      }
      if (tasks_.empty()) return;
      std::function<void()> task = std::move(tasks_.front());
      tasks_.pop_front();
      task();
    }
  }

 private:
  const FakeClock* clock_;
  std::deque<std::function<void()>> tasks_;
  std::multimap<SteadyTime, std::function<void()>> delayed_;
};

// A store that keeps nothing and acknowledges every commit (through the task queue, as a
// real store completes on another thread). Scrapes never touch the store.
class NullStore final : public store::Store {
 public:
  explicit NullStore(TaskQueue* tasks) : tasks_(tasks) {}
  using store::Store::Load;
  StatusOr<store::StoredState> Load(const store::LoadOptions&) override {
    return store::StoredState{};
  }
  void Commit(std::vector<store::Mutation> /*batch*/, Done done) override {
    tasks_->Post([done = std::move(done)] { done(Status::Ok()); });
  }
  void Close() override {}
  StatusOr<std::vector<LedgerEntry>> ReadLedger(const store::LedgerQuery&) override {
    return std::vector<LedgerEntry>{};
  }
  StatusOr<store::LedgerReplay> ReplayLedger() override { return store::LedgerReplay{}; }
  StatusOr<store::AccountingRecords> ReadAccounting(const store::AccountingQuery&) override {
    return store::AccountingRecords{};
  }
  StatusOr<std::optional<Job>> ReadJob(JobId) override { return std::optional<Job>(); }
  StatusOr<std::vector<Job>> ReadJobs(const store::JobQuery&) override {
    return std::vector<Job>{};
  }
  StatusOr<std::vector<store::AuditRecord>> ReadAudit(const store::AuditQuery&) override {
    return std::vector<store::AuditRecord>{};
  }

 private:
  TaskQueue* tasks_;
};

class Connection final : public AgentConnection {
 public:
  void Send(const protocol::SchedulerMessage&) override {}
  void Close(std::string) override {}
};

std::string TenantName(int i) {
  char name[16];
  std::snprintf(name, sizeof(name), "tenant-%02d", i);
  return name;
}

NodeInventory Inventory(int i) {
  NodeInventory inv;
  inv.name = "node" + std::to_string(100000 + i);
  NodeTopology& t = inv.topology;
  t.packages = 2;
  t.cores = 32;
  t.memory_bytes = int64_t{512} << 30;
  t.numa_nodes = {{0, int64_t{256} << 30}, {1, int64_t{256} << 30}};
  for (int thread = 0; thread < 2; ++thread) {
    for (int core = 0; core < 32; ++core)
      t.pus.push_back({thread * 32 + core, core, core / 16, core / 16});
  }
  std::sort(t.pus.begin(), t.pus.end(),
            [](const PuInfo& a, const PuInfo& b) { return a.os_index < b.os_index; });
  for (int g = 0; g < 4; ++g) {
    t.gpus.push_back({g, "cuda" + std::to_string(g), "10de", "H100", "", g / 2});
  }
  inv.binding_simulated = true;
  return inv;
}

SchedulerOptions Options() {
  SchedulerOptions options;
  for (int i = 0; i < kTenants; ++i) {
    Tenant tenant;
    tenant.name = TenantName(i);
    tenant.quota.guaranteed.Set("cpu", 100'000);  // 100 CPUs
    tenant.quota.guaranteed.Set("memory", int64_t{1} << 40);
    tenant.quota.max.Set("cpu", 4'000'000);
    tenant.quota.max.Set("gpu", 400);
    options.tenants_file.tenants.push_back(tenant);
  }
  return options;
}

// 100,000 finished jobs (a few failed or cancelled) and 1,000 pending ones that no node can
// hold, with the accounting totals their attempts add up to.
store::StoredState History(UnixMillis now) {
  store::StoredState state;
  std::mt19937 rng(42);
  for (int i = 0; i < kFinishedJobs + kPendingJobs; ++i) {
    Job job;
    job.id = JobId{i + 1};
    job.tenant = TenantName(static_cast<int>(rng() % kTenants));
    job.spec.command = {"true"};
    job.spec.cpus = 1 << (rng() % 4);
    job.spec.memory_bytes = int64_t{job.spec.cpus} << 30;
    job.spec.gpus = rng() % 4 == 0 ? 1 : 0;
    job.spec.time_limit_seconds = 3600;
    job.submit_time = now - 86'400'000 + i * 500;
    if (i < kFinishedJobs) {
      int outcome = static_cast<int>(rng() % 20);
      job.state = outcome == 0   ? JobState::kFailed
                  : outcome == 1 ? JobState::kCancelled
                                 : JobState::kCompleted;
      job.attempt = 1;
      job.start_time = job.submit_time + 1000;
      job.end_time = job.start_time + 60'000 + static_cast<int64_t>(rng() % 600'000);
      job.exit_code = job.state == JobState::kFailed ? 1 : 0;
      job.cpu_time_ms = (job.end_time - job.start_time) * job.spec.cpus / 2;
      AccountingTotals& totals = state.tenant_totals[job.tenant];
      ++totals.attempts;
      totals.granted_millicpu_ms += int64_t{job.spec.cpus} * 1000 * (job.end_time - job.start_time);
      totals.granted_gpu_ms += int64_t{job.spec.gpus} * (job.end_time - job.start_time);
      totals.used_cpu_ms += job.cpu_time_ms;
      totals.cpu_energy_uj += job.cpu_time_ms * 20'000;
    } else {
      job.spec.gpus = 8;  // more than any node has: stays pending
    }
    state.jobs.push_back(std::move(job));
  }
  state.next_job_id = kFinishedJobs + kPendingJobs + 1;
  return state;
}

double Millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

struct Stats {
  double median;
  double p99;
};

Stats Summarise(std::vector<double> samples) {
  std::sort(samples.begin(), samples.end());
  auto at = [&](double q) {
    size_t i = static_cast<size_t>(q * static_cast<double>(samples.size() - 1) + 0.5);
    return samples[std::min(i, samples.size() - 1)];
  };
  return {at(0.5), at(0.99)};
}

// The scheduler under test and what it runs on. Not movable: the deps point into it.
struct Bench {
  Bench() = default;
  Bench(const Bench&) = delete;

  FakeClock clock;
  TaskQueue tasks{&clock};
  NullStore store{&tasks};
  prometheus::Registry registry;
  metrics::SchedulerMetrics event_metrics{registry};
  std::unique_ptr<Scheduler> scheduler;
  std::vector<std::shared_ptr<Connection>> connections;
  std::mt19937 rng{7};
};

Status StartScheduler(Bench& b) {
  SchedulerDeps deps;
  deps.clock = &b.clock;
  deps.store = &b.store;
  TaskQueue* tasks = &b.tasks;
  deps.post = [tasks](std::function<void()> task) { tasks->Post(std::move(task)); };
  deps.post_after = [tasks](std::chrono::milliseconds delay, std::function<void()> task) {
    tasks->PostAfter(delay, std::move(task));
  };
  deps.run_in_background = [tasks](std::function<void()> task) { tasks->Post(std::move(task)); };
  deps.metrics = &b.event_metrics;
  SHARC_ASSIGN_OR_RETURN(b.scheduler, Scheduler::Create(Options(), deps));
  SHARC_RETURN_IF_ERROR(b.scheduler->Restore(History(b.clock.WallMillis())));
  b.tasks.Drain();
  return Status::Ok();
}

Status RegisterNodes(Bench& b) {
  for (int i = 0; i < kNodes; ++i) {
    protocol::RegisterMsg reg;
    reg.inventory = Inventory(i);
    b.connections.push_back(std::make_shared<Connection>());
    SHARC_RETURN_IF_ERROR(b.scheduler->nodes().OnAgentRegister(reg, b.connections.back()));
  }
  b.tasks.Drain();
  return Status::Ok();
}

// Submitted 100 at a time (one request each), as a client would in bulk; all are placed.
void SubmitRunningJobs(Bench& b) {
  for (int first = 0; first < kRunningJobs; first += 100) {
    std::vector<protocol::SubmitItem> items;
    for (int i = first; i < first + 100; ++i) {
      protocol::SubmitItem item;
      item.spec.command = {"sleep", "3600"};
      item.spec.cpus = 1 << (b.rng() % 3);
      item.spec.memory_bytes = int64_t{item.spec.cpus} << 30;
      item.spec.gpus = b.rng() % 8 == 0 ? 1 : 0;
      item.spec.time_limit_seconds = 7200;
      items.push_back(std::move(item));
    }
    Principal who{Principal::Role::kTenant, TenantName((first / 100) % kTenants),
                  TokenRole::kSubmitter, "t"};
    b.scheduler->jobs().Submit(who, std::move(items), [](StatusOr<SubmitOutcome> r) {
      if (!r.ok()) std::fprintf(stderr, "submit: %s\n", r.status().ToString().c_str());
    });
    b.tasks.Drain();
  }
  b.clock.Advance(std::chrono::seconds(30));
  b.tasks.Drain();
}

// Every node reports a usage sample.
void ReportNodeUsage(Bench& b) {
  for (int i = 0; i < kNodes; ++i) {
    protocol::NodeSample sample;
    sample.agent_start_time = b.clock.WallMillis() - 3'600'000;
    sample.cpu_used_millis = static_cast<int64_t>(b.rng() % 64'000);
    sample.memory_used_bytes = static_cast<int64_t>(b.rng() % 512) << 30;
    sample.cpu_energy_uj = 300'000'000;
    sample.idle_energy_uj = 100'000'000;
    sample.cpu_energy_source = "model";
    sample.gpu_energy_source = "model";
    b.scheduler->nodes().OnAgentMessage(Inventory(i).name, protocol::HeartbeatMsg{sample});
  }
  b.tasks.Drain();
}

// Event metrics for every tenant and status class, beyond what the work above recorded.
void RecordEventMetrics(Bench& b) {
  for (int i = 0; i < 10'000; ++i) {
    const std::string tenant = TenantName(i % kTenants);
    b.event_metrics.CountSubmissions(tenant, i % 10 == 0 ? "invalid" : "accepted", 1);
    b.event_metrics.ObserveQueueWait(tenant, std::chrono::milliseconds(b.rng() % 600'000));
    b.event_metrics.ObserveCycle(std::chrono::microseconds(b.rng() % 50'000));
    b.event_metrics.ObserveCommit(std::chrono::microseconds(b.rng() % 20'000));
    b.event_metrics.ObservePlacement(std::chrono::microseconds(b.rng() % 1'000));
    b.event_metrics.CountHttpResponse(i % 7 == 0 ? 404 : i % 50 == 0 ? 503 : 200);
  }
}

void PrintCluster(Bench& b, double setup_ms) {
  const metrics::ClusterMetricsSnapshot probe = b.scheduler->MetricsSnapshot();
  int64_t running = 0;
  for (const auto& [key, count] : probe.jobs_by_state_tenant) {
    if (key.first == "RUNNING") running += count;
  }
  std::printf(
      "cluster: %zu nodes, %d tenants, %zu (state, tenant) job counts, %lld running jobs, "
      "%zu pending reasons; set up in %.0f ms\n",
      probe.node_resources.size(), kTenants, probe.jobs_by_state_tenant.size(),
      static_cast<long long>(running), probe.pending_by_tenant_reason.size(), setup_ms);
}

// Scrapes `scrapes` times and prints the figures; false if a target is missed.
bool MeasureScrapes(Bench& b, int scrapes) {
  Scheduler& scheduler = *b.scheduler;
  metrics::ClusterCollector live([&scheduler] { return scheduler.MetricsSnapshot(); });
  std::vector<double> snapshot_ms, render_ms, total_ms, body_bytes;
  size_t series = 0;
  for (int i = 0; i < scrapes; ++i) {
    b.clock.Advance(std::chrono::seconds(15));  // heartbeat ages and running grants move on
    auto t0 = Clock::now();
    metrics::ClusterMetricsSnapshot held = scheduler.MetricsSnapshot();
    auto t1 = Clock::now();
    metrics::ClusterCollector fixed([&held] { return held; });
    auto t2 = Clock::now();
    std::string rendered = metrics::RenderText({&fixed, &b.registry});
    auto t3 = Clock::now();
    std::string body = metrics::RenderText({&live, &b.registry});
    auto t4 = Clock::now();
    snapshot_ms.push_back(Millis(t1 - t0));
    render_ms.push_back(Millis(t3 - t2));
    total_ms.push_back(Millis(t4 - t3));
    body_bytes.push_back(static_cast<double>(body.size()));
    if (i == 0) {
      for (char c : body) series += c == '\n';
      series -= static_cast<size_t>(std::count(body.begin(), body.end(), '#'));  // HELP/TYPE
    }
  }
  const Stats snapshot = Summarise(snapshot_ms);
  const Stats render = Summarise(render_ms);
  const Stats total = Summarise(total_ms);
  const Stats body = Summarise(body_bytes);
  std::printf("scrapes: %d\n", scrapes);
  std::printf("snapshot  median %7.2f ms  p99 %7.2f ms\n", snapshot.median, snapshot.p99);
  std::printf("render    median %7.2f ms  p99 %7.2f ms\n", render.median, render.p99);
  std::printf("total     median %7.2f ms  p99 %7.2f ms   (target < 100 ms)\n", total.median,
              total.p99);
  std::printf("body      %.0f bytes = %.1f KiB, ~%zu samples   (target < 1 MiB)\n", body.p99,
              body.p99 / 1024, series);
  const bool ok = total.p99 < 100 && body.p99 < 1024 * 1024;
  std::printf("%s\n", ok ? "PASS" : "FAIL: a target is missed");
  return ok;
}

int Run(int scrapes) {
  SetMinLogLevel(LogLevel::kWarning);  // 1,000 registrations are not news
  Bench bench;
  const auto setup_start = Clock::now();
  Status started = StartScheduler(bench);
  if (started.ok()) started = RegisterNodes(bench);
  if (!started.ok()) {
    std::fprintf(stderr, "%s\n", started.ToString().c_str());
    return 1;
  }
  SubmitRunningJobs(bench);
  ReportNodeUsage(bench);
  RecordEventMetrics(bench);
  PrintCluster(bench, Millis(Clock::now() - setup_start));
  return MeasureScrapes(bench, scrapes) ? 0 : 1;
}

}  // namespace
}  // namespace sharc::scheduler

int main(int argc, char** argv) {
  int scrapes = 50;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::string(argv[i]) == "--scrapes") scrapes = std::max(1, std::atoi(argv[i + 1]));
  }
  return sharc::scheduler::Run(scrapes);
}
