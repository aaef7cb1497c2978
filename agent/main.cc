// sharc-agent: the per-node agent. Composition only: flags -> config -> probe -> agent.
#include <sys/stat.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <csignal>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "agent/agent.h"
#include "agent/cgroup_manager.h"
#include "agent/config.h"
#include "agent/path_access.h"
#include "agent/topology_probe.h"
#include "core/file_util.h"
#include "core/log.h"
#include "core/secret.h"
#include "core/units.h"
#include "core/version.h"
#include "net/hangup_notice.h"
#include "protocol/node_codec.h"

namespace {

using sharc::Status;
using sharc::agent::AgentConfig;

// What the command line may set; empty = keep the config file's (or the default).
struct AgentFlags {
  std::string config_file, scheduler, node_name, state_dir, xml, synthetic, secret_file,
      join_token_file, log_level, kill_grace, cgroup_parent, metrics_listen, ca_file;
  std::vector<std::string> labels;
  bool print_inventory = false, version = false;
};

void AddFlags(CLI::App& app, AgentFlags& f) {
  app.add_option("--config", f.config_file, "JSON config file (see configs/agent.example.json)");
  app.add_option("--scheduler", f.scheduler, "scheduler URL (default http://127.0.0.1:7400)");
  app.add_option("--ca-file", f.ca_file,
                 "PEM file of the CA that signed the scheduler's certificate (https; default: "
                 "the system's CAs)");
  app.add_option("--node-name", f.node_name, "this node's name (default: the host name)");
  app.add_option("--label", f.labels, "node label key=value (repeatable)");
  app.add_option("--state-dir", f.state_dir, "directory for job files");
  app.add_option("--topology-xml", f.xml, "present the machine in this hwloc XML file");
  app.add_option("--synthetic", f.synthetic,
                 "present a synthetic machine, e.g. \"pack:2 numa:2 core:8 pu:2\"");
  app.add_option("--join-secret-file", f.secret_file,
                 "file holding the scheduler's shared join secret (development mode)");
  app.add_option("--join-token-file", f.join_token_file,
                 "file holding this node's one-time join token (sharc admin node token issue)");
  app.add_option("--kill-grace", f.kill_grace, "SIGTERM-to-SIGKILL grace, e.g. 10s");
  app.add_option("--cgroup-parent", f.cgroup_parent,
                 "this agent's cgroup below the root (default sharc/<node-name>)");
  app.add_option("--metrics-listen", f.metrics_listen,
                 "serve Prometheus /metrics on HOST:PORT (port 0 = any free port)");
  app.add_option("--log-level", f.log_level, "debug, info, warning or error");
  app.add_flag("--print-inventory", f.print_inventory, "print the detected inventory and exit");
  app.add_flag("--version", f.version, "print the version and exit");
}

// The flags over the config file's values (a bad flag's error names it).
Status ApplyFlags(const AgentFlags& f, AgentConfig& config) {
  if (!f.scheduler.empty()) config.scheduler_url = f.scheduler;
  if (!f.ca_file.empty()) config.scheduler_tls.ca_file = f.ca_file;
  if (!f.node_name.empty()) config.node_name = f.node_name;
  for (const std::string& label : f.labels) {
    size_t eq = label.find('=');
    if (eq == std::string::npos || eq == 0) {
      return sharc::InvalidArgumentError("--label '" + label + "': use key=value");
    }
    config.labels[label.substr(0, eq)] = label.substr(eq + 1);
  }
  if (!f.state_dir.empty()) config.state_dir = f.state_dir;
  if (!f.xml.empty()) config.topology_xml = f.xml;
  if (!f.synthetic.empty()) config.topology_synthetic = f.synthetic;
  if (!f.secret_file.empty()) config.join_secret_file = f.secret_file;
  if (!f.join_token_file.empty()) config.join_token_file = f.join_token_file;
  if (!f.log_level.empty()) config.log_level = f.log_level;
  if (!f.cgroup_parent.empty()) config.cgroup_parent = f.cgroup_parent;
  if (!f.metrics_listen.empty()) config.metrics_listen = f.metrics_listen;
  if (!f.kill_grace.empty()) {
    auto grace = sharc::ParseDurationMillis(f.kill_grace);
    if (!grace.ok()) return grace.status().WithPrefix("--kill-grace");
    config.kill_grace = *grace;
  }
  return sharc::agent::FinalizeAgentConfig(config);
}

// Makes state_dir traversable (not listable) by all: jobs run as their tenants' users and must
// reach their own directories below it; everything private below is 0700. As root, checks
// that those users can.
Status PrepareStateDir(const AgentConfig& config) {
  if (auto made = sharc::MakeDirectories(config.state_dir, 0711); !made.ok()) {
    return made.WithPrefix("state_dir");
  }
  ::chmod(config.state_dir.c_str(), 0711);
  if (::geteuid() != 0) return Status::Ok();
  return sharc::agent::CheckStateDirReachable(config.state_dir, config.identities);
}

// Enforcement: a cgroup per job when the kernel offers a usable hierarchy; otherwise say so
// loudly and fall back to CPU binding alone. `*enforcement` says which, for the inventory.
std::unique_ptr<sharc::agent::CgroupManager> OpenCgroups(const AgentConfig& config,
                                                         std::string* enforcement) {
  if (!config.cgroups_enabled) {
    sharc::LogWarning("agent",
                      "cgroups disabled by configuration: jobs are only bound to "
                      "their CPUs");
    *enforcement = "none: CPU binding only (cgroups disabled)";
    return nullptr;
  }
  sharc::agent::CgroupOptions cgroup_options;
  cgroup_options.root = config.cgroup_root;
  cgroup_options.parent =
      config.cgroup_parent.empty() ? "sharc/" + config.node_name : config.cgroup_parent;
  auto opened = sharc::agent::CgroupManager::Open(cgroup_options);
  if (!opened.ok()) {
    sharc::LogError("agent", "NO CGROUP ENFORCEMENT: " + opened.status().message() +
                                 ". Jobs are only bound to their CPUs; memory, process "
                                 "and device limits are NOT enforced on this node.");
    *enforcement = "none: CPU binding only (" + opened.status().message() + ")";
    return nullptr;
  }
  *enforcement = (*opened)->Describe();
  return std::move(*opened);
}

// The config file's settings (if --config names one) with the flags applied over them.
sharc::StatusOr<AgentConfig> ConfigOf(const AgentFlags& flags) {
  AgentConfig config;
  if (!flags.config_file.empty()) {
    SHARC_ASSIGN_OR_RETURN(config, sharc::agent::LoadAgentConfig(flags.config_file));
  }
  SHARC_RETURN_IF_ERROR(ApplyFlags(flags, config));
  return config;
}

// What the agent registers as: its name and labels, and the probed topology.
sharc::NodeInventory InventoryOf(const AgentConfig& config,
                                 const sharc::agent::ProbedNode& probed) {
  sharc::NodeInventory inventory;
  inventory.name = config.node_name;
  inventory.labels = config.labels;
  inventory.topology = probed.topology;
  inventory.binding_simulated = !probed.this_system;
  inventory.agent_version = std::string(sharc::Version());
  return inventory;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sharc-agent: runs sharc jobs on this node"};
  AgentFlags flags;
  AddFlags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (flags.version) {
    std::cout << "sharc-agent " << sharc::Version() << " (" << sharc::GitRevision() << ")\n";
    return 0;
  }
  auto fail = [](const std::string& message, int code) {
    std::cerr << "sharc-agent: " << message << "\n";
    return code;
  };

  sharc::StatusOr<AgentConfig> configured = ConfigOf(flags);
  if (!configured.ok()) return fail(configured.status().message(), 2);
  const AgentConfig& config = *configured;
  sharc::LogLevel level = sharc::LogLevel::kInfo;
  sharc::ParseLogLevel(config.log_level, &level);
  sharc::SetMinLogLevel(level);

  auto probed = sharc::agent::ProbeTopology({config.topology_xml, config.topology_synthetic});
  if (!probed.ok()) return fail(probed.status().message(), 1);
  sharc::NodeInventory inventory = InventoryOf(config, *probed);
  if (flags.print_inventory) {
    std::cout << sharc::protocol::EncodeInventory(inventory).dump(2) << "\n";
    return 0;
  }
  if (inventory.binding_simulated) {
    sharc::LogWarning("agent", "the topology comes from " + probed->source +
                                   ", not this machine: CPU binding is SIMULATED (jobs get "
                                   "SHARC_CPUS but are not pinned)");
  }
  std::string secret;
  if (!config.join_secret_file.empty()) {
    auto read = sharc::ReadSecretFile(config.join_secret_file, "join secret");
    if (!read.ok()) {
      return fail(read.status().WithPrefix("join_secret_file (--join-secret-file)").message(), 1);
    }
    secret = *read;
  }
  if (Status prepared = PrepareStateDir(config); !prepared.ok()) {
    return fail(prepared.message(), 1);
  }
  std::unique_ptr<sharc::agent::CgroupManager> cgroups =
      OpenCgroups(config, &inventory.enforcement);
  if (::geteuid() != 0) {
    sharc::LogWarning("agent",
                      "not running as root: jobs run as the agent's own user, not "
                      "as their tenants' users");
  }

  boost::asio::io_context io;
  sharc::agent::Agent agent(io, config, inventory, secret, cgroups.get());
  boost::asio::signal_set signals(io, SIGINT, SIGTERM);
  signals.async_wait([&](const boost::system::error_code& error, int) {
    if (error) return;
    sharc::LogInfo("agent", "shutting down; running jobs keep running");
    agent.Stop();
    io.stop();
  });
  sharc::net::WarnOnHangup(io, "agent",
                           "the agent does not reload its configuration; restart it to apply "
                           "changes (its jobs keep running)");
  sharc::LogInfo("agent", "node " + inventory.name + ": " +
                              std::to_string(inventory.topology.pus.size()) + " CPUs, " +
                              std::to_string(inventory.topology.gpus.size()) + " GPUs, " +
                              std::to_string(inventory.topology.memory_bytes >> 20) + " MiB (" +
                              probed->source + ")");
  if (auto started = agent.Start(); !started.ok()) return fail(started.message(), 1);
  io.run();
  return 0;
}
