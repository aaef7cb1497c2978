// One function per CLI verb. Each prints results on stdout and diagnostics on stderr, and
// returns the process exit code: 0 success, 1 the request failed, 2 bad usage.
#ifndef SHARC_AGENT_CLI_COMMANDS_H_
#define SHARC_AGENT_CLI_COMMANDS_H_

#include <string>
#include <vector>

#include "net/tls.h"

namespace sharc::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string server;            // --server / SHARC_SERVER
  std::string token;             // --token / SHARC_TOKEN
  net::TlsClientOptions tls;     // --ca-file / SHARC_CA_FILE, --cert and --key (https)
  std::string output = "table";  // -o table|json|wide (wide: `nodes` only)|csv|md
};

struct SubmitOptions {
  int nodes = 1;  // > 1: a gang; cpus, mem and gpus are then per node
  std::string topology_group;
  bool wait_all_ranks = false;
  int cpus = 1;
  std::string mem;  // "" = the scheduler's default
  int gpus = 0;
  std::string gpu_model;
  std::string time;  // "" = the scheduler's default
  std::string name;
  std::vector<std::string> labels;  // k=v
  std::vector<std::string> env;     // K=V
  std::string idempotency_key;
  std::string priority_class;  // "" = the tenant's default
  bool no_requeue = false;
  // Job ids, each item one id or a comma-separated list ("12,13").
  std::vector<std::string> after_ok;
  std::vector<std::string> after_any;
  std::vector<std::string> after_not_ok;
  bool keep_on_unsatisfied = false;
  std::string array;  // "" = one job; else e.g. "0-999:2%50" (core/job_array.h)
  std::vector<std::string> command;
  // Where `sharc submit` runs: a program named by a relative path (./train.sh, bin/run) is
  // the one there, made absolute against it (the job starts in a fresh directory of its own,
  // where no relative path could lead). "" = leave the command as given.
  std::string submit_dir;
};

struct JobsOptions {
  bool all = false;
  std::vector<std::string> states;
  std::string tenant;
  std::string name;
  std::vector<std::string> labels;  // KEY=VALUE
  int64_t limit = 0;                // 0: every page
  int64_t after = 0;
  bool start = false;  // pending jobs with their expected start, like squeue --start
};

int RunSubmit(const GlobalOptions& global, SubmitOptions options);
int RunJobs(const GlobalOptions& global, const JobsOptions& options);
int RunShow(const GlobalOptions& global, const std::string& id);
int RunCancel(const GlobalOptions& global, const std::vector<std::string>& ids);
int RunLogs(const GlobalOptions& global, const std::string& id, bool stderr_stream, int rank);
int RunNodes(const GlobalOptions& global);
// Waits until every job has ended; 0 if all COMPLETED, 1 otherwise (or on timeout).
int RunWait(const GlobalOptions& global, const std::vector<std::string>& ids,
            const std::string& timeout);
int RunWhoami(const GlobalOptions& global);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_COMMANDS_H_
