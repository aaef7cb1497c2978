#include "tests/testing/cluster.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "core/file_util.h"
#include "gtest/gtest.h"
#include "scheduler/auth.h"
#include "tests/testing/wait_for.h"

namespace sharc::testing {
namespace {

using protocol::Json;

bool IsTerminalState(const std::string& state) { return state != "PENDING" && state != "RUNNING"; }

// Prints the end of every daemon log under `dir`: a failed test's only trace of what the
// scheduler and agents did, since the directory goes with the cluster.
void PrintDaemonLogs(const std::string& dir) {
  constexpr std::uintmax_t kTailBytes = 16 * 1024;
  std::error_code error;
  std::vector<std::filesystem::path> logs;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.path().extension() == ".log") logs.push_back(entry.path());
  }
  // The scheduler's first: CI shows only part of a long report, and it is where most failures
  // start.
  auto scheduler_first = [](const std::filesystem::path& a, const std::filesystem::path& b) {
    bool a_scheduler = a.filename().string().rfind("scheduler", 0) == 0;
    bool b_scheduler = b.filename().string().rfind("scheduler", 0) == 0;
    if (a_scheduler != b_scheduler) return a_scheduler;
    return a < b;
  };
  std::sort(logs.begin(), logs.end(), scheduler_first);
  for (const std::filesystem::path& log : logs) {
    std::ifstream in(log, std::ios::binary);
    std::uintmax_t size = std::filesystem::file_size(log, error);
    if (!error && size > kTailBytes) in.seekg(static_cast<std::streamoff>(size - kTailBytes));
    std::string tail((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "---- %s (its last %ju bytes at most) ----\n%s", log.filename().c_str(),
                 kTailBytes, tail.c_str());
  }
}

}  // namespace

std::string Binary(const std::string& relative) {
  return std::string(SHARC_BINARY_DIR) + "/" + relative;
}

std::string DataFile(const std::string& relative) {
  return std::string(SHARC_TEST_DATA_DIR) + "/" + relative;
}

// Under /var/tmp, not /tmp: a job's /tmp is its own (job_namespaces), and the tests share
// files with their jobs (gates, stamps) in the cluster's directory.
Cluster::Cluster(ClusterOptions options)
    : options_(std::move(options)), dir_("sharc-cluster", "/var/tmp") {
  // Jobs run as their tenants' users: they must be able to reach their directories below.
  ::chmod(dir_.path().c_str(), 0711);
  using scheduler::Sha256Hex;
  Json tenants = {
      {"admins",
       {{{"name", "test-admin"}, {"token_sha256", Sha256Hex(kAdminToken)}},
        {{"name", "test-operator"},
         {"role", "operator"},
         {"token_sha256", Sha256Hex(kOperatorToken)}},
        {{"name", "test-auditor"},
         {"role", "auditor"},
         {"token_sha256", Sha256Hex(kAuditorToken)}}}},
      {"tenants",
       {{{"name", "acme"}, {"tokens", {{{"name", "t"}, {"token_sha256", Sha256Hex(kAcmeToken)}}}}},
        {{"name", "globex"},
         {"tokens", {{{"name", "t"}, {"token_sha256", Sha256Hex(kGlobexToken)}}}}}}}};
  for (Json& tenant : tenants["tenants"]) {
    auto quota = options_.quotas.find(tenant["name"].get<std::string>());
    if (quota != options_.quotas.end()) tenant["quota"] = quota->second;
  }
  WriteTextFile(dir_.File("tenants.json"), tenants.dump(2));
  WriteTextFile(dir_.File("join-secret"), "test-join-secret-0123456789\n");
  Json config = {
      {"listen", options_.listen_host + ":0"},
      {"data_dir", dir_.File("data")},
      {"tenants_file", dir_.File("tenants.json")},
      {"store", {{"sync", options_.store_sync}}},
      {"agents",
       {{"join_secret_file", options_.join_secret ? dir_.File("join-secret") : ""},
        {"heartbeat_interval", options_.heartbeat_interval}}},
      {"debug", {{"check_invariants", options_.check_invariants}}},
  };
  if (!options_.node_timeout.empty()) config["agents"]["node_timeout"] = options_.node_timeout;
  if (options_.tls) {
    std::string san = "IP:" + options_.listen_host + ",DNS:localhost";
    if (!options_.reach_host.empty()) san += ",IP:" + options_.reach_host;
    CommandResult made =
        RunCommand({SHARC_SOURCE_DIR "/scripts/make-ca.sh", dir_.File("tls"), san});
    if (made.exit_code != 0) {
      std::fprintf(stderr, "make-ca.sh failed: %s\n", made.err.c_str());
      std::abort();
    }
    config["tls"] = {{"cert_file", dir_.File("tls/scheduler.pem")},
                     {"key_file", dir_.File("tls/scheduler-key.pem")}};
  } else {
    config["tls"] = {{"plain_http", true}};
  }
  if (!options_.prices.is_null()) config["prices"] = options_.prices;
  if (options_.scheduler_config_extra.is_object()) config.update(options_.scheduler_config_extra);
  WriteTextFile(dir_.File("scheduler.json"), config.dump(2));
}

Cluster::~Cluster() {
  // How each daemon stood before the teardown kills it: one that died during the test says
  // how (its exit code, or the signal that ended it).
  const bool failed = ::testing::Test::HasFailure();
  std::string states;
  if (failed) {
    if (scheduler_) {
      states += "scheduler (pid " + std::to_string(scheduler_->pid()) +
                "): " + scheduler_->DescribeState() + "\n";
    }
    for (auto& [name, agent] : agents_) {
      states += "agent " + name + " (pid " + std::to_string(agent.pid()) +
                "): " + agent.DescribeState() + "\n";
    }
  }
  for (auto& [name, agent] : agents_) agent.Kill();
  if (scheduler_) scheduler_->Kill();
  KillProcessesUnder(dir_.path());
  RemoveCgroupsOfThisCluster();
  if (failed) {
    std::fprintf(stderr, "---- the cluster's daemons when the test ended ----\n%s", states.c_str());
    PrintDaemonLogs(dir_.path());
  }
}

std::string Cluster::CgroupParent(const std::string& name) const {
  return "sharc-test/" + std::filesystem::path(dir_.path()).filename().string() + "/" + name;
}

void Cluster::RemoveCgroupsOfThisCluster() {
  std::string mine = "sharc-test/" + std::filesystem::path(dir_.path()).filename().string();
  std::error_code error;
  std::vector<std::filesystem::path> roots = {"/sys/fs/cgroup"};
  for (const auto& entry : std::filesystem::directory_iterator("/sys/fs/cgroup", error)) {
    roots.push_back(entry.path());
  }
  for (const std::filesystem::path& root : roots) {
    std::filesystem::path top = root / mine;
    if (!std::filesystem::is_directory(top, error)) continue;
    // Cgroup directories go with rmdir, deepest first; their files cannot be unlinked.
    std::vector<std::filesystem::path> groups;
    for (auto it = std::filesystem::recursive_directory_iterator(top, error);
         it != std::filesystem::recursive_directory_iterator(); it.increment(error)) {
      if (it->is_directory(error)) groups.push_back(it->path());
    }
    std::sort(groups.begin(), groups.end(),
              [](const auto& a, const auto& b) { return a.string().size() > b.string().size(); });
    groups.push_back(top);
    for (const auto& group : groups) {
      // A job the agent left behind (the agent was killed) dies first; a cgroup with members
      // cannot be removed.
      std::string procs = (group / "cgroup.procs").string();
      auto members = [&] {
        std::ifstream in(procs);
        std::vector<int> pids;
        for (int pid; in >> pid;) pids.push_back(pid);
        return pids;
      };
      for (int pid : members()) ::kill(pid, SIGKILL);
      WaitFor([&] { return members().empty(); }, std::chrono::seconds(5));
      ::rmdir(group.c_str());
    }
  }
}

Status Cluster::StartScheduler() {
  std::string ready = dir_.File("scheduler.ready");
  unlink(ready.c_str());
  SubprocessOptions options;
  options.argv = {Binary("scheduler/sharc-scheduler"), "--config", dir_.File("scheduler.json"),
                  "--ready-file", ready};
  // A restart keeps the port, so the agents (which dial a fixed URL) find it again.
  if (!url_.empty()) {
    options.argv.insert(options.argv.end(),
                        {"--listen", options_.listen_host + ":" + std::to_string(port_)});
  }
  if (!options_.netns.empty()) {
    options.argv.insert(options.argv.begin(), {"/usr/sbin/ip", "netns", "exec", options_.netns});
  }
  options.work_dir = dir_.path();
  std::string log = dir_.File("scheduler-" + std::to_string(++scheduler_starts_) + ".log");
  options.stderr_path = log;
  SHARC_ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(options));
  scheduler_ = std::move(process);
  if (!WaitFor([&] { return !ReadTextFile(ready).empty() || !scheduler_->running(); },
               std::chrono::seconds(30)) ||
      !scheduler_->running()) {
    return UnavailableError("the scheduler did not start: " + ReadTextFile(log));
  }
  std::string ready_url = ReadTextFile(ready);
  port_ = std::stoi(ready_url.substr(ready_url.rfind(':') + 1));
  std::string host = options_.reach_host.empty() ? options_.listen_host : options_.reach_host;
  url_ = Scheme() + "://" + host + ":" + std::to_string(port_);
  SHARC_ASSIGN_OR_RETURN(http_,
                         net::HttpClient::Create(url_, std::chrono::seconds(30), ClientTls()));
  return Status::Ok();
}

net::TlsClientOptions Cluster::ClientTls() const {
  net::TlsClientOptions tls;
  if (options_.tls) tls.ca_file = CaFile();
  return tls;
}

void Cluster::StopScheduler(int signal) {
  if (!scheduler_) return;
  scheduler_->Signal(signal);
  scheduler_->Wait(std::chrono::seconds(30));
  scheduler_->Kill();
  scheduler_.reset();
  http_.reset();
}

Status Cluster::StartAgent(const AgentOptions& o) {
  std::string state_dir = dir_.File("agent-" + o.name);
  SubprocessOptions options;
  std::string scheduler_url =
      o.scheduler_host.empty() ? url_
                               : Scheme() + "://" + o.scheduler_host + ":" + std::to_string(port_);
  options.argv = {Binary("agent/sharc-agent"),
                  "--scheduler",
                  scheduler_url,
                  "--node-name",
                  o.node_name.empty() ? o.name : o.node_name,
                  "--state-dir",
                  state_dir,
                  "--kill-grace",
                  o.kill_grace,
                  "--cgroup-parent",
                  CgroupParent(o.name),
                  "--log-level",  // a failed test prints the logs (see PrintDaemonLogs)
                  "debug"};
  if (options_.join_secret) {
    options.argv.insert(options.argv.end(), {"--join-secret-file", dir_.File("join-secret")});
  }
  if (options_.tls) options.argv.insert(options.argv.end(), {"--ca-file", CaFile()});
  if (!o.topology_xml.empty())
    options.argv.insert(options.argv.end(), {"--topology-xml", o.topology_xml});
  if (!o.synthetic.empty()) options.argv.insert(options.argv.end(), {"--synthetic", o.synthetic});
  if (o.metrics) options.argv.insert(options.argv.end(), {"--metrics-listen", "127.0.0.1:0"});
  for (const auto& [k, v] : o.labels)
    options.argv.insert(options.argv.end(), {"--label", k + "=" + v});
  if (!o.config.is_null()) {
    std::string path = dir_.File("agent-" + o.name + ".json");
    WriteTextFile(path, o.config.dump(2));
    options.argv.insert(options.argv.end(), {"--config", path});
  }
  if (!o.netns.empty()) {
    options.argv.insert(options.argv.begin(), {"/usr/sbin/ip", "netns", "exec", o.netns});
  }
  options.work_dir = dir_.path();
  options.stderr_path =
      dir_.File("agent-" + o.name + "-" + std::to_string(++agent_starts_[o.name]) + ".log");
  SHARC_ASSIGN_OR_RETURN(Subprocess process, Subprocess::Start(options));
  agents_.erase(o.name);
  agents_.emplace(o.name, std::move(process));
  return Status::Ok();
}

std::string Cluster::SchedulerLog() const {
  if (scheduler_starts_ == 0) return "";
  StatusOr<std::string> text =
      ReadFile(dir_.File("scheduler-" + std::to_string(scheduler_starts_) + ".log"));
  return text.ok() ? *text : "";
}

std::string Cluster::AgentLog(const std::string& name) const {
  auto starts = agent_starts_.find(name);
  if (starts == agent_starts_.end()) return "";
  StatusOr<std::string> text =
      ReadFile(dir_.File("agent-" + name + "-" + std::to_string(starts->second) + ".log"));
  return text.ok() ? *text : "";
}

void Cluster::StopAgent(const std::string& name, int signal) {
  auto it = agents_.find(name);
  if (it == agents_.end()) return;
  it->second.Signal(signal);
  it->second.Wait(std::chrono::seconds(30));
  agents_.erase(it);
}

bool Cluster::AgentRunning(const std::string& name) {
  auto it = agents_.find(name);
  return it != agents_.end() && it->second.running();
}

Status Cluster::WaitForNodes(size_t count, std::chrono::milliseconds timeout) {
  size_t up = 0;
  bool ok = WaitFor(
      [&] {
        StatusOr<Reply> reply = Call(kAdminToken, "GET", "/v1/nodes");
        if (!reply.ok() || reply->status != 200) return false;
        up = 0;
        for (const Json& node : reply->json["items"]) {
          if (node["state"] == "UP" && node["connected"] == true) ++up;
        }
        return up >= count;
      },
      timeout, std::chrono::milliseconds(20));
  if (ok) return Status::Ok();
  return UnavailableError("only " + std::to_string(up) + " of " + std::to_string(count) +
                          " nodes came up");
}

StatusOr<Reply> Cluster::Call(const std::string& token, const std::string& method,
                              const std::string& target, const std::string& body) {
  if (!http_) return UnavailableError("the scheduler is not running");
  std::map<std::string, std::string> headers;
  if (!token.empty()) headers["Authorization"] = "Bearer " + token;
  if (!body.empty()) headers["Content-Type"] = "application/json";
  SHARC_ASSIGN_OR_RETURN(net::HttpResponse response, http_->Send(method, target, body, headers));
  Reply reply;
  reply.status = response.status;
  reply.body = response.body;
  StatusOr<Json> json = protocol::ParseJson(response.body);
  if (json.ok()) reply.json = *json;
  return reply;
}

StatusOr<int64_t> Cluster::Submit(const std::string& token, const Json& spec) {
  SHARC_ASSIGN_OR_RETURN(Reply reply, Call(token, "POST", "/v1/jobs", spec.dump()));
  if (reply.status != 201) {
    return InternalError("submit answered " + std::to_string(reply.status) + ": " + reply.body);
  }
  return reply.json["id"].get<int64_t>();
}

StatusOr<Json> Cluster::GetJob(const std::string& token, int64_t id) {
  SHARC_ASSIGN_OR_RETURN(Reply reply, Call(token, "GET", "/v1/jobs/" + std::to_string(id)));
  if (reply.status != 200) {
    return InternalError("GET job answered " + std::to_string(reply.status) + ": " + reply.body);
  }
  return reply.json;
}

StatusOr<Json> Cluster::WaitForEnd(const std::string& token, int64_t id,
                                   std::chrono::milliseconds timeout) {
  Json last;
  bool ended = WaitFor(
      [&] {
        StatusOr<Json> job = GetJob(token, id);
        if (!job.ok()) return false;
        last = *job;
        return IsTerminalState(last["state"].get<std::string>());
      },
      timeout, std::chrono::milliseconds(20));
  if (!ended) return UnavailableError("job " + std::to_string(id) + " did not end: " + last.dump());
  return last;
}

StatusOr<Json> Cluster::WaitForState(const std::string& token, int64_t id, const std::string& state,
                                     std::chrono::milliseconds timeout) {
  Json last;
  bool reached = WaitFor(
      [&] {
        StatusOr<Json> job = GetJob(token, id);
        if (!job.ok()) return false;
        last = *job;
        return last["state"] == state;
      },
      timeout, std::chrono::milliseconds(20));
  if (!reached) {
    return UnavailableError("job " + std::to_string(id) + " never became " + state + ": " +
                            last.dump());
  }
  return last;
}

StatusOr<std::string> Cluster::Output(const std::string& token, int64_t id,
                                      const std::string& stream) {
  SHARC_ASSIGN_OR_RETURN(
      Reply reply,
      Call(token, "GET", "/v1/jobs/" + std::to_string(id) + "/output?stream=" + stream));
  if (reply.status != 200) {
    return InternalError("output answered " + std::to_string(reply.status) + ": " + reply.body);
  }
  return reply.body;
}

CommandResult Cluster::Cli(const std::string& token, const std::vector<std::string>& args) {
  std::vector<std::string> argv{Binary("agent/cli/sharc")};
  argv.insert(argv.end(), args.begin(), args.end());
  std::map<std::string, std::string> env = {{"SHARC_SERVER", url_}, {"SHARC_TOKEN", token}};
  if (options_.tls) env["SHARC_CA_FILE"] = CaFile();
  return RunCommand(argv, env);
}

}  // namespace sharc::testing
