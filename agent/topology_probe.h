// Detects a node's hardware with hwloc: packages, NUMA nodes and their memory, cores, PUs (OS
// indices) and GPUs (through hwloc's I/O objects), or presents another machine from an hwloc
// XML file or a synthetic description, which is how tests and the demo simulate clusters.
#ifndef SHARC_AGENT_TOPOLOGY_PROBE_H_
#define SHARC_AGENT_TOPOLOGY_PROBE_H_

#include <string>

#include "core/node.h"
#include "core/status.h"

namespace sharc::agent {

struct ProbeOptions {
  std::string xml_path;   // load this hwloc XML instead of the real machine
  std::string synthetic;  // or this synthetic description, e.g. "pack:2 numa:2 core:8 pu:2"
};

struct ProbedNode {
  NodeTopology topology;
  // False for an XML or synthetic topology: it is not this machine, so the agent cannot bind
  // jobs to its CPUs and must say so (binding is then simulated).
  bool this_system = true;
  std::string source;  // "this machine", "xml:<path>", "synthetic:<desc>"
};

// Loads the topology. InvalidArgument (with hwloc's words where it gives them) for a bad XML
// file or synthetic string; both set together is also an error.
//
// GPUs: OS devices of type CoProc named "cudaN" (index N) are preferred; otherwise GPU OS
// devices ("nvmlN", "rsmiN"); otherwise PCI display/3D controllers (class 0x0300/0x0302) of
// known GPU vendors, numbered in PCI order. Model comes from the "GPUModel" info (its short
// form, e.g. "NVIDIA H100 80GB HBM3" -> "H100"), vendor from "GPUVendor" or the PCI vendor
// id; NUMA locality from the nearest non-I/O ancestor's nodeset (-1 if it spans several).
StatusOr<ProbedNode> ProbeTopology(const ProbeOptions& options);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_TOPOLOGY_PROBE_H_
