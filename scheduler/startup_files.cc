#include "scheduler/startup_files.h"

#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "core/file_util.h"
#include "core/log.h"
#include "core/secret.h"
#include "net/tls.h"

namespace sharc::scheduler {
namespace {

StatusOr<TenantsFile> LoadTenants(const SchedulerConfig& config) {
  if (config.tenants_file.empty()) return TenantsFile{};
  StatusOr<TenantsFile> tenants = LoadTenantsFile(config.tenants_file);
  if (!tenants.ok()) return tenants.status().WithPrefix("tenants_file (--tenants)");
  return tenants;
}

StatusOr<std::string> LoadJoinSecret(const SchedulerConfig& config) {
  if (config.agent_join_secret_file.empty()) return std::string();
  StatusOr<std::string> secret = ReadSecretFile(config.agent_join_secret_file, "join secret");
  if (!secret.ok()) {
    return secret.status().WithPrefix("agents.join_secret_file (--join-secret-file)");
  }
  return secret;
}

StatusOr<std::string> LoadMetricsToken(const SchedulerConfig& config) {
  if (config.metrics_token_file.empty()) return std::string();
  StatusOr<std::string> token = ReadSecretFile(config.metrics_token_file, "metrics token");
  if (!token.ok()) return token.status().WithPrefix("http.metrics_token_file");
  return token;
}

// What the start's MakeDirectories(data_dir) would run into, found without creating anything:
// the directory, or the nearest ancestor it would be created under, must be a directory this
// process may write to, on a filesystem mounted read-write.
Status CheckDataDir(const std::string& data_dir) {
  std::string existing = data_dir;
  struct stat st = {};
  while (::stat(existing.c_str(), &st) != 0) {
    if (errno != ENOENT && errno != ENOTDIR) {  // ENOTDIR: a file where a directory would be
      return InvalidArgumentError(existing + ": " + ErrnoText(errno));
    }
    const size_t slash = existing.find_last_of('/');
    existing = slash == std::string::npos ? "." : slash == 0 ? "/" : existing.substr(0, slash);
  }
  const std::string created =
      existing == data_dir ? "" : " (" + data_dir + " would be created under it)";
  if (!S_ISDIR(st.st_mode)) return InvalidArgumentError(existing + ": not a directory" + created);
  struct statvfs fs = {};
  if (::statvfs(existing.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0) {
    return InvalidArgumentError(existing + ": on a read-only filesystem" + created);
  }
  if (::access(existing.c_str(), W_OK | X_OK) != 0) {
    return InvalidArgumentError(existing + ": " + ErrnoText(errno) + created);
  }
  return Status::Ok();
}

StatusOr<StartupFiles> LoadStartupFiles(const SchedulerConfig& config) {
  StartupFiles files;
  SHARC_ASSIGN_OR_RETURN(files.tenants, LoadTenants(config));
  SHARC_ASSIGN_OR_RETURN(files.join_secret, LoadJoinSecret(config));
  SHARC_ASSIGN_OR_RETURN(files.metrics_token, LoadMetricsToken(config));
  return files;
}

}  // namespace

void LogStartupChoices(const SchedulerConfig& config) {
  if (config.tenants_file.empty()) {
    LogWarning("scheduler",
               "no tenants file configured: there is no admin, and only tenants "
               "and tokens already in the store can be used");
  }
  if (config.agent_join_secret_file.empty()) {
    LogInfo("scheduler",
            "agents join with per-node join tokens (sharc admin node token issue NAME); "
            "without one, from loopback only");
  } else {
    LogWarning("scheduler",
               "development mode: agents.join_secret_file is set, so any agent holding the "
               "shared secret can add a node; give each node a join token instead (sharc admin "
               "node token issue NAME) and remove the secret");
  }
}

StatusOr<StartupFiles> CheckStartupFiles(const SchedulerConfig& config) {
  SHARC_RETURN_IF_ERROR(CheckDataDir(config.data_dir).WithPrefix("data_dir"));
  SHARC_ASSIGN_OR_RETURN(StartupFiles files, LoadStartupFiles(config));
  if (!config.plain_http) SHARC_RETURN_IF_ERROR(net::CheckTlsServerFiles(config.tls));
  return files;
}

}  // namespace sharc::scheduler
