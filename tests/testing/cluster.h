// A real sharc cluster for integration tests: the sharc-scheduler and sharc-agent binaries
// as child processes on 127.0.0.1 (port 0), in a temp dir this object owns. Tenants "acme"
// and "globex" and an admin exist with known tokens. The destructor kills every process it
// started and every job process left under its temp dir.
#ifndef SHARC_TESTS_TESTING_CLUSTER_H_
#define SHARC_TESTS_TESTING_CLUSTER_H_

#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "protocol/json_fields.h"
#include "tests/testing/subprocess.h"
#include "tests/testing/temp_dir.h"

namespace sharc::testing {

inline constexpr const char* kAdminToken = "test-admin-token-0123456789";
inline constexpr const char* kAcmeToken = "test-acme-token-0123456789";
inline constexpr const char* kGlobexToken = "test-globex-token-0123456789";
inline constexpr const char* kOperatorToken = "test-operator-token-0123456789";
inline constexpr const char* kAuditorToken = "test-auditor-token-0123456789";

// Path of a built binary, e.g. Binary("scheduler/sharc-scheduler").
std::string Binary(const std::string& relative);
// Path of a test fixture, e.g. DataFile("hwloc/gpu-2s-4gpu.xml").
std::string DataFile(const std::string& relative);

struct ClusterOptions {
  std::string heartbeat_interval = "200ms";  // fast, so node failures show quickly
  // Agents fence (kill their jobs) after half of it; "" = the scheduler's default.
  std::string node_timeout = "3s";
  std::string store_sync = "full";
  bool join_secret = true;
  // Quota objects by tenant name (acme, globex), as the tenants file takes them.
  std::map<std::string, protocol::Json> quotas;
  protocol::Json prices = nullptr;  // the scheduler config's "prices", if any
  bool check_invariants = true;     // the scheduler aborts if an invariant ever breaks
  // Merged into scheduler.json last (top-level keys replace the defaults), e.g.
  // {{"efficiency", {{"pue", 1.5}}}}.
  protocol::Json scheduler_config_extra = nullptr;
  // Multi-host tests: the network namespace the scheduler runs in, the address it listens on
  // there, and the address the test (in the root namespace) reaches it at.
  std::string netns;
  std::string listen_host = "127.0.0.1";
  std::string reach_host;  // "" = listen_host
  // Serve HTTPS with a throwaway CA (scripts/make-ca.sh, in the cluster's dir): the test's
  // client, the agents and Cli() trust it. false: the scheduler serves plain HTTP
  // (tls.plain_http).
  bool tls = false;
};

struct AgentOptions {
  std::string name;
  std::string node_name;     // the node it registers as; "" = name
  std::string topology_xml;  // "" = this machine (unless synthetic)
  std::string synthetic;
  std::map<std::string, std::string> labels;
  std::string kill_grace = "2s";
  protocol::Json config = nullptr;  // an agent config file's contents, if any
  std::string netns;                // run it in this network namespace
  std::string scheduler_host;       // dial the scheduler at this address ("" = as the test)
  bool metrics = false;             // serve /metrics on 127.0.0.1, a free port
};

struct Reply {
  int status = 0;
  protocol::Json json;  // null if the body was not JSON
  std::string body;
};

class Cluster {
 public:
  explicit Cluster(ClusterOptions options = {});
  ~Cluster();

  Status StartScheduler();
  // SIGKILL (or `signal`) the scheduler and wait for it to exit.
  void StopScheduler(int signal = 9);
  Status StartAgent(const AgentOptions& options);
  void StopAgent(const std::string& name, int signal = 9);
  bool AgentRunning(const std::string& name);

  // Polls /v1/nodes until `count` nodes are UP and connected.
  Status WaitForNodes(size_t count, std::chrono::milliseconds timeout = std::chrono::seconds(20));

  const std::string& url() const { return url_; }
  // With ClusterOptions::tls: the CA's certificate, and the TLS options that trust it.
  std::string CaFile() const { return dir_.File("tls/ca.pem"); }
  net::TlsClientOptions ClientTls() const;
  // What the agent's latest process has logged so far ("" if it never started).
  std::string AgentLog(const std::string& name) const;
  // What the scheduler's latest process has logged so far ("" if it never started).
  std::string SchedulerLog() const;
  // The agent's state directory (jobs/<id>.<attempt>/ holds each attempt's files).
  std::string AgentStateDir(const std::string& name) const { return dir_.File("agent-" + name); }
  // The agent's cgroup below each hierarchy: unique per cluster, so tests running side by side
  // never touch each other's jobs.
  std::string CgroupParent(const std::string& name) const;
  const std::string& dir() const { return dir_.path(); }
  // The scheduler's store file (it may be written before the scheduler first starts).
  std::string StorePath() const { return dir_.File("data/sharc.db"); }
  // The running scheduler's process id; -1 if none.
  pid_t scheduler_pid() const { return scheduler_ ? scheduler_->pid() : -1; }
  // The agent's process id; -1 if it was never started.
  pid_t agent_pid(const std::string& name) const {
    auto it = agents_.find(name);
    return it == agents_.end() ? -1 : it->second.pid();
  }

  // A REST call with a bearer token ("" = none). Unavailable if the server is unreachable.
  StatusOr<Reply> Call(const std::string& token, const std::string& method,
                       const std::string& target, const std::string& body = "");
  // POST /v1/jobs; the new job's id.
  StatusOr<int64_t> Submit(const std::string& token, const protocol::Json& spec);
  StatusOr<protocol::Json> GetJob(const std::string& token, int64_t id);
  // Polls until the job is in a terminal state; returns it.
  StatusOr<protocol::Json> WaitForEnd(const std::string& token, int64_t id,
                                      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // Polls until the job has the given state.
  StatusOr<protocol::Json> WaitForState(
      const std::string& token, int64_t id, const std::string& state,
      std::chrono::milliseconds timeout = std::chrono::seconds(30));
  // The job's captured output.
  StatusOr<std::string> Output(const std::string& token, int64_t id,
                               const std::string& stream = "stdout");
  // Runs the sharc CLI against this cluster with a token.
  CommandResult Cli(const std::string& token, const std::vector<std::string>& args);

 private:
  ClusterOptions options_;
  void RemoveCgroupsOfThisCluster();
  std::string Scheme() const { return options_.tls ? "https" : "http"; }

  TempDir dir_;
  std::string url_;
  std::optional<Subprocess> scheduler_;
  std::map<std::string, Subprocess> agents_;
  std::unique_ptr<net::HttpClient> http_;
  int scheduler_starts_ = 0;
  std::map<std::string, int> agent_starts_;  // per agent name: numbers its log files
  int port_ = 0;
};

}  // namespace sharc::testing

#endif  // SHARC_TESTS_TESTING_CLUSTER_H_
