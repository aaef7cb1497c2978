#include "agent/config.h"

#include <unistd.h>

#include "core/file_util.h"
#include "core/log.h"
#include "core/units.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"

namespace sharc::agent {
namespace {

using protocol::FieldReader;
using protocol::Json;

void ReadDuration(FieldReader& r, std::string_view key, std::chrono::milliseconds* out) {
  std::string text;
  r.OptionalString(key, &text);
  if (text.empty() || !r.ok()) return;
  StatusOr<std::chrono::milliseconds> d = ParseDurationMillis(text);
  if (!d.ok()) return r.Fail(key, d.status().message());
  *out = *d;
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
  r.OptionalString("state_dir", &c.state_dir);
  r.OptionalString("topology_xml", &c.topology_xml);
  r.OptionalString("topology_synthetic", &c.topology_synthetic);
  ReadDuration(r, "kill_grace", &c.kill_grace);
  r.OptionalString("job_path", &c.job_path);
  ReadDuration(r, "reconnect_max_delay", &c.reconnect_max_delay);
  r.OptionalString("log_level", &c.log_level);
  const Json* identities = r.OptionalRaw("identities");
  const Json* cgroups = r.OptionalRaw("cgroups");
  const Json* health = r.OptionalRaw("health_check");
  SHARC_RETURN_IF_ERROR(r.Finish().WithPrefix(path));
  if (identities) {
    FieldReader i(*identities, "identities");
    i.OptionalStringMap("users", &c.identities.users);
    i.OptionalBool("create_users", &c.identities.create_users);
    std::vector<std::string> allow_root;
    i.OptionalStringList("allow_root", &allow_root);
    c.identities.allow_root.insert(allow_root.begin(), allow_root.end());
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
    ReadDuration(h, "interval", &c.health_check.interval);
    ReadDuration(h, "timeout", &c.health_check.timeout);
    SHARC_RETURN_IF_ERROR(h.Finish().WithPrefix(path));
  }
  return c;
}

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
  if (c.scheduler_url.rfind("http://", 0) != 0) {
    return InvalidArgumentError("scheduler_url: '" + c.scheduler_url + "' must start with http://");
  }
  if (c.state_dir.empty()) return InvalidArgumentError("state_dir: must not be empty");
  if (!c.topology_xml.empty() && !c.topology_synthetic.empty()) {
    return InvalidArgumentError("topology_xml and topology_synthetic: give at most one");
  }
  if (c.kill_grace.count() < 0) return InvalidArgumentError("kill_grace: must not be negative");
  if (!c.health_check.command.empty() &&
      (c.health_check.interval.count() < 100 || c.health_check.timeout.count() < 10)) {
    return InvalidArgumentError("health_check: interval at least 100ms, timeout at least 10ms");
  }
  LogLevel level;
  if (!ParseLogLevel(c.log_level, &level)) {
    return InvalidArgumentError("log_level: use debug, info, warning or error");
  }
  return Status::Ok();
}

}  // namespace sharc::agent
