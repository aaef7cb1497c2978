// sharc-scheduler: the central daemon. Composition only: flags -> config -> daemon.
#include <CLI/CLI.hpp>
#include <iostream>

#include "core/file_util.h"
#include "core/host_port.h"
#include "core/log.h"
#include "core/version.h"
#include "scheduler/config.h"
#include "scheduler/daemon.h"

int main(int argc, char** argv) {
  using sharc::scheduler::SchedulerConfig;
  CLI::App app{"sharc-scheduler: the sharc central scheduler daemon"};
  std::string config_file, listen, data_dir, tenants, join_secret_file, ready_file, log_level;
  std::string tls_cert, tls_key, tls_client_ca;
  bool check_config = false, version = false, plain_http = false;
  app.add_option("--config", config_file, "JSON config file (see configs/scheduler.example.json)");
  app.add_option("--listen", listen,
                 "host:port to serve on (default 127.0.0.1:7400; port 0 = any)");
  app.add_option("--data-dir", data_dir, "directory holding sharc.db");
  app.add_option("--tenants", tenants, "tenants file with token hashes");
  app.add_option("--join-secret-file", join_secret_file, "file holding the agents' join secret");
  app.add_option("--ready-file", ready_file,
                 "once listening, write the server URL to this file (for scripts and tests)");
  app.add_option("--tls-cert", tls_cert, "PEM certificate chain to serve HTTPS with");
  app.add_option("--tls-key", tls_key, "PEM private key of --tls-cert");
  app.add_option("--tls-client-ca", tls_client_ca,
                 "require client certificates signed by a CA in this PEM file");
  app.add_flag("--plain-http", plain_http,
               "serve plain HTTP instead of HTTPS (a network you trust only; warns at start)");
  app.add_option("--log-level", log_level, "debug, info, warning or error");
  app.add_flag("--check-config", check_config, "validate the configuration and exit");
  app.add_flag("--version", version, "print the version and exit");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  if (version) {
    std::cout << "sharc-scheduler " << sharc::Version() << " (" << sharc::GitRevision() << ")\n";
    return 0;
  }

  SchedulerConfig config;
  if (!config_file.empty()) {
    sharc::StatusOr<SchedulerConfig> loaded = sharc::scheduler::LoadSchedulerConfig(config_file);
    if (!loaded.ok()) {
      std::cerr << "sharc-scheduler: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  if (!listen.empty()) {
    sharc::Status s = sharc::ParseHostPort(listen, &config.listen_address, &config.listen_port);
    if (!s.ok()) {
      std::cerr << "sharc-scheduler: --listen: " << s.message() << "\n";
      return 2;
    }
  }
  if (!data_dir.empty()) config.data_dir = data_dir;
  if (!tenants.empty()) config.tenants_file = tenants;
  if (!join_secret_file.empty()) config.agent_join_secret_file = join_secret_file;
  if (!log_level.empty()) config.log_level = log_level;
  if (!tls_cert.empty()) config.tls.cert_file = tls_cert;
  if (!tls_key.empty()) config.tls.key_file = tls_key;
  if (!tls_client_ca.empty()) config.tls.client_ca_file = tls_client_ca;
  if (plain_http) config.plain_http = true;
  sharc::Status s = sharc::scheduler::ValidateSchedulerConfig(config);
  if (s.ok()) s = sharc::scheduler::CheckTransport(config);
  if (!s.ok()) {
    std::cerr << "sharc-scheduler: " << s.message() << "\n";
    return 2;
  }
  sharc::LogLevel level = sharc::LogLevel::kInfo;
  sharc::ParseLogLevel(config.log_level, &level);
  sharc::SetMinLogLevel(level);
  if (check_config) {
    std::cout << "configuration OK\n";
    return 0;
  }

  auto daemon = sharc::scheduler::SchedulerDaemon::Start(config);
  if (!daemon.ok()) {
    std::cerr << "sharc-scheduler: " << daemon.status().message() << "\n";
    return 1;
  }
  if (!ready_file.empty()) {
    std::string url = (config.plain_http ? "http://" : "https://") + config.listen_address + ":" +
                      std::to_string((*daemon)->port()) + "\n";
    if (sharc::Status s = sharc::WriteFileAtomically(ready_file, url); !s.ok()) {
      std::cerr << "sharc-scheduler: --ready-file: " << s.message() << "\n";
      return 1;
    }
  }
  (*daemon)->Run();
  return 0;
}
