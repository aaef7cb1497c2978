// The agent's configuration: a validated plain struct built once in main.cc from embedded
// defaults, an optional JSON file (comments allowed; unknown keys refused) and flags.
// configs/agent.example.json documents every field.
#ifndef SHARC_AGENT_CONFIG_H_
#define SHARC_AGENT_CONFIG_H_

#include <chrono>
#include <map>
#include <string>
#include <string_view>

#include "agent/energy/energy_meter.h"
#include "agent/health_check.h"
#include "agent/identity.h"
#include "core/status.h"
#include "net/tls.h"

namespace sharc::agent {

struct AgentConfig {
  // https:// (the agent channel then runs over wss://) or http://.
  std::string scheduler_url = "http://127.0.0.1:7400";
  // With https: the CA the scheduler's certificate must chain to ("" = the system's), and the
  // client certificate to present when the scheduler requires one.
  net::TlsClientOptions scheduler_tls;
  std::string node_name;  // default: the host name
  std::map<std::string, std::string> labels;
  // Development mode: the scheduler's shared join secret, which lets any agent join.
  std::string join_secret_file;
  // A one-time join token for this node (`sharc admin node token issue NAME`): presented while
  // the node has no credential of its own yet, then never again.
  std::string join_token_file;
  // Holds one directory per attempt (stdout, stderr, exit status).
  std::string state_dir = "./sharc-agent-state";
  // Present another machine instead of this one (see topology_probe.h).
  std::string topology_xml;
  std::string topology_synthetic;
  // Cancel and time-limit kills: SIGTERM, then SIGKILL after this long.
  std::chrono::milliseconds kill_grace{10000};
  // Each job's stdout and stderr are cut at this size, with a line saying so
  // (output_limit.h); checked at every usage sample and at the job's end. 0 = no limit.
  int64_t output_limit_bytes = int64_t{1} << 30;
  // An ended job's directory (stdout, stderr) and exit status stay on the node this long after
  // the job ended, for `sharc logs`, then are removed (job_dir_retention.h). At least 1s.
  std::chrono::milliseconds output_keep_for{std::chrono::hours(7 * 24)};
  // PATH for jobs that do not set their own.
  std::string job_path = "/usr/local/bin:/usr/bin:/bin";
  std::chrono::milliseconds reconnect_max_delay{2000};
  std::string log_level = "info";
  // Who jobs run as (identity.h). By default each tenant gets its own system user,
  // "sharc-<tenant>", created on first use.
  IdentityPolicy identities{{}, /*create_users=*/true, {}};
  // Jobs run with no_new_privs unless this is true: setuid programs (sudo, su) and file
  // capabilities give them nothing.
  bool allow_setuid = false;
  // Each job in a PID namespace and a mount namespace of its own: it sees only its own
  // processes (/proc) and gets a private, empty /tmp. Needs root; an agent that is not root
  // runs jobs in the node's namespaces and says so at start.
  bool job_namespaces = true;
  // cgroups: on by default, detected at start-up (v2 or v1); off = binding only.
  bool cgroups_enabled = true;
  std::string cgroup_root = "/sys/fs/cgroup";
  // This agent's group below the root; "" = "sharc/<node_name>". Two agents on one machine
  // must not share it: each removes what it finds of its own jobs there.
  std::string cgroup_parent;
  int64_t pids_max = 4096;       // per job
  bool restrict_devices = true;  // only the granted GPUs' device files (cgroup v1)
  HealthCheckOptions health_check;
  // The agent's own Prometheus endpoint, "HOST:PORT" (port 0 = any free port, logged and
  // advertised); "" = none.
  std::string metrics_listen;
  // What the node advertises for scraping (NodeInventory::metrics_url); "" =
  // http://<listen host>:<bound port>/metrics, with this machine's host name in place of a
  // wildcard listen address (0.0.0.0, ::).
  std::string metrics_advertise_url;
  // A file holding the token Prometheus must present to scrape metrics_listen (the same as the
  // scheduler's http.metrics_token_file); "" = open.
  std::string metrics_token_file;
  // HTTPS for metrics_listen: this node's certificate and key (and optionally the CA of the
  // client certificates Prometheus must present); the advertised URL is then https://. Empty
  // cert_file = plain HTTP.
  net::TlsServerOptions metrics_tls;
  // The address other nodes reach this node's jobs at (NodeInventory::address: gang jobs'
  // MASTER_ADDR and hostfile); "" = the IP address the scheduler sees this agent connect from.
  std::string advertise_address;
  // How often node usage and energy are sampled (also at each attempt's exit).
  std::chrono::milliseconds energy_sample_interval{5000};
  // Energy sources and the power model used when nothing can be measured. The model's
  // defaults are placeholders (a typical two-socket server and a mid-range GPU): set them per
  // node class.
  EnergyMeterOptions energy{"/sys/class/powercap",
                            "libnvidia-ml.so.1",
                            {60'000, 250'000, {{"default", {50'000, 300'000}}}}};
};

// Reads a config file on top of the defaults; the error names the file and the field.
StatusOr<AgentConfig> LoadAgentConfig(const std::string& path);

// Cross-field checks; also run after flag overrides. Fills node_name from the host name.
Status FinalizeAgentConfig(AgentConfig& config);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_CONFIG_H_
