// The hwloc XML topology import (agent/topology_probe.h, ProbeTopology with xml_path): an agent
// given topology_xml presents the machine the file describes; the file goes through hwloc's
// XML parser and then sharc's reading of PUs, NUMA nodes, packages and GPUs (PCI tree,
// islands, models).
//
// Invariants: a probed topology has PUs, sorted by OS index and unique, each naming a NUMA
// node of the topology (or 0 without NUMA objects), a core below `cores` and a package below
// `packages`; GPU indices are unique; and the inventory the agent would send the scheduler
// (EncodeTopology) is one the scheduler's DecodeTopology accepts, unchanged: otherwise the
// node could never register.
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "agent/topology_probe.h"
#include "fuzz/fuzz_util.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"

// hwloc 2.9's XML import leaks the object it was building when it meets a malformed attribute
// (hwloc_alloc_setup_object, on its error path): hwloc's leak, not sharc's, and an agent probes
// once. LeakSanitizer still reports any other leak.
extern "C" const char* __lsan_default_suppressions() { return "leak:libhwloc.so\n"; }

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc;
  using namespace sharc::fuzz;
  static InputFile* file = [] {
    // hwloc reads these once; keep its parser quiet and its XML in-process.
    setenv("HWLOC_XML_VERBOSE", "0", 1);
    setenv("HWLOC_HIDE_ERRORS", "2", 1);
    return new InputFile();
  }();
  agent::ProbeOptions options;
  options.xml_path = file->Write(AsText(data, size));
  StatusOr<agent::ProbedNode> probed = agent::ProbeTopology(options);
  if (!probed.ok()) return 0;
  const NodeTopology& t = probed->topology;
  FUZZ_CHECK(!probed->this_system, "an XML topology is not this machine");
  FUZZ_CHECK(!t.pus.empty() && t.packages >= 1, "no PUs or no package");
  // What the agent probes, the scheduler must accept: else the agent could never register.
  std::set<int> numa;
  for (const NumaInfo& n : t.numa_nodes) {
    FUZZ_CHECK(numa.insert(n.os_index).second, "NUMA node twice: " + std::to_string(n.os_index));
  }
  for (size_t i = 0; i < t.pus.size(); ++i) {
    const PuInfo& pu = t.pus[i];
    FUZZ_CHECK(i == 0 || t.pus[i - 1].os_index < pu.os_index, "PUs not sorted or not unique");
    FUZZ_CHECK(pu.os_index >= 0, std::to_string(pu.os_index));
  }
  std::set<int> gpus;
  for (const GpuInfo& gpu : t.gpus) {
    FUZZ_CHECK(gpus.insert(gpu.index).second, "GPU twice: " + std::to_string(gpu.index));
  }
  // What the scheduler makes of the agent's inventory.
  std::string text = protocol::DumpJson(protocol::EncodeTopology(t));
  StatusOr<protocol::Json> json = protocol::ParseJson(text);
  FUZZ_CHECK(json.ok(), json.status().message());
  StatusOr<NodeTopology> decoded = protocol::DecodeTopology(*json, "topology");
  FUZZ_CHECK(decoded.ok(), "the scheduler refuses the probed topology: " +
                               decoded.status().message() + "\n" + text.substr(0, 4096));
  FUZZ_CHECK(*decoded == t, "the topology changed through its encoding");
  return 0;
}
