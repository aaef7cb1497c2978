// sharc-scheduler: the central daemon. Composition only: flags -> config -> daemon.
#include <CLI/CLI.hpp>
#include <iostream>

#include "core/file_util.h"
#include "core/host_port.h"
#include "core/log.h"
#include "core/version.h"
#include "scheduler/config.h"
#include "scheduler/daemon.h"
#include "scheduler/startup_files.h"

namespace {

using sharc::Status;
using sharc::scheduler::SchedulerConfig;

// What the command line may set; empty = keep the config file's (or the default).
struct SchedulerFlags {
  std::string config_file, listen, data_dir, tenants, join_secret_file, ready_file, log_level;
  std::string tls_cert, tls_key, tls_client_ca;
  bool check_config = false, version = false, plain_http = false;
};

void AddFlags(CLI::App& app, SchedulerFlags& f) {
  app.add_option("--config", f.config_file,
                 "JSON config file (see configs/scheduler.example.json)");
  app.add_option("--listen", f.listen,
                 "host:port to serve on (default 127.0.0.1:7400; port 0 = any)");
  app.add_option("--data-dir", f.data_dir, "directory holding sharc.db");
  app.add_option("--tenants", f.tenants, "tenants file with token hashes");
  app.add_option("--join-secret-file", f.join_secret_file, "file holding the agents' join secret");
  app.add_option("--ready-file", f.ready_file,
                 "once listening, write the server URL to this file (for scripts and tests)");
  app.add_option("--tls-cert", f.tls_cert, "PEM certificate chain to serve HTTPS with");
  app.add_option("--tls-key", f.tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", f.tls_client_ca,
                 "require client certificates signed by a CA in this PEM file");
  app.add_flag("--plain-http", f.plain_http,
               "serve plain HTTP instead of HTTPS (a network you trust only; warns at start)");
  app.add_option("--log-level", f.log_level, "debug, info, warning or error");
  app.add_flag("--check-config", f.check_config, "validate the configuration and exit");
  app.add_flag("--version", f.version, "print the version and exit");
}

// The flags over the config file's values, then every check (a bad flag's error names it).
Status ApplyFlags(const SchedulerFlags& f, SchedulerConfig& config) {
  if (!f.listen.empty()) {
    Status s = sharc::ParseHostPort(f.listen, &config.listen_address, &config.listen_port);
    if (!s.ok()) return s.WithPrefix("--listen");
  }
  if (!f.data_dir.empty()) config.data_dir = f.data_dir;
  if (!f.tenants.empty()) config.tenants_file = f.tenants;
  if (!f.join_secret_file.empty()) config.agent_join_secret_file = f.join_secret_file;
  if (!f.log_level.empty()) config.log_level = f.log_level;
  if (!f.tls_cert.empty()) config.tls.cert_file = f.tls_cert;
  if (!f.tls_key.empty()) config.tls.key_file = f.tls_key;
  if (!f.tls_client_ca.empty()) config.tls.client_ca_file = f.tls_client_ca;
  if (f.plain_http) config.plain_http = true;
  SHARC_RETURN_IF_ERROR(sharc::scheduler::ValidateSchedulerConfig(config));
  return sharc::scheduler::CheckTransport(config);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sharc-scheduler: the sharc central scheduler daemon"};
  SchedulerFlags flags;
  AddFlags(app, flags);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (flags.version) {
    std::cout << "sharc-scheduler " << sharc::Version() << " (" << sharc::GitRevision() << ")\n";
    return 0;
  }

  SchedulerConfig config;
  if (!flags.config_file.empty()) {
    sharc::StatusOr<SchedulerConfig> loaded =
        sharc::scheduler::LoadSchedulerConfig(flags.config_file);
    if (!loaded.ok()) {
      std::cerr << "sharc-scheduler: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  if (Status s = ApplyFlags(flags, config); !s.ok()) {
    std::cerr << "sharc-scheduler: " << s.message() << "\n";
    return 2;
  }
  sharc::LogLevel level = sharc::LogLevel::kInfo;
  sharc::ParseLogLevel(config.log_level, &level);
  sharc::SetMinLogLevel(level);
  // The same checks with and without --check-config, and the same exit code when they fail.
  sharc::StatusOr<sharc::scheduler::StartupFiles> files =
      sharc::scheduler::CheckStartupFiles(config);
  if (!files.ok()) {
    std::cerr << "sharc-scheduler: " << files.status().message() << "\n";
    return 2;
  }
  if (flags.check_config) {
    std::cout << "configuration OK\n";
    return 0;
  }

  auto daemon = sharc::scheduler::SchedulerDaemon::Start(config, *std::move(files));
  if (!daemon.ok()) {
    std::cerr << "sharc-scheduler: " << daemon.status().message() << "\n";
    return 1;
  }
  if (!flags.ready_file.empty()) {
    std::string url = (config.plain_http ? "http://" : "https://") + config.listen_address + ":" +
                      std::to_string((*daemon)->port()) + "\n";
    if (sharc::Status s = sharc::WriteFileAtomically(flags.ready_file, url); !s.ok()) {
      std::cerr << "sharc-scheduler: --ready-file: " << s.message() << "\n";
      return 1;
    }
  }
  (*daemon)->Run();
  return 0;
}
