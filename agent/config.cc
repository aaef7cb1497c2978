#include "agent/config.h"

#include <unistd.h>

#include <cmath>
#include <initializer_list>
#include <string_view>
#include <utility>

#include "core/file_util.h"
#include "core/host_port.h"
#include "core/log.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"

namespace sharc::agent {
namespace {

using protocol::FieldReader;
using protocol::Json;

constexpr double kMaxWatts = 1e6;

// A whole or fractional number of watts, as milliwatts.
void ReadWatts(FieldReader& r, std::string_view key, int64_t* milliwatts) {
  double watts = static_cast<double>(*milliwatts) / 1000;
  r.OptionalDouble(key, &watts, 0, kMaxWatts);
  *milliwatts = std::llround(watts * 1000);
}

// {"idle_watts": .., "peak_watts": ..} at `where`.
Status ReadIdlePeak(const Json& json, const std::string& where, int64_t* idle, int64_t* peak) {
  FieldReader w(json, where);
  ReadWatts(w, "idle_watts", idle);
  ReadWatts(w, "peak_watts", peak);
  return w.Finish();
}

Status ReadEnergy(const Json& json, EnergyMeterOptions* energy,
                  std::chrono::milliseconds* sample_interval) {
  FieldReader e(json, "energy");
  e.OptionalDuration("sample_interval", sample_interval);
  e.OptionalString("rapl_root", &energy->rapl_root);
  e.OptionalString("nvml_library", &energy->nvml_library);
  const Json* model = e.OptionalRaw("model");
  SHARC_RETURN_IF_ERROR(e.Finish());
  if (!model) return Status::Ok();
  FieldReader m(*model, "energy.model");
  PowerModelConfig& p = energy->model;
  ReadWatts(m, "node_idle_watts", &p.node_idle_milliwatts);
  ReadWatts(m, "node_peak_watts", &p.node_peak_milliwatts);
  const Json* gpu = m.OptionalRaw("gpu");
  SHARC_RETURN_IF_ERROR(m.Finish());
  if (!gpu) return Status::Ok();
  if (!gpu->is_object()) {
    return InvalidArgumentError("energy.model.gpu: must be an object of GPU model -> watts");
  }
  p.gpu.clear();  // the file's list replaces the built-in one
  for (const auto& [name, watts] : gpu->items()) {
    PowerModelConfig::Watts& w = p.gpu[name];
    SHARC_RETURN_IF_ERROR(
        ReadIdlePeak(watts, "energy.model.gpu." + name, &w.idle_milliwatts, &w.peak_milliwatts));
  }
  return Status::Ok();
}

// Reads a section of file paths: each key (all optional) into its string.
Status ReadFileSection(const Json& section, const std::string& name,
                       std::initializer_list<std::pair<std::string_view, std::string*>> fields) {
  FieldReader reader(section, name);
  for (const auto& [key, out] : fields) reader.OptionalString(key, out);
  return reader.Finish();
}

}  // namespace

StatusOr<AgentConfig> LoadAgentConfig(const std::string& path) {
  SHARC_ASSIGN_OR_RETURN(std::string text, ReadFile(path));
  StatusOr<Json> json = protocol::ParseJsonWithComments(text);
  if (!json.ok()) return json.status().WithPrefix(path);
  AgentConfig c;
  FieldReader r(*json, "");
  r.OptionalString("scheduler_url", &c.scheduler_url);
  r.OptionalString("node_name", &c.node_name);
  r.OptionalStringMap("labels", &c.labels);
  r.OptionalString("join_secret_file", &c.join_secret_file);
  r.OptionalString("join_token_file", &c.join_token_file);
  r.OptionalString("state_dir", &c.state_dir);
  r.OptionalString("topology_xml", &c.topology_xml);
  r.OptionalString("topology_synthetic", &c.topology_synthetic);
  r.OptionalDuration("kill_grace", &c.kill_grace);
  r.OptionalSize("output_limit", &c.output_limit_bytes);
  r.OptionalDuration("output_keep_for", &c.output_keep_for);
  r.OptionalString("job_path", &c.job_path);
  r.OptionalBool("job_namespaces", &c.job_namespaces);
  r.OptionalDuration("reconnect_max_delay", &c.reconnect_max_delay);
  r.OptionalString("log_level", &c.log_level);
  const Json* identities = r.OptionalRaw("identities");
  const Json* cgroups = r.OptionalRaw("cgroups");
  const Json* health = r.OptionalRaw("health_check");
  r.OptionalString("metrics_listen", &c.metrics_listen);
  r.OptionalString("metrics_advertise_url", &c.metrics_advertise_url);
  r.OptionalString("metrics_token_file", &c.metrics_token_file);
  r.OptionalString("advertise_address", &c.advertise_address);
  const Json* energy = r.OptionalRaw("energy");
  const Json* tls = r.OptionalRaw("tls");
  const Json* metrics_tls = r.OptionalRaw("metrics_tls");
  SHARC_RETURN_IF_ERROR(r.Finish().WithPrefix(path));
  if (tls) {
    SHARC_RETURN_IF_ERROR(ReadFileSection(*tls, "tls",
                                          {{"ca_file", &c.scheduler_tls.ca_file},
                                           {"cert_file", &c.scheduler_tls.cert_file},
                                           {"key_file", &c.scheduler_tls.key_file}})
                              .WithPrefix(path));
  }
  if (metrics_tls) {
    SHARC_RETURN_IF_ERROR(ReadFileSection(*metrics_tls, "metrics_tls",
                                          {{"cert_file", &c.metrics_tls.cert_file},
                                           {"key_file", &c.metrics_tls.key_file},
                                           {"client_ca_file", &c.metrics_tls.client_ca_file}})
                              .WithPrefix(path));
  }
  if (identities) {
    FieldReader i(*identities, "identities");
    i.OptionalStringMap("users", &c.identities.users);
    i.OptionalBool("create_users", &c.identities.create_users);
    std::vector<std::string> allow_root;
    i.OptionalStringList("allow_root", &allow_root);
    c.identities.allow_root.insert(allow_root.begin(), allow_root.end());
    i.OptionalBool("allow_setuid", &c.allow_setuid);
    SHARC_RETURN_IF_ERROR(i.Finish().WithPrefix(path));
  }
  if (cgroups) {
    FieldReader g(*cgroups, "cgroups");
    g.OptionalBool("enabled", &c.cgroups_enabled);
    g.OptionalString("root", &c.cgroup_root);
    g.OptionalString("parent", &c.cgroup_parent);
    g.OptionalInt("pids_max", &c.pids_max, 0, 1 << 22);
    g.OptionalBool("restrict_devices", &c.restrict_devices);
    SHARC_RETURN_IF_ERROR(g.Finish().WithPrefix(path));
  }
  if (health) {
    FieldReader h(*health, "health_check");
    h.OptionalStringList("command", &c.health_check.command);
    h.OptionalDuration("interval", &c.health_check.interval);
    h.OptionalDuration("timeout", &c.health_check.timeout);
    SHARC_RETURN_IF_ERROR(h.Finish().WithPrefix(path));
  }
  if (energy) {
    SHARC_RETURN_IF_ERROR(
        ReadEnergy(*energy, &c.energy, &c.energy_sample_interval).WithPrefix(path));
  }
  return c;
}

namespace {

// metrics_tls against metrics_listen and metrics_advertise_url.
Status CheckMetricsTls(const AgentConfig& c) {
  const net::TlsServerOptions& tls = c.metrics_tls;
  if (tls.cert_file.empty() != tls.key_file.empty()) {
    return InvalidArgumentError("metrics_tls: set both cert_file and key_file, or neither");
  }
  if (!tls.client_ca_file.empty() && tls.cert_file.empty()) {
    return InvalidArgumentError(
        "metrics_tls.client_ca_file: client certificates need HTTPS; set metrics_tls.cert_file "
        "and metrics_tls.key_file");
  }
  if (!tls.cert_file.empty() && c.metrics_listen.empty()) {
    return InvalidArgumentError(
        "metrics_tls: there is no metrics endpoint to serve over HTTPS; set metrics_listen");
  }
  const std::string scheme = tls.cert_file.empty() ? "http://" : "https://";
  if (!c.metrics_advertise_url.empty() && c.metrics_advertise_url.rfind(scheme, 0) != 0) {
    return InvalidArgumentError("metrics_advertise_url: '" + c.metrics_advertise_url +
                                "' must start with " + scheme +
                                (tls.cert_file.empty() ? "" : " (metrics_tls is set)"));
  }
  return Status::Ok();
}

}  // namespace

Status FinalizeAgentConfig(AgentConfig& c) {
  if (c.node_name.empty()) {
    char host[256] = {};
    if (::gethostname(host, sizeof host - 1) != 0) {
      return InternalError("cannot read the host name; set node_name");
    }
    c.node_name = host;
    if (size_t dot = c.node_name.find('.'); dot != std::string::npos) c.node_name.resize(dot);
  }
  SHARC_RETURN_IF_ERROR(protocol::ValidateNodeName(c.node_name).WithPrefix("node_name"));
  for (const auto& [key, value] : c.labels) {
    if (key.empty() || key.size() > 63 || value.size() > 63 || key.find('=') != std::string::npos) {
      return InvalidArgumentError("labels: '" + key +
                                  "': keys and values are 1 to 63 characters, keys without '='");
    }
  }
  if (c.scheduler_url.rfind("https://", 0) != 0 && c.scheduler_url.rfind("http://", 0) != 0) {
    return InvalidArgumentError("scheduler_url: '" + c.scheduler_url +
                                "' must start with https:// or http://");
  }
  if (c.scheduler_tls.cert_file.empty() != c.scheduler_tls.key_file.empty()) {
    return InvalidArgumentError("tls: set both cert_file and key_file, or neither");
  }
  if (c.state_dir.empty()) return InvalidArgumentError("state_dir: must not be empty");
  if (!c.topology_xml.empty() && !c.topology_synthetic.empty()) {
    return InvalidArgumentError("topology_xml and topology_synthetic: give at most one");
  }
  if (c.kill_grace.count() < 0) return InvalidArgumentError("kill_grace: must not be negative");
  if (c.output_limit_bytes != 0 && c.output_limit_bytes < 4096) {
    return InvalidArgumentError("output_limit: at least 4KiB, or 0B for no limit");
  }
  if (c.output_keep_for < std::chrono::seconds(1)) {
    return InvalidArgumentError("output_keep_for: at least 1s (e.g. \"7d\")");
  }
  if (!c.health_check.command.empty() &&
      (c.health_check.interval.count() < 100 || c.health_check.timeout.count() < 10)) {
    return InvalidArgumentError("health_check: interval at least 100ms, timeout at least 10ms");
  }
  if (!c.metrics_listen.empty()) {
    std::string host;
    uint16_t port = 0;
    SHARC_RETURN_IF_ERROR(
        ParseHostPort(c.metrics_listen, &host, &port).WithPrefix("metrics_listen"));
  }
  SHARC_RETURN_IF_ERROR(CheckMetricsTls(c));
  if (c.advertise_address.size() > kMaxAddressBytes ||
      c.advertise_address.find_first_of(" \t\r\n/") != std::string::npos) {
    return InvalidArgumentError("advertise_address: '" + c.advertise_address +
                                "' must be a host name or IP address");
  }
  if (c.energy_sample_interval.count() <= 0) {
    return InvalidArgumentError("energy.sample_interval: must be positive");
  }
  const PowerModelConfig& model = c.energy.model;
  if (model.node_peak_milliwatts < model.node_idle_milliwatts) {
    return InvalidArgumentError("energy.model.node_peak_watts: must not be below node_idle_watts");
  }
  for (const auto& [name, watts] : model.gpu) {
    if (watts.peak_milliwatts < watts.idle_milliwatts) {
      return InvalidArgumentError("energy.model.gpu." + name +
                                  ".peak_watts: must not be below idle_watts");
    }
  }
  LogLevel level;
  if (!ParseLogLevel(c.log_level, &level)) {
    return InvalidArgumentError("log_level: use debug, info, warning or error");
  }
  return Status::Ok();
}

}  // namespace sharc::agent
