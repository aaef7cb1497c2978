#include "scheduler/config.h"

#include "core/file_util.h"
#include "core/host_port.h"
#include "core/log.h"
#include "core/units.h"
#include "protocol/json_fields.h"

namespace sharc::scheduler {
namespace {

using protocol::FieldReader;
using protocol::Json;

void ReadDurationText(FieldReader& r, std::string_view key, const std::string& text,
                      std::chrono::milliseconds* out) {
  StatusOr<std::chrono::milliseconds> d = ParseDurationMillis(text);
  if (!d.ok()) return r.Fail(key, d.status().message());
  *out = *d;
}

// FieldReader::OptionalDuration for a field kept in whole seconds.
void ReadSeconds(FieldReader& r, std::string_view key, std::chrono::seconds* out) {
  std::chrono::milliseconds ms = *out;
  r.OptionalDuration(key, &ms);
  *out = std::chrono::duration_cast<std::chrono::seconds>(ms);
}

// The "agents" section.
Status ApplyAgentsJson(const Json& agents, SchedulerConfig* c) {
  FieldReader a(agents, "agents");
  a.OptionalString("join_secret_file", &c->agent_join_secret_file);
  a.OptionalDuration("heartbeat_interval", &c->heartbeat_interval);
  a.OptionalDuration("node_timeout", &c->node_timeout);
  std::string fence;
  a.OptionalString("fence_after", &fence);
  if (fence == "0" || fence == "never") {
    c->fence_after = std::chrono::milliseconds(0);
  } else if (!fence.empty() && a.ok()) {
    std::chrono::milliseconds value{0};
    ReadDurationText(a, "fence_after", fence, &value);
    c->fence_after = value;
  }
  return a.Finish();
}

// The "jobs" section.
Status ApplyJobsJson(const Json& jobs, SchedulerConfig* c) {
  FieldReader j(jobs, "jobs");
  j.OptionalSize("default_memory_per_cpu", &c->default_memory_per_cpu);
  ReadSeconds(j, "default_time_limit", &c->default_time_limit);
  ReadSeconds(j, "max_time_limit", &c->max_time_limit);
  j.OptionalInt32("max_attempts", &c->max_attempts, 1, 1000);
  j.OptionalDuration("retention", &c->retention);
  j.OptionalInt("max_finished_in_memory", &c->max_finished_in_memory, 0, 100000000);
  return j.Finish();
}

// The "http" section.
Status ApplyHttpJson(const Json& http, SchedulerConfig* c) {
  FieldReader h(http, "http");
  h.OptionalInt("max_connections", &c->http_max_connections, 1, 1'000'000);
  h.OptionalInt("max_connections_per_peer", &c->http_max_connections_per_peer, 1, 1'000'000);
  h.OptionalDuration("websocket_idle_timeout", &c->websocket_idle_timeout);
  h.OptionalString("metrics_token_file", &c->metrics_token_file);
  return h.Finish();
}

// The "tls" section.
Status ApplyTlsJson(const Json& tls, SchedulerConfig* c) {
  FieldReader t(tls, "tls");
  t.OptionalString("cert_file", &c->tls.cert_file);
  t.OptionalString("key_file", &c->tls.key_file);
  t.OptionalString("client_ca_file", &c->tls.client_ca_file);
  t.OptionalBool("plain_http", &c->plain_http);
  return t.Finish();
}

Status ApplyJson(const Json& json, SchedulerConfig* c) {
  FieldReader r(json, "");
  std::string listen;
  r.OptionalString("listen", &listen);
  if (!listen.empty() && r.ok()) {
    Status s = ParseHostPort(listen, &c->listen_address, &c->listen_port);
    if (!s.ok()) r.Fail("listen", s.message());
  }
  r.OptionalString("data_dir", &c->data_dir);
  r.OptionalString("tenants_file", &c->tenants_file);
  r.OptionalString("log_level", &c->log_level);
  const Json* store = r.OptionalRaw("store");
  const Json* agents = r.OptionalRaw("agents");
  const Json* jobs = r.OptionalRaw("jobs");
  const Json* scheduling = r.OptionalRaw("scheduling");
  const Json* prices = r.OptionalRaw("prices");
  const Json* debug = r.OptionalRaw("debug");
  const Json* efficiency = r.OptionalRaw("efficiency");
  const Json* http = r.OptionalRaw("http");
  const Json* tls = r.OptionalRaw("tls");
  SHARC_RETURN_IF_ERROR(r.Finish());
  if (http) SHARC_RETURN_IF_ERROR(ApplyHttpJson(*http, c));
  if (tls) SHARC_RETURN_IF_ERROR(ApplyTlsJson(*tls, c));
  if (efficiency) {
    FieldReader e(*efficiency, "efficiency");
    e.OptionalDouble("pue", &c->pue, 0.0, 10.0);
    e.OptionalDouble("grid_carbon_g_per_kwh", &c->grid_carbon_g_per_kwh, 0.0, 5000.0);
    SHARC_RETURN_IF_ERROR(e.Finish());
  }
  if (prices) {
    FieldReader p(*prices, "prices");
    auto price = [&](std::string_view key, MicroCredits* out) {
      std::string text;
      p.OptionalString(key, &text);
      if (text.empty() || !p.ok()) return;
      StatusOr<MicroCredits> parsed = ParseCredits(text);
      if (!parsed.ok()) return p.Fail(key, parsed.status().message());
      *out = *parsed;
    };
    price("cpu_hour", &c->prices.per_cpu_hour);
    price("gib_hour", &c->prices.per_gib_hour);
    price("gpu_hour", &c->prices.per_gpu_hour);
    std::map<std::string, std::string> by_model;
    p.OptionalStringMap("gpu_hour_by_model", &by_model);
    for (const auto& [model, text] : by_model) {
      StatusOr<MicroCredits> parsed = ParseCredits(text);
      if (!parsed.ok()) {
        p.Fail("gpu_hour_by_model", model + ": " + parsed.status().message());
        break;
      }
      c->prices.per_gpu_hour_by_model[model] = *parsed;
    }
    SHARC_RETURN_IF_ERROR(p.Finish());
  }
  if (debug) {
    FieldReader d(*debug, "debug");
    d.OptionalBool("check_invariants", &c->check_invariants);
    SHARC_RETURN_IF_ERROR(d.Finish());
  }
  if (store) {
    FieldReader s(*store, "store");
    std::string sync = "full";
    s.OptionalString("sync", &sync);
    if (s.ok() && sync != "full" && sync != "normal") s.Fail("sync", "must be 'full' or 'normal'");
    c->store_sync = sync == "normal" ? store::SyncMode::kNormal : store::SyncMode::kFull;
    s.OptionalSize("min_free", &c->store_min_free_bytes);
    s.OptionalSize("reserve", &c->store_reserve_bytes);
    SHARC_RETURN_IF_ERROR(s.Finish());
  }
  if (agents) SHARC_RETURN_IF_ERROR(ApplyAgentsJson(*agents, c));
  if (jobs) SHARC_RETURN_IF_ERROR(ApplyJobsJson(*jobs, c));
  if (scheduling) SHARC_RETURN_IF_ERROR(ApplySchedulingJson(*scheduling, &c->scheduling));
  return Status::Ok();
}

}  // namespace

Status ValidateSchedulerConfig(const SchedulerConfig& c) {
  if (c.data_dir.empty()) return InvalidArgumentError("data_dir: must not be empty");
  if (c.retention < std::chrono::seconds(1)) {
    return InvalidArgumentError(
        "jobs.retention: at least 1s (a finished job stays in memory until its end is stored)");
  }
  if (c.heartbeat_interval.count() < 10) {
    return InvalidArgumentError("agents.heartbeat_interval: at least 10ms");
  }
  if (c.node_timeout < 2 * c.heartbeat_interval) {
    return InvalidArgumentError(
        "agents.node_timeout: must be at least twice agents.heartbeat_interval, or one lost "
        "heartbeat marks a node DOWN");
  }
  if (c.fence_after && c.fence_after->count() > 0 && *c.fence_after >= c.node_timeout) {
    return InvalidArgumentError(
        "agents.fence_after: must be below agents.node_timeout, or a cut-off node's job could "
        "still run when its requeued successor starts");
  }
  if (c.default_memory_per_cpu <= 0) {
    return InvalidArgumentError("jobs.default_memory_per_cpu: must be positive");
  }
  if (c.default_time_limit > c.max_time_limit) {
    return InvalidArgumentError("jobs.default_time_limit: exceeds jobs.max_time_limit");
  }
  if (c.tls.cert_file.empty() != c.tls.key_file.empty()) {
    return InvalidArgumentError("tls: set both cert_file and key_file, or neither");
  }
  if (!c.tls.client_ca_file.empty() && c.tls.cert_file.empty()) {
    return InvalidArgumentError(
        "tls.client_ca_file: client certificates need TLS; set tls.cert_file and tls.key_file");
  }
  if (c.plain_http && !c.tls.cert_file.empty()) {
    return InvalidArgumentError(
        "tls.plain_http: the scheduler serves either HTTPS (tls.cert_file) or plain HTTP, not "
        "both; remove one");
  }
  if (c.http_max_connections_per_peer > c.http_max_connections) {
    return InvalidArgumentError(
        "http.max_connections_per_peer: must not exceed http.max_connections");
  }
  if (c.websocket_idle_timeout <= c.node_timeout) {
    return InvalidArgumentError("http.websocket_idle_timeout: must exceed agents.node_timeout (" +
                                std::to_string(c.node_timeout.count()) +
                                " ms), or a live agent between two heartbeats could be cut off");
  }
  if (c.pue != 0 && c.pue < 1) {
    return InvalidArgumentError(
        "efficiency.pue: at least 1 (the facility's energy includes its IT energy), or 0 when "
        "unknown");
  }
  LogLevel level;
  if (!ParseLogLevel(c.log_level, &level)) {
    return InvalidArgumentError("log_level: use debug, info, warning or error");
  }
  return Status::Ok();
}

Status CheckTransport(const SchedulerConfig& c) {
  if (c.plain_http || !c.tls.cert_file.empty()) return Status::Ok();
  return InvalidArgumentError(
      "tls: the scheduler serves HTTPS unless told otherwise: set tls.cert_file and "
      "tls.key_file (or --tls-cert and --tls-key; README, Security), or tls.plain_http: true (or "
      "--plain-http) to serve plain HTTP on a network you trust");
}

StatusOr<SchedulerConfig> LoadSchedulerConfig(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  StatusOr<Json> json = protocol::ParseJsonWithComments(text);
  if (!json.ok()) return json.status().WithPrefix(path);
  SchedulerConfig config;
  SHARC_RETURN_IF_ERROR(ApplyJson(*json, &config).WithPrefix(path));
  SHARC_RETURN_IF_ERROR(ValidateSchedulerConfig(config).WithPrefix(path));
  return config;
}

}  // namespace sharc::scheduler
