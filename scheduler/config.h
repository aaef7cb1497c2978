// The scheduler's configuration: a validated plain struct, built once in main.cc from the
// embedded defaults, an optional JSON file (comments allowed; unknown keys refused) and flags.
// configs/scheduler.example.json documents every field.
#ifndef SHARC_SCHEDULER_CONFIG_H_
#define SHARC_SCHEDULER_CONFIG_H_

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "core/credit.h"
#include "core/status.h"
#include "net/tls.h"
#include "scheduler/scheduling_config.h"
#include "store/sqlite_store.h"

namespace sharc::scheduler {

struct SchedulerConfig {
  // Where REST, /metrics, /healthz and the agent channel listen.
  std::string listen_address = "127.0.0.1";
  uint16_t listen_port = 7400;
  // HTTPS (and wss for agents) on that port: the certificate, its key, and optionally the CA
  // of the certificates every client must then present. The scheduler serves plain HTTP only
  // when plain_http says so (CheckTransport), and then warns at start.
  net::TlsServerOptions tls;
  bool plain_http = false;
  // Holds sharc.db (SQLite, WAL).
  std::string data_dir = "./sharc-data";
  store::SyncMode store_sync = store::SyncMode::kFull;
  // Below this much free space on data_dir's filesystem, changes people ask for are refused
  // (503) before they are made; a reserve file of store_reserve_bytes lets the scheduler's own
  // commits finish on a full disk (store/disk_reserve.h).
  int64_t store_min_free_bytes = 64 << 20;
  int64_t store_reserve_bytes = 64 << 20;
  // Open connections the server holds (the agents' included), in total and from one IP
  // address; beyond either a new connection gets 503 before anything is read from it. The
  // total is lowered to fit the process's open-file limit (raised to its hard limit at start).
  int64_t http_max_connections = 4096;
  int64_t http_max_connections_per_peer = 256;
  // A WebSocket (an agent's channel) that brings no message for this long is closed. Agents
  // send a heartbeat every heartbeat_interval, so this must exceed node_timeout.
  std::chrono::milliseconds websocket_idle_timeout{60'000};
  // A file holding the token Prometheus presents to scrape /metrics and read
  // /v1/prometheus/targets (an admin's token also does); "" = both are open.
  std::string metrics_token_file;
  // Tenants, admins and their token hashes (configs/tenants.example.json).
  std::string tenants_file;
  // The node join secret agents present. Empty: agents are accepted only from loopback.
  std::string agent_join_secret_file;
  std::chrono::milliseconds heartbeat_interval{1000};
  // Long enough that a scheduler restart (a crash and systemd's restart, an upgrade) ends
  // well inside fence_after, so that running jobs outlive it.
  std::chrono::milliseconds node_timeout{30000};
  // Agents kill their attempts after this long without hearing from the scheduler, so that a
  // cut-off node's job never runs alongside its requeued successor. 0 = never. Default:
  // half of node_timeout.
  std::optional<std::chrono::milliseconds> fence_after;
  int32_t max_attempts = 5;
  // Finished jobs stay in memory this long after they end (at most max_finished_in_memory of
  // them); then only their records in the store answer for them.
  std::chrono::milliseconds retention{3600 * 1000};
  int64_t max_finished_in_memory = 100000;
  // Defaults and bounds applied at submit.
  int64_t default_memory_per_cpu = int64_t{1} << 30;
  std::chrono::seconds default_time_limit{3600};
  std::chrono::seconds max_time_limit{7 * 24 * 3600};
  // The scheduling profile, priority classes, fair share and cycle pacing
  // (scheduling_config.h).
  SchedulingConfig scheduling;
  std::string log_level = "info";
  // Credits per hour; all zero (the default) means credit is not enforced.
  PriceList prices;
  // For efficiency reports and metrics: facility energy / IT energy (0 = unknown; a facility
  // meter's readings, fed through the admin API, take precedence), and the grid's carbon
  // intensity in grams of CO2 per kWh (0 = unknown).
  double pue = 0;
  double grid_carbon_g_per_kwh = 0;
  // Tests and debugging: check every invariant after every cycle and commit; abort if one
  // breaks.
  bool check_invariants = false;
};

// Reads and validates a config file on top of the defaults. The error names the file and the
// field: "scheduler.json: agents.node_timeout: '5x' is not a duration; ...".
StatusOr<SchedulerConfig> LoadSchedulerConfig(const std::string& path);

// Cross-field checks (node_timeout > heartbeat_interval, ...), also run on flag overrides.
Status ValidateSchedulerConfig(const SchedulerConfig& config);

// The check a scheduler about to serve makes last, after the config file and the flags: it
// serves HTTPS (tls.cert_file and tls.key_file) or, said explicitly, plain HTTP. The error
// tells the operator how to do either.
Status CheckTransport(const SchedulerConfig& config);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_CONFIG_H_
