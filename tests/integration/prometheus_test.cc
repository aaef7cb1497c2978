// End to end with a real Prometheus (Debian's `prometheus` package): a live sharc cluster
// (scheduler with a PUE and grid carbon intensity; a CPU node and a 4-GPU node, both agents
// serving /metrics with a modelled power draw, the GPU node's over HTTPS only, so it is up
// only if discovery's __scheme__ works) is scraped through the repository's own
// configs/prometheus/prometheus.yml (rewritten only for ports, a 1s scrape and evaluation
// interval and absolute rule paths), agents found by HTTP service discovery at the scheduler.
// After a workload from two tenants it checks that
//  (a) every target is up: the scheduler and both agents (found through /v1/prometheus/targets);
//  (b) every recording rule of configs/prometheus/rules/recording.yml has a finite sample;
//  (c) every panel query of configs/prometheus/dashboards/sharc.json has a finite sample;
//  (d) granted CPU-seconds agree three ways: Prometheus, the scheduler's /metrics, and the
//      jobs' own cpus x (end - start).
// Fails (never skips) when prometheus is not installed: test.sh installs the package.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "net/http_client.h"
#include "tests/testing/cluster.h"
#include "tests/testing/status_macros.h"
#include "tests/testing/temp_dir.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;
using std::chrono::seconds;

// A file of this repository, by its path from the root (tests/data is two levels below it).
std::string RepoFile(const std::string& relative) {
  return std::filesystem::weakly_canonical(DataFile("../../" + relative)).string();
}

// The first executable `name` on $PATH (then /usr/bin), or "".
std::string FindOnPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::string dirs = std::string(path ? path : "") + ":/usr/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    std::string dir =
        dirs.substr(start, colon == std::string::npos ? std::string::npos : colon - start);
    if (!dir.empty() && access((dir + "/" + name).c_str(), X_OK) == 0) return dir + "/" + name;
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  return "";
}

// A TCP port on 127.0.0.1 that was free a moment ago (0 if none could be bound).
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return 0;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof(address);
  int port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  ::close(fd);
  return port;
}

std::string UrlEncode(const std::string& text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// Replaces every match of `pattern` in `text`; the number of matches.
int ReplaceAll(std::string& text, const std::string& pattern, const std::string& replacement) {
  std::regex re(pattern);
  int matches = static_cast<int>(
      std::distance(std::sregex_iterator(text.begin(), text.end(), re), std::sregex_iterator()));
  text = std::regex_replace(text, re, replacement);
  return matches;
}

// configs/prometheus/prometheus.yml for this test: the scheduler at `scheduler` (host:port)
// over HTTPS with the CA in `ca_file`, 1s scrape, evaluation and discovery intervals, rule files by
// absolute path. Everything else (job names, paths, relabelling) is the repository's. Fails if the
// file no longer has what is rewritten, so the test never silently runs a config of its own.
StatusOr<std::string> DeriveConfig(const std::string& scheduler, const std::string& ca_file) {
  std::string config = ReadTextFile(RepoFile("configs/prometheus/prometheus.yml"));
  const std::string rules = RepoFile("configs/prometheus/rules");
  struct Edit {
    std::string pattern;
    std::string replacement;
    int expected;
  };
  const std::vector<Edit> edits = {
      {R"(scrape_interval: 15s)", "scrape_interval: 1s", 1},
      {R"(evaluation_interval: 15s)", "evaluation_interval: 1s", 1},
      {R"(- rules/)", "- " + rules + "/", 2},
      {R"(targets: \["127\.0\.0\.1:7400"\])", "targets: [\"" + scheduler + "\"]", 1},
      {R"(url: https://127\.0\.0\.1:7400/)", "url: https://" + scheduler + "/", 1},
      {R"(ca_file: /etc/sharc/ca\.pem)", "ca_file: " + ca_file, 3},
      {R"(refresh_interval: 30s)", "refresh_interval: 1s", 1},
  };
  for (const Edit& edit : edits) {
    int matched = ReplaceAll(config, edit.pattern, edit.replacement);
    if (matched != edit.expected) {
      return InternalError("configs/prometheus/prometheus.yml: expected " +
                           std::to_string(edit.expected) + " match(es) of /" + edit.pattern +
                           "/, found " + std::to_string(matched) + "; update this test");
    }
  }
  return config;
}

// The names recorded by a rules file (`- record: NAME` lines).
std::vector<std::string> RecordedNames(const std::string& rules) {
  std::vector<std::string> names;
  std::regex record(R"(^\s*-\s*record:\s*"?([a-zA-Z_:][a-zA-Z0-9_:]*))", std::regex::multiline);
  for (std::sregex_iterator it(rules.begin(), rules.end(), record), end; it != end; ++it) {
    names.push_back((*it)[1].str());
  }
  return names;
}

struct PanelQuery {
  std::string title;
  std::string expr;
};

// Every panel target's expr, collapsed rows included, with $__rate_interval as 5m (what
// tests/prometheus/dashboard_check.cc does; it also refuses any other variable).
void CollectPanelQueries(const Json& panels, std::vector<PanelQuery>* out) {
  if (!panels.is_array()) return;
  for (const Json& panel : panels) {
    if (!panel.is_object()) continue;
    if (panel.value("type", "") == "row") {
      CollectPanelQueries(panel.value("panels", Json()), out);
      continue;
    }
    for (const Json& target : panel.value("targets", Json::array())) {
      std::string expr = target.value("expr", "");
      if (expr.empty()) continue;
      ReplaceAll(expr, R"(\$__rate_interval)", "5m");
      out->push_back({panel.value("title", "(untitled)"), expr});
    }
  }
}

// The sum of the samples of `family` whose labels contain `label` (e.g. type="granted") in a
// text exposition; nullopt if there is none.
std::optional<double> SumOfSeries(const std::string& text, const std::string& family,
                                  const std::string& label) {
  std::optional<double> sum;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    start = end + 1;
    if (line.rfind(family + "{", 0) != 0 || line.find(label) == std::string::npos) continue;
    sum = sum.value_or(0) + std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

// A prometheus server in its own temp dir, on a free port, killed when this goes away.
class PrometheusServer {
 public:
  // Starts `binary` with `config` (YAML text) and waits for /-/ready.
  Status Start(const std::string& binary, const std::string& config) {
    WriteTextFile(dir_.File("prometheus.yml"), config);
    std::string last_log;
    for (int attempt = 0; attempt < 3; ++attempt) {  // the free port may be taken meanwhile
      int port = FreePort();
      if (port == 0) return UnavailableError("no free port on 127.0.0.1");
      SubprocessOptions options;
      options.argv = {binary, "--config.file=" + dir_.File("prometheus.yml"),
                      "--storage.tsdb.path=" + dir_.File("tsdb"),
                      "--web.listen-address=127.0.0.1:" + std::to_string(port), "--log.level=warn"};
      options.work_dir = dir_.path();
      options.stderr_path = log_path();
      SHARC_ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(options));
      process_ = std::move(process);
      url_ = "http://127.0.0.1:" + std::to_string(port);
      SHARC_ASSIGN_OR_RETURN(http_, net::HttpClient::Create(url_, seconds(10)));
      bool ready = WaitFor(
          [&] {
            if (!process_->running()) return true;
            StatusOr<net::HttpResponse> r = http_->Send("GET", "/-/ready");
            return r.ok() && r->status == 200;
          },
          seconds(30), std::chrono::milliseconds(50));
      if (ready && process_->running()) return Status::Ok();
      last_log = ReadTextFile(log_path());
      process_->Kill();
      process_.reset();
      if (!ready) break;  // running but never ready: another port will not help
    }
    return UnavailableError("prometheus did not become ready:\n" + last_log);
  }

  // GET /api/v1/query at the current time: the result vector (an array of {metric, value}).
  StatusOr<Json> Query(const std::string& expr) {
    SHARC_ASSIGN_OR_RETURN(net::HttpResponse r,
                           http_->Send("GET", "/api/v1/query?query=" + UrlEncode(expr)));
    StatusOr<Json> body = protocol::ParseJson(r.body);
    if (r.status != 200 || !body.ok() || body->value("status", "") != "success") {
      return InternalError("query " + expr + " answered " + std::to_string(r.status) + ": " +
                           r.body);
    }
    const Json& data = (*body)["data"];
    if (data.value("resultType", "") != "vector") {
      return InternalError("query " + expr + " is not a vector: " + r.body);
    }
    return data["result"];
  }

  // The values of a query's samples (NaN and infinities included).
  StatusOr<std::vector<double>> Values(const std::string& expr) {
    SHARC_ASSIGN_OR_RETURN(Json result, Query(expr));
    std::vector<double> values;
    for (const Json& sample : result) {
      values.push_back(std::strtod(sample["value"][1].get<std::string>().c_str(), nullptr));
    }
    return values;
  }

  // Rules that are not healthy, with their last error (for failure messages).
  std::string UnhealthyRules() {
    StatusOr<net::HttpResponse> r = http_->Send("GET", "/api/v1/rules");
    if (!r.ok()) return r.status().ToString();
    StatusOr<Json> body = protocol::ParseJson(r->body);
    if (!body.ok()) return r->body;
    std::string out;
    for (const Json& group : (*body)["data"]["groups"]) {
      for (const Json& rule : group["rules"]) {
        if (rule.value("health", "") != "ok") {
          out += rule.value("name", "?") + ": " + rule.value("health", "") + " " +
                 rule.value("lastError", "") + "\n";
        }
      }
    }
    return out;
  }

  std::string log_path() const { return dir_.File("prometheus.log"); }

 private:
  TempDir dir_{"sharc-prometheus"};  // declared first: outlives the process
  std::optional<Subprocess> process_;
  std::string url_;
  std::unique_ptr<net::HttpClient> http_;
};

// A job that keeps one CPU busy for about three seconds and exits 0.
Json BusyJob(int gpus = 0) {
  return {{"command", {"sh", "-c", "timeout 3 sh -c 'while :; do :; done'; exit 0"}},
          {"cpus", 1},
          {"gpus", gpus},
          {"mem_bytes", 64 << 20},
          {"time_limit_seconds", 60}};
}

// True when a query has at least one sample and every sample is a finite number.
bool HasFiniteData(const StatusOr<std::vector<double>>& values) {
  if (!values.ok() || values->empty()) return false;
  for (double v : *values) {
    if (!std::isfinite(v)) return false;
  }
  return true;
}

std::string Describe(const StatusOr<Json>& result) {
  return result.ok() ? result->dump() : result.status().ToString();
}

TEST(PrometheusTest, RulesAndDashboardHaveDataAndAgreeWithTheSchedulersAccounting) {
  const std::string prometheus_binary = FindOnPath("prometheus");
  ASSERT_FALSE(prometheus_binary.empty())
      << "prometheus is not installed: install Debian's `prometheus` package "
         "(apt-get install prometheus; test.sh and scripts/install-deps.sh install it)";

  // globex: guaranteed 1 CPU (for the used-to-guaranteed ratio) and at most 1 GPU (so a
  // second GPU job of its waits with QUOTA_MAX). Credit is enforced (credit panels).
  Cluster cluster(
      {.quotas = {{"globex", {{"guaranteed", "cpu=1"}, {"max", "gpu=1"}}}},
       .prices = {{"cpu_hour", "3600"}},
       .scheduler_config_extra = {{"efficiency", {{"pue", 1.5}, {"grid_carbon_g_per_kwh", 400}}}},
       .tls = true});  // Prometheus scrapes the scheduler over HTTPS, as the shipped config says
  ASSERT_OK(cluster.StartScheduler());
  auto agent_config = [&](const std::string& node) {
    // A power model only: no RAPL or NVML of this machine, so the figures are the same
    // everywhere. GPUs count at peak while a job holds them, at idle otherwise.
    return Json{{"metrics_listen", "127.0.0.1:0"},
                {"energy",
                 {{"sample_interval", "500ms"},
                  {"rapl_root", cluster.dir() + "/no-rapl-" + node},
                  {"nvml_library", cluster.dir() + "/no-libnvidia-ml.so.1"},
                  {"model",
                   {{"node_idle_watts", 50},
                    {"node_peak_watts", 200},
                    {"gpu", {{"default", {{"idle_watts", 30}, {"peak_watts", 250}}}}}}}}}};
  };
  ASSERT_OK(cluster.StartAgent(
      {.name = "cpu1", .synthetic = "pack:1 core:4 pu:1", .config = agent_config("cpu1")}));
  // The GPU node makes the GPU allocation ratio, GPU-seconds and GPU power real data. It
  // serves its metrics over HTTPS (metrics_tls; the scheduler's certificate from the test CA
  // is good for 127.0.0.1), so the shipped config scrapes one agent of each kind.
  Json gpu_config = agent_config("gpu1");
  gpu_config["metrics_tls"] = {{"cert_file", cluster.dir() + "/tls/scheduler.pem"},
                               {"key_file", cluster.dir() + "/tls/scheduler-key.pem"}};
  ASSERT_OK(cluster.StartAgent(
      {.name = "gpu1", .topology_xml = DataFile("hwloc/gpu-2s-4gpu.xml"), .config = gpu_config}));
  ASSERT_OK(cluster.WaitForNodes(2));
  for (const char* tenant : {"acme", "globex"}) {
    StatusOr<Reply> grant =
        cluster.Call(kAdminToken, "POST", std::string("/v1/tenants/") + tenant + "/grants",
                     R"({"credits":"10000","source":"voucher","program":"v",)"
                     R"("valid_until":"2099-01-01"})");
    ASSERT_OK(grant);
    ASSERT_EQ(grant->status, 201) << grant->body;
  }

  const std::string scheduler = cluster.url().substr(std::string("https://").size());
  StatusOr<std::string> config = DeriveConfig(scheduler, cluster.CaFile());
  ASSERT_OK(config);
  PrometheusServer prometheus;
  ASSERT_OK(prometheus.Start(prometheus_binary, *config));

  // (a) Every target up, the agents found through the scheduler with their node labels. The
  // workload starts only now, so the 5m rates and quantiles see it happen.
  std::set<std::string> agent_nodes;
  ASSERT_TRUE(WaitFor(
      [&] {
        StatusOr<Json> agents = prometheus.Query(R"(up{job="sharc-agent"} == 1)");
        StatusOr<Json> scheduler_up = prometheus.Query(R"(up{job="sharc-scheduler"} == 1)");
        if (!agents.ok() || !scheduler_up.ok()) return false;
        agent_nodes.clear();
        for (const Json& s : *agents) agent_nodes.insert(s["metric"].value("node", ""));
        return agent_nodes.size() == 2 && agents->size() == 2 && scheduler_up->size() == 1;
      },
      seconds(20), std::chrono::milliseconds(100)))
      << "targets: " << Describe(prometheus.Query("up")) << "\nlog:\n"
      << ReadTextFile(prometheus.log_path());
  EXPECT_EQ(agent_nodes, (std::set<std::string>{"cpu1", "gpu1"}));
  // One `node` label per agent series: the agent's own copy is dropped (exported_node).
  StatusOr<Json> exported = prometheus.Query(R"(count({exported_node!=""}))");
  ASSERT_OK(exported);
  EXPECT_TRUE(exported->empty()) << exported->dump();

  // The workload, in two waves: per-tenant series (queue wait, accounting) appear with a
  // tenant's first job, and a rate needs them to grow after Prometheus first saw them.
  std::vector<std::pair<const char*, int64_t>> jobs;  // (token, id)
  auto run_all = [&](const std::vector<std::pair<const char*, Json>>& specs) {
    std::vector<std::pair<const char*, int64_t>> wave;
    for (const auto& [token, spec] : specs) {
      StatusOr<int64_t> id = cluster.Submit(token, spec);
      ASSERT_OK(id);
      wave.emplace_back(token, *id);
      jobs.emplace_back(token, *id);
    }
    for (const auto& [token, id] : wave) {
      StatusOr<Json> ended = cluster.WaitForEnd(token, id);
      ASSERT_OK(ended);
      EXPECT_EQ((*ended)["state"], "COMPLETED") << ended->dump();
    }
  };
  run_all({{kAcmeToken, BusyJob()}, {kGlobexToken, BusyJob()}});
  if (HasFatalFailure()) return;
  ASSERT_TRUE(WaitFor(
      [&] {
        StatusOr<Json> seen = prometheus.Query(
            "count by (tenant) (sharc_job_queue_wait_seconds_count) and on (tenant) "
            "count by (tenant) (sharc_tenant_credit_spent_total)");
        return seen.ok() && seen->size() == 2;
      },
      seconds(20), std::chrono::milliseconds(100)))
      << "per-tenant series never scraped";
  run_all({{kAcmeToken, BusyJob()}, {kAcmeToken, BusyJob()}, {kGlobexToken, BusyJob(1)}});
  if (HasFatalFailure()) return;

  // Left running for the checks: a GPU job of globex (allocation, usage efficiency, GPU
  // power, quota use) and, behind it, one waiting on globex's GPU max (the queue panels).
  Json holder = {{"command", {"sleep", "300"}},
                 {"cpus", 1},
                 {"gpus", 1},
                 {"mem_bytes", 64 << 20},
                 {"time_limit_seconds", 120}};
  StatusOr<int64_t> running = cluster.Submit(kGlobexToken, holder);
  ASSERT_OK(running);
  ASSERT_OK(cluster.WaitForState(kGlobexToken, *running, "RUNNING"));
  Json waiter = holder;
  waiter["command"] = {"true"};
  StatusOr<int64_t> pending = cluster.Submit(kGlobexToken, waiter);
  ASSERT_OK(pending);
  StatusOr<Json> waiting = cluster.GetJob(kGlobexToken, *pending);
  ASSERT_TRUE(WaitFor([&] {
    waiting = cluster.GetJob(kGlobexToken, *pending);
    return waiting.ok() && (*waiting)["reason"] == "QUOTA_MAX";
  })) << Describe(waiting);

  // (b) and (c): every recording rule and every panel query has finite data, all at once.
  const std::vector<std::string> recorded =
      RecordedNames(ReadTextFile(RepoFile("configs/prometheus/rules/recording.yml")));
  ASSERT_GE(recorded.size(), 20u) << "recording.yml could not be parsed";
  StatusOr<Json> dashboard =
      protocol::ParseJson(ReadTextFile(RepoFile("configs/prometheus/dashboards/sharc.json")));
  ASSERT_OK(dashboard);
  std::vector<PanelQuery> panels;
  CollectPanelQueries(dashboard->value("panels", Json()), &panels);
  ASSERT_GE(panels.size(), 30u) << "the dashboard's panels could not be read";
  for (const PanelQuery& panel : panels) {
    ASSERT_EQ(panel.expr.find('$'), std::string::npos)
        << "panel \"" << panel.title << "\" uses a variable this test cannot fill: " << panel.expr;
  }
  std::vector<std::string> missing;
  bool all_have_data = WaitFor(
      [&] {
        missing.clear();
        for (const std::string& name : recorded) {
          if (!HasFiniteData(prometheus.Values(name))) missing.push_back("rule " + name);
        }
        for (const PanelQuery& panel : panels) {
          if (!HasFiniteData(prometheus.Values(panel.expr))) {
            missing.push_back("panel \"" + panel.title + "\": " + panel.expr);
          }
        }
        return missing.empty();
      },
      seconds(30), std::chrono::milliseconds(250));
  if (!all_have_data) {
    std::string report;
    for (const std::string& m : missing) {
      std::string expr = m.rfind("rule ", 0) == 0 ? m.substr(5) : m.substr(m.find("\": ") + 3);
      report += m + " -> " + Describe(prometheus.Query(expr)) + "\n";
    }
    ADD_FAILURE() << missing.size() << " queries without finite data:\n"
                  << report << "unhealthy rules:\n"
                  << prometheus.UnhealthyRules();
  }
  EXPECT_EQ(prometheus.UnhealthyRules(), "");

  // The energy rules carry the scheduler's PUE and intensity: facility = 1.5 x IT, and
  // carbon = facility x 400 g/kWh.
  StatusOr<std::vector<double>> pue = prometheus.Values(
      "cluster:sharc_facility_power_watts:rate5m / cluster:sharc_it_power_watts:rate5m");
  ASSERT_OK(pue);
  ASSERT_EQ(pue->size(), 1u);
  EXPECT_NEAR((*pue)[0], 1.5, 1e-9);
  StatusOr<std::vector<double>> intensity = prometheus.Values(
      "cluster:sharc_carbon_grams_per_second:rate5m / cluster:sharc_facility_power_watts:rate5m");
  ASSERT_OK(intensity);
  ASSERT_EQ(intensity->size(), 1u);
  EXPECT_NEAR((*intensity)[0] * 3.6e6, 400, 1e-6);
  // The agents' energy counters grow at the modelled power: between two idle nodes (2 x 50 W
  // + 4 idle GPUs x 30 W) and everything at peak (2 x 200 W + 4 x 250 W), with slack for the
  // 500ms sampling. (A 5m rate cannot show it: rate() divides by the whole 5m window, and
  // the series are only seconds old.) deriv() fits a line through the samples instead.
  StatusOr<std::vector<double>> it_power =
      prometheus.Values("sum(deriv(sharc_node_energy_joules_total[1m]))");
  ASSERT_OK(it_power);
  ASSERT_EQ(it_power->size(), 1u);
  EXPECT_GT((*it_power)[0], 0.8 * (2 * 50 + 4 * 30));
  EXPECT_LT((*it_power)[0], 1.5 * (2 * 200 + 4 * 250));

  // (d) End every job, then compare granted CPU-seconds: Prometheus's latest scrape with the
  // scheduler's /metrics (the same counter: equal once scraped after the last job ended), and
  // both with the jobs' own cpus x (end - start). A grant runs until the scheduler releases
  // the job's resources, a job's end_time is when the agent saw it exit: the counter is at
  // least the jobs' sum and exceeds it by the report latency (some ms per job).
  ASSERT_EQ(cluster.Call(kGlobexToken, "POST", "/v1/jobs/" + std::to_string(*pending) + "/cancel")
                ->status,
            200);
  ASSERT_OK(cluster.WaitForEnd(kGlobexToken, *pending));
  ASSERT_EQ(cluster.Call(kGlobexToken, "POST", "/v1/jobs/" + std::to_string(*running) + "/cancel")
                ->status,
            200);
  ASSERT_OK(cluster.WaitForEnd(kGlobexToken, *running));
  StatusOr<Reply> scrape = cluster.Call("", "GET", "/metrics");
  ASSERT_OK(scrape);
  std::optional<double> direct =
      SumOfSeries(scrape->body, "sharc_tenant_cpu_seconds_total", "type=\"granted\"");
  ASSERT_TRUE(direct.has_value()) << scrape->body;
  double in_prometheus = -1;
  EXPECT_TRUE(WaitFor(
      [&] {
        StatusOr<std::vector<double>> v =
            prometheus.Values(R"(sum(sharc_tenant_cpu_seconds_total{type="granted"}))");
        if (!v.ok() || v->size() != 1) return false;
        in_prometheus = (*v)[0];
        return std::abs(in_prometheus - *direct) <= 1e-9 * *direct;
      },
      seconds(10), std::chrono::milliseconds(100)))
      << "Prometheus has " << in_prometheus << " granted CPU-seconds, /metrics " << *direct;

  StatusOr<Reply> listed = cluster.Call(kAdminToken, "GET", "/v1/jobs?all=true");
  ASSERT_OK(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  ASSERT_EQ(listed->json["items"].size(), jobs.size() + 2) << listed->body;
  double from_jobs = 0;
  for (const Json& job : listed->json["items"]) {
    if (job["start_time"].is_null()) continue;  // the cancelled waiter never ran
    StatusOr<UnixMillis> start = ParseRfc3339(job["start_time"].get<std::string>());
    StatusOr<UnixMillis> end = ParseRfc3339(job["end_time"].get<std::string>());
    ASSERT_OK(start);
    ASSERT_OK(end);
    from_jobs += job["cpus"].get<double>() * static_cast<double>(*end - *start) / 1000;
  }
  // Five jobs of about 3s each and one held for the checks. The grant covers each job's
  // process lifetime plus its launch and its exit report (a few ms each, more on a loaded
  // machine): at least the jobs' sum, and at most a second per attempt above a few percent.
  EXPECT_GT(from_jobs, 12);
  double attempts = static_cast<double>(jobs.size() + 1);
  EXPECT_GE(*direct, from_jobs - 0.001 * attempts);
  EXPECT_LE(*direct, 1.05 * from_jobs + attempts);

  // The cluster's own accounting, the efficiency report over all time, gives the same
  // granted CPU-seconds as the counter Prometheus holds.
  StatusOr<Reply> report =
      cluster.Call(kAdminToken, "GET", "/v1/reports/efficiency?from=2000-01-01&to=2100-01-01");
  ASSERT_OK(report);
  ASSERT_EQ(report->status, 200) << report->body;
  double reported = report->json["cluster"]["granted_cpu_hours"].get<double>() * 3600;
  EXPECT_NEAR(reported, in_prometheus, 1e-6 * in_prometheus)
      << "the efficiency report and Prometheus disagree on granted CPU-seconds";
}

}  // namespace
}  // namespace sharc::testing
