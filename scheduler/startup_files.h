// The files a scheduler reads at start besides its config and its store: the tenants file, the
// agents' join secret, the metrics token and, serving HTTPS, the TLS certificate, key and
// client CA (which the HTTP server loads itself). One loader for the daemon and for
// `sharc-scheduler --check-config`, so that a config that checks is a config that starts.
#ifndef SHARC_SCHEDULER_STARTUP_FILES_H_
#define SHARC_SCHEDULER_STARTUP_FILES_H_

#include <string>

#include "core/status.h"
#include "scheduler/config.h"
#include "scheduler/tenants_file.h"

namespace sharc::scheduler {

struct StartupFiles {
  TenantsFile tenants;        // empty without tenants_file
  std::string join_secret;    // "" without agents.join_secret_file
  std::string metrics_token;  // "" without http.metrics_token_file
};

// What main checks before it starts the daemon, and all that --check-config does: data_dir (a
// directory this process may write to, or one it could create: nothing is created), every file
// the config names, read and validated (the error names the setting and the file), and the TLS
// files loaded as the server will load them (net::CheckTlsServerFiles) unless the config serves
// plain HTTP. A failure is a configuration error (exit 2) either way. Returns the files read,
// for SchedulerDaemon::Start.
StatusOr<StartupFiles> CheckStartupFiles(const SchedulerConfig& config);
// Logs what the config's choices mean (no tenants file, development-mode join secret).
void LogStartupChoices(const SchedulerConfig& config);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_STARTUP_FILES_H_
