// LoadAgentConfig and FinalizeAgentConfig (agent/config.h): the agent's JSON configuration file
// with comments (identities, cgroups, health check, energy model, durations and sizes).
//
// Invariants: an accepted and finalized configuration has a valid node name, bounded labels,
// a non-negative kill grace, an output limit of 0 or at least 4 KiB, a positive sample interval
// and power models whose peak is not below their idle.
#include <cstdint>
#include <string>

#include "agent/config.h"
#include "fuzz/fuzz_util.h"
#include "protocol/node_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  static InputFile* file = new InputFile();
  StatusOr<agent::AgentConfig> config = agent::LoadAgentConfig(file->Write(AsText(data, size)));
  if (!config.ok()) return 0;
  if (!agent::FinalizeAgentConfig(*config).ok()) return 0;
  FUZZ_CHECK(protocol::ValidateNodeName(config->node_name).ok(), config->node_name);
  for (const auto& [key, value] : config->labels) {
    FUZZ_CHECK(!key.empty() && key.size() <= 63 && value.size() <= 63, key);
  }
  FUZZ_CHECK(config->kill_grace.count() >= 0, "kill_grace");
  FUZZ_CHECK(config->output_limit_bytes == 0 || config->output_limit_bytes >= 4096,
             std::to_string(config->output_limit_bytes));
  FUZZ_CHECK(config->energy_sample_interval.count() > 0, "energy_sample_interval");
  FUZZ_CHECK(config->pids_max >= 0, std::to_string(config->pids_max));
  FUZZ_CHECK(config->topology_xml.empty() || config->topology_synthetic.empty(), "topology");
  const auto& model = config->energy.model;
  FUZZ_CHECK(model.node_peak_milliwatts >= model.node_idle_milliwatts, "node power model");
  for (const auto& [name, watts] : model.gpu) {
    FUZZ_CHECK(watts.peak_milliwatts >= watts.idle_milliwatts, "gpu power model " + name);
  }
  return 0;
}
