// sharc-sim: runs sharc's scheduling policies against a workload on a simulated cluster in
// virtual time, and writes workloads to run. Composition only: flags -> options -> library.
#include <CLI/CLI.hpp>
#include <iostream>
#include <sstream>

#include "core/file_util.h"
#include "core/units.h"
#include "core/version.h"
#include "sim/generator.h"
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

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"sharc-sim: compares scheduling profiles on simulated clusters in virtual time"};
  app.require_subcommand(0, 1);
  bool version = false;
  app.add_flag("--version", version, "print the version and exit");

  GenerateFlags generate_flags;
  CLI::App* generate = app.add_subcommand("generate", "write a synthetic workload (JSON lines)");
  AddGenerateFlags(*generate, generate_flags);

  // The `run` verb: replay a workload on a cluster under one or more profiles and report.
  // TODO(sim-loop): wire the simulation loop here: LoadClusterSpec (sim/cluster_spec.h),
  // ReadWorkload (sim/workload.h), run each --profile, ComputeReport (sim/report.h) and
  // RenderReports (sim/report_render.h) with --format table|json|csv and --compare A B.
  CLI::App* run = app.add_subcommand("run", "simulate a workload on a cluster (not yet available)");
  run->allow_extras();

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
  if (run->parsed()) return Fail("run: not yet available", kExitUsage);
  std::cerr << app.help();
  return kExitUsage;
}
