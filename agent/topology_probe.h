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
  // Load xml_path in a child process first (see ProbeTopology). Off only for a caller that has
  // just done so itself, with HwlocAcceptsXml in a child that survived: the hwloc_xml fuzzer,
  // which checks every input in one long-lived child instead of forking for each.
  bool xml_crash_guard = true;
};

struct ProbedNode {
  NodeTopology topology;
  // False for an XML or synthetic topology: it is not this machine, so the agent cannot bind
  // jobs to its CPUs and must say so (binding is then simulated).
  bool this_system = true;
  std::string source;  // "this machine", "xml:<path>", "synthetic:<desc>"
};

// Loads the topology. InvalidArgument (with hwloc's words where it gives them) for a bad XML
// file or synthetic string; both set together is also an error. hwloc 2.9 crashes on some
// malformed XML, so an XML file is loaded in a child process first (one fork per call, unless
// options.xml_crash_guard is off); a file hwloc crashes on is InvalidArgument naming it and the
// signal.
//
// GPUs: OS devices of type CoProc named "cudaN" (index N) are preferred; otherwise GPU OS
// devices ("nvmlN", else "rsmiN"); otherwise PCI display/3D controllers (class 0x0300/0x0302,
// and 0x0380 as AMD Instinct cards report) of known GPU vendors (NVIDIA, AMD, Intel off bus 0,
// i.e. not integrated graphics), numbered in PCI order. Model comes from the "GPUModel" info
// (its short form, see gpu_model.h, e.g. "NVIDIA H100 80GB HBM3" -> "H100"; for an NVIDIA
// GPU known only by PCI on this machine, from the NVIDIA driver's /proc/driver/nvidia), vendor
// from "GPUVendor" or the PCI vendor id; NUMA locality from the nearest non-I/O ancestor's
// nodeset (-1 if it spans several); island from the PCI tree and NVLink (see gpu_islands.h:
// GPUs behind one PCIe switch share one, a GPU alone on its root port or host bridge has its
// own). Two OS devices claiming one index is InvalidArgument. Text hwloc hands over is made
// what the inventory carries unchanged: names and vendors valid UTF-8 (U+FFFD for other
// bytes), and a model no job could name (IsGpuModelName) unknown (""), with a warning.
// Debian's hwloc has no CUDA or NVML plugin, so on such hosts GPUs come from PCI.
//
// PUs: those of the topology as hwloc loads it by default, i.e. for this machine only the
// PUs this process may use (its cgroup cpuset): jobs can be bound to no others. A PU's NUMA
// node is the smallest NUMA node whose cpuset holds it (node 0 if there are no NUMA objects);
// without Core objects each PU is its own core; `packages` is at least 1.
// Thread-safe (each call loads its own topology).
StatusOr<ProbedNode> ProbeTopology(const ProbeOptions& options);

// Loads the hwloc XML file at `path` as ProbeTopology does and discards it: whether hwloc
// accepted the file. hwloc parses it in the calling process, so a file hwloc crashes on
// crashes the caller: this is what the crash guard's child process runs.
bool HwlocAcceptsXml(const std::string& path);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_TOPOLOGY_PROBE_H_
