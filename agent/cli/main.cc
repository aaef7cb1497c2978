// sharc: the command-line interface for enterprises and admins. Composition only: CLI11
// parses the arguments, commands.cc runs the verb.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "agent/cli/commands.h"
#include "agent/cli/enterprise_verbs.h"
#include "core/version.h"

namespace {

std::string EnvOr(const char* name, std::string fallback) {
  const char* value = std::getenv(name);
  return value && *value ? value : fallback;
}

// `sharc submit` and its flags, filling `submit`.
CLI::App* AddSubmit(CLI::App& app, sharc::cli::SubmitOptions& submit) {
  CLI::App* sub = app.add_subcommand("submit", "submit a job; prints its id");
  sub->add_option("--nodes", submit.nodes,
                  "a gang job on this many nodes, all started together (default 1); --cpus, "
                  "--mem and --gpus are per node");
  sub->add_option("--cpus,--cpus-per-node", submit.cpus,
                  "CPUs (whole hardware threads) per node, default 1");
  sub->add_option("--mem,--mem-per-node", submit.mem,
                  "memory per node, e.g. 512M, 8G, 8GiB (default: the scheduler's)");
  sub->add_option("--gpus,--gpus-per-node", submit.gpus, "GPUs per node, default 0");
  sub->add_option("--topology-group", submit.topology_group,
                  "gangs: all nodes share one value of this node label (e.g. rack)");
  sub->add_flag("--wait-all-ranks", submit.wait_all_ranks,
                "gangs: the job ends when every rank has ended (default: when rank 0 ends)");
  sub->add_option("--gpu-model", submit.gpu_model, "GPU model, e.g. H100");
  sub->add_option("--time", submit.time,
                  "time limit, e.g. 90s, 30m, 2h, 1-12:00:00 (default: the scheduler's)");
  sub->add_option("--name", submit.name, "job name (default: the program's name)");
  sub->add_option("--label", submit.labels, "run only on nodes with this label k=v")
      ->allow_extra_args(false);
  sub->add_option("--env", submit.env, "set NAME=value in the job's environment")
      ->allow_extra_args(false);
  sub->add_option("--idempotency-key", submit.idempotency_key,
                  "a retried submit with the same key creates no second job");
  sub->add_option("--priority", submit.priority_class,
                  "priority class, e.g. high (default: the tenant's; see the scheduler config)");
  sub->add_flag("--no-requeue", submit.no_requeue, "do not requeue the job after a node failure");
  sub->add_option("--after-ok", submit.after_ok,
                  "start after these jobs (ids, e.g. 12,13) completed successfully")
      ->allow_extra_args(false);
  sub->add_option("--after-any", submit.after_any, "start after these jobs ended, however")
      ->allow_extra_args(false);
  sub->add_option("--after-not-ok", submit.after_not_ok,
                  "start after these jobs ended without success (failed, cancelled, ...)")
      ->allow_extra_args(false);
  sub->add_flag("--keep-on-unsatisfied", submit.keep_on_unsatisfied,
                "if a dependency can never be satisfied, stay pending instead of being cancelled");
  sub->add_option("--array", submit.array,
                  "a job array: one task per index, e.g. 0-999, 0-999:2 (step 2), 1,5,10-20, "
                  "with %K to run at most K at once (0-999%50); each task gets "
                  "SHARC_ARRAY_JOB_ID and SHARC_ARRAY_TASK_ID");
  sub->footer("The command comes after --: sharc submit [OPTIONS] -- COMMAND [ARGS...]");
  return sub;
}

// `sharc jobs` and its filters, filling `jobs`.
CLI::App* AddJobs(CLI::App& app, sharc::cli::JobsOptions& jobs) {
  CLI::App* list = app.add_subcommand("jobs", "list jobs (default: pending and running)");
  list->add_flag("-a,--all", jobs.all, "include finished jobs");
  CLI::Option* state =
      list->add_option("--state", jobs.states, "only these states (e.g. RUNNING)")->delimiter(',');
  list->add_option("--tenant", jobs.tenant, "only this tenant (admins)");
  list->add_option("--name", jobs.name, "only jobs of this name");
  list->add_option("--label", jobs.labels,
                   "only jobs that ask for nodes with this label (KEY=VALUE; repeatable)")
      ->delimiter(',');
  list->add_option("--limit", jobs.limit, "at most this many jobs (default: all, page by page)")
      ->check(CLI::Range(1, 10000));
  list->add_option("--after", jobs.after, "only jobs with a higher id (the next page's start)")
      ->check(CLI::NonNegativeNumber);
  list->add_flag("--start", jobs.start,
                 "pending jobs with their expected start time and nodes (from backfill "
                 "reservations)")
      ->excludes(state);
  return list;
}

// The job's command follows the first "--" and is never parsed as sharc's own options: fills
// `command` with what follows it and returns how many arguments are sharc's (argc if none).
int SplitOffCommand(int argc, char** argv, std::vector<std::string>* command) {
  for (int i = 1; i < argc; ++i) {
    if (std::string(argv[i]) == "--") {
      command->assign(argv + i + 1, argv + argc);
      return i;
    }
  }
  return argc;
}

// --server, --token, TLS, -o and --version.
void AddGlobalOptions(CLI::App& app, sharc::cli::GlobalOptions& global) {
  global.server = EnvOr("SHARC_SERVER", "http://127.0.0.1:7400");
  global.token = EnvOr("SHARC_TOKEN", "");
  global.tls.ca_file = EnvOr("SHARC_CA_FILE", "");
  global.tls.cert_file = EnvOr("SHARC_CERT_FILE", "");
  global.tls.key_file = EnvOr("SHARC_KEY_FILE", "");
  app.add_option("--server", global.server, "scheduler URL (env SHARC_SERVER)");
  app.add_option("--token", global.token, "bearer token (env SHARC_TOKEN)");
  app.add_option("--ca-file", global.tls.ca_file,
                 "PEM file of the CA that signed the scheduler's certificate, for https:// "
                 "(env SHARC_CA_FILE; default: the system's CAs)");
  app.add_option("--cert", global.tls.cert_file,
                 "client certificate (PEM) for a scheduler that requires one (env "
                 "SHARC_CERT_FILE)");
  app.add_option("--key", global.tls.key_file, "the key of --cert (env SHARC_KEY_FILE)");
  app.add_option("-o,--output", global.output,
                 "output format: table or json (wide: nodes; csv: reports; md: report "
                 "efficiency)")
      ->check(CLI::IsMember({"table", "json", "wide", "csv", "md"}));
  app.set_version_flag("--version", "sharc " + std::string(sharc::Version()) + " (" +
                                        std::string(sharc::GitRevision()) + ")");
}

// Whether the chosen verb writes `output` (csv and md: some reports; wide: nodes); if not,
// says so on stderr.
bool OutputFits(const std::string& output, const sharc::cli::EnterpriseVerbs& enterprise,
                bool nodes_chosen) {
  if ((output == "csv" || output == "md") && !enterprise.accepts_output(output)) {
    std::cerr << "sharc: -o " << output
              << ": only the reports write CSV, and only 'report efficiency' Markdown; use "
                 "table or json\n";
    return false;
  }
  if (output == "wide" && !nodes_chosen) {
    std::cerr << "sharc: -o wide: only 'nodes' has a wide table; use table or json\n";
    return false;
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  using namespace sharc::cli;
  CLI::App app{"sharc: submit and watch jobs on a sharc cluster"};
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the verb: sharc jobs -o json
  GlobalOptions global;
  AddGlobalOptions(app, global);

  SubmitOptions submit;
  CLI::App* sub = AddSubmit(app, submit);

  JobsOptions jobs;
  CLI::App* list = AddJobs(app, jobs);

  std::string show_id;
  CLI::App* show = app.add_subcommand("show", "show one job");
  show->add_option("id", show_id, "job id")->required();

  std::vector<std::string> cancel_ids;
  CLI::App* cancel = app.add_subcommand("cancel", "cancel jobs");
  cancel->add_option("ids", cancel_ids, "job ids")->required();

  std::string logs_id;
  bool logs_stderr = false;
  CLI::App* logs = app.add_subcommand("logs", "print a job's output");
  logs->add_option("id", logs_id, "job id")->required();
  logs->add_flag("--stderr", logs_stderr, "print standard error instead of standard output");
  int logs_rank = 0;
  logs->add_option("--rank", logs_rank, "a gang job's rank (default 0)")
      ->check(CLI::NonNegativeNumber);

  CLI::App* nodes = app.add_subcommand("nodes", "list nodes");

  std::vector<std::string> wait_ids;
  std::string wait_timeout;
  CLI::App* wait = app.add_subcommand("wait", "wait until jobs end; exit 0 if all COMPLETED");
  wait->add_option("ids", wait_ids, "job ids")->required();
  wait->add_option("--timeout", wait_timeout, "give up after this long, e.g. 5m");

  CLI::App* whoami = app.add_subcommand("whoami", "show who the token belongs to");

  EnterpriseVerbs enterprise(app, global);  // usage, report usage, admin ...

  std::vector<std::string> command;
  const int own_args = SplitOffCommand(argc, argv, &command);
  try {
    app.parse(own_args, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (own_args != argc && !*sub) {
    std::cerr << "sharc: only 'submit' takes a command after --\n";
    return kExitUsage;
  }
  if (!OutputFits(global.output, enterprise, nodes->parsed())) return kExitUsage;
  if (enterprise.chosen()) return enterprise.Run();
  if (*sub) {
    submit.command = command;
    return RunSubmit(global, submit);
  }
  if (*list) return RunJobs(global, jobs);
  if (*show) return RunShow(global, show_id);
  if (*cancel) return RunCancel(global, cancel_ids);
  if (*logs) return RunLogs(global, logs_id, logs_stderr, logs_rank);
  if (*nodes) return RunNodes(global);
  if (*wait) return RunWait(global, wait_ids, wait_timeout);
  if (*whoami) return RunWhoami(global);
  return kExitUsage;
}
