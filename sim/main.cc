// sharc-sim: runs sharc's scheduling policies against a workload on a simulated cluster in
// virtual time, and writes workloads to run. Composition only: flags -> options -> library.
//
//   sharc-sim --cluster cluster.json --workload jobs.jsonl [--profile default]
//   sharc-sim --cluster cluster.json --jobs 100000 --seed 7 --compare fifo default
//   sharc-sim generate --jobs 1000 --seed 7 -o jobs.jsonl
#include <CLI/CLI.hpp>
#include <fstream>
#include <iostream>
#include <sstream>

#include "core/file_util.h"
#include "core/units.h"
#include "core/version.h"
#include "protocol/json_fields.h"
#include "scheduler/scheduling_config.h"
#include "scheduler/tenants_file.h"
#include "sim/cluster_spec.h"
#include "sim/generator.h"
#include "sim/report_render.h"
#include "sim/simulator.h"
#include "sim/workload.h"

namespace {

constexpr int kExitUsage = 2;

int Fail(const std::string& message, int code) {
  std::cerr << "sharc-sim: " << message << "\n";
  return code;
}

struct GenerateFlags {
  sharc::sim::GeneratorOptions options;
  std::string max_runtime = "24h";
  std::string priority_mix;
  std::string output;  // "" = stdout
};

void AddGenerateFlags(CLI::App& generate, GenerateFlags& flags) {
  sharc::sim::GeneratorOptions& o = flags.options;
  generate.add_option("--jobs", o.jobs, "how many jobs (default 1000)");
  generate.add_option("--seed", o.seed, "random seed; the same seed gives the same bytes");
  generate.add_option("--jobs-per-hour", o.jobs_per_hour, "mean arrival rate (default 600)");
  generate.add_option("--tenants", o.tenants, "number of tenants t00, t01, ... (default 20)");
  generate.add_option("--gpu-share", o.gpu_share, "share of GPU jobs, 0..1 (default 0.1)");
  generate.add_option("--gpu-model", o.gpu_model, "GPU model GPU jobs ask for (default any)");
  generate.add_option("--max-runtime", flags.max_runtime, "runtime cap, 10m..48h (default 24h)");
  generate.add_option("--priority-mix", flags.priority_mix,
                      "priority classes and weights (default low=40,normal=40,high=20)");
  generate.add_option("-o,--output", flags.output, "write the workload here (default stdout)");
}

int RunGenerate(GenerateFlags& flags) {
  sharc::sim::GeneratorOptions& options = flags.options;
  auto runtime = sharc::ParseDuration(flags.max_runtime);
  if (!runtime.ok()) return Fail("--max-runtime: " + runtime.status().message(), kExitUsage);
  options.max_runtime_ms = runtime->count() * 1000;
  if (!flags.priority_mix.empty()) {
    auto mix = sharc::sim::ParsePriorityMix(flags.priority_mix);
    if (!mix.ok()) return Fail("--priority-mix: " + mix.status().message(), kExitUsage);
    options.priority_mix = *mix;
  }
  if (sharc::Status valid = sharc::sim::ValidateGeneratorOptions(options); !valid.ok()) {
    return Fail(valid.message(), kExitUsage);
  }
  std::ostringstream text;
  sharc::sim::WriteWorkload(sharc::sim::GenerateWorkload(options), text);
  if (flags.output.empty() || flags.output == "-") {
    std::cout << text.str() << std::flush;
    return std::cout ? 0 : Fail("cannot write to stdout", 1);
  }
  sharc::Status written = sharc::WriteFileAtomically(flags.output, text.str());
  return written.ok() ? 0 : Fail(written.message(), 1);
}

struct RunFlags {
  std::string cluster;
  std::string workload;  // or generated from `generator` when --jobs is given
  std::vector<std::string> profiles{"default"};  // --profile, or --compare A B ...
  std::vector<std::string> compare;
  std::string config;   // a scheduler config: its "scheduling" section
  std::string tenants;  // a tenants file: quotas and shares
  std::string format = "table";
  std::string kill_grace = "10s";
  GenerateFlags generator;
  bool generate = false;
};

void AddRunFlags(CLI::App& app, RunFlags& flags) {
  app.add_option("--cluster", flags.cluster, "the simulated cluster (JSON, sim/cluster_spec.h)");
  app.add_option("--workload", flags.workload, "the workload to replay (JSON lines)");
  app.add_option("--profile", flags.profiles[0], "the scheduling profile (default: default)");
  app.add_option("--compare", flags.compare, "run these profiles side by side")->expected(2, 8);
  app.add_option("--config", flags.config, "a scheduler config: its scheduling section is used");
  app.add_option("--tenants", flags.tenants, "a tenants file: quotas and shares");
  app.add_option("--format", flags.format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  app.add_option("--kill-grace", flags.kill_grace, "how long a preempted job takes to stop");
  sharc::sim::GeneratorOptions& o = flags.generator.options;
  app.add_option("--jobs", o.jobs, "generate this many jobs instead of reading --workload");
  app.add_option("--seed", o.seed, "the generated workload's seed");
  app.add_option("--jobs-per-hour", o.jobs_per_hour, "the generated workload's arrival rate");
  app.add_option("--tenants-count", o.tenants, "the generated workload's number of tenants");
  app.add_option("--gpu-share", o.gpu_share, "the generated workload's share of GPU jobs");
}

sharc::StatusOr<std::vector<sharc::sim::WorkloadJob>> LoadWorkload(RunFlags& flags) {
  if (!flags.workload.empty()) {
    std::ifstream in(flags.workload);
    if (!in) return sharc::NotFoundError(flags.workload + ": cannot open the workload");
    return sharc::sim::ReadWorkload(in, flags.workload);
  }
  SHARC_RETURN_IF_ERROR(sharc::sim::ValidateGeneratorOptions(flags.generator.options));
  return sharc::sim::GenerateWorkload(flags.generator.options);
}

// The scheduling section of --config (or the built-in defaults).
sharc::StatusOr<sharc::scheduler::SchedulingConfig> LoadScheduling(const RunFlags& flags) {
  sharc::scheduler::SchedulingConfig scheduling;
  if (flags.config.empty()) return scheduling;
  SHARC_ASSIGN_OR_RETURN(std::string text, sharc::ReadFile(flags.config));
  SHARC_ASSIGN_OR_RETURN(sharc::protocol::Json json, sharc::protocol::ParseJsonWithComments(text));
  if (json.is_object() && json.contains("scheduling")) {
    SHARC_RETURN_IF_ERROR(sharc::scheduler::ApplySchedulingJson(json["scheduling"], &scheduling)
                              .WithPrefix(flags.config));
  }
  return scheduling;
}

// One run's options per profile named by --profile or --compare.
sharc::StatusOr<std::vector<sharc::sim::SimulationOptions>> RunOptions(const RunFlags& flags) {
  SHARC_ASSIGN_OR_RETURN(sharc::scheduler::SchedulingConfig scheduling, LoadScheduling(flags));
  sharc::sim::SimulationOptions base;
  base.priority_classes = scheduling.priority_classes;
  base.default_priority_class = scheduling.default_priority_class;
  base.fair_share_half_life_ms = scheduling.fair_share_half_life.count();
  base.queue_depth = scheduling.queue_depth;
  base.full_cycle_interval_ms = scheduling.full_cycle_interval.count();
  if (!flags.tenants.empty()) {
    SHARC_ASSIGN_OR_RETURN(auto file, sharc::scheduler::LoadTenantsFile(flags.tenants));
    base.tenants = file.tenants;
  }
  auto grace = sharc::ParseDurationMillis(flags.kill_grace);
  if (!grace.ok()) return grace.status().WithPrefix("--kill-grace");
  base.kill_grace_ms = grace->count();
  std::vector<sharc::sim::SimulationOptions> runs;
  for (const std::string& name : flags.compare.empty() ? flags.profiles : flags.compare) {
    auto it = scheduling.profiles.find(name);
    if (it == scheduling.profiles.end()) {
      std::string known;
      for (const auto& [n, p] : scheduling.profiles) known += (known.empty() ? "" : ", ") + n;
      return sharc::InvalidArgumentError("profile '" + name + "' is not defined; known: " + known);
    }
    runs.push_back(base);
    runs.back().profile = it->second;
  }
  return runs;
}

int RunSimulation(RunFlags& flags) {
  if (flags.cluster.empty()) return Fail("--cluster: give the simulated cluster", kExitUsage);
  if (flags.workload.empty() && flags.generator.options.jobs <= 0) {
    return Fail("give --workload FILE, or --jobs N to generate one", kExitUsage);
  }
  auto nodes = sharc::sim::LoadClusterSpec(flags.cluster);
  if (!nodes.ok()) return Fail(nodes.status().message(), kExitUsage);
  auto workload = LoadWorkload(flags);
  if (!workload.ok()) return Fail(workload.status().message(), kExitUsage);
  auto runs = RunOptions(flags);
  if (!runs.ok()) return Fail(runs.status().message(), kExitUsage);
  std::vector<sharc::sim::SimReport> reports;
  for (const sharc::sim::SimulationOptions& run : *runs) {
    auto inputs = sharc::sim::Simulate(*nodes, *workload, run);
    if (!inputs.ok()) return Fail(inputs.status().message(), 1);
    reports.push_back(sharc::sim::ComputeReport(*inputs));
  }
  sharc::sim::ReportFormat format = flags.format == "json"  ? sharc::sim::ReportFormat::kJson
                                    : flags.format == "csv" ? sharc::sim::ReportFormat::kCsv
                                                            : sharc::sim::ReportFormat::kTable;
  std::cout << sharc::sim::RenderReports(reports, format) << std::flush;
  return std::cout ? 0 : Fail("cannot write to stdout", 1);
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sharc-sim: compares scheduling profiles on simulated clusters in virtual time"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "print the version and exit");

  GenerateFlags generate_flags;
  CLI::App* generate = app.add_subcommand("generate", "write a synthetic workload (JSON lines)");
  AddGenerateFlags(*generate, generate_flags);

  RunFlags run_flags;
  run_flags.generator.options.jobs = 0;
  AddRunFlags(app, run_flags);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : kExitUsage;
  }
  if (version) {
    std::cout << "sharc-sim " << sharc::Version() << " (" << sharc::GitRevision() << ")\n";
    return 0;
  }
  if (generate->parsed()) return RunGenerate(generate_flags);
  if (!run_flags.cluster.empty() || !run_flags.workload.empty()) return RunSimulation(run_flags);
  std::cerr << app.help();
  return kExitUsage;
}
