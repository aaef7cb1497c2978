// Which of a node's GPUs form a topology island (GpuInfo::island): GPUs that reach each other
// without crossing a CPU's host bridge, read from hwloc's I/O tree and, where hwloc has them,
// its NVLink distances.
#ifndef SHARC_AGENT_GPU_ISLANDS_H_
#define SHARC_AGENT_GPU_ISLANDS_H_

#include <hwloc.h>

#include <vector>

#include "core/node.h"

namespace sharc::agent {

// Sets `island` of each of `gpus` (sorted by index), finding each GPU's PCI device in
// `topology` by its pci_bus_id:
//   - GPUs below one PCI-to-PCI bridge tree under a host bridge share an island: the topmost
//     such bridge is the root port or PCIe switch whose subtree holds them, so GPUs behind one
//     switch (however deeply nested) are one island, and a GPU alone on its root port, or
//     directly below a host bridge, is an island of its own (two GPUs that meet only at a host
//     bridge talk through the CPU's root complex, which is what an island avoids);
//   - GPUs that hwloc's "NVLinkBandwidth" distances (the NVML backend) show linked, directly
//     or through other objects of the matrix such as an NVSwitch (nonzero bandwidth either
//     way), are merged into one island. Without that matrix (Debian's hwloc, XML fixtures)
//     only the PCI tree counts.
// Islands are numbered 0, 1, ... in order of their lowest GPU index. A GPU whose PCI device
// is not in the topology (no or unknown pci_bus_id) keeps island -1 unless NVLink joins it.
void AssignGpuIslands(hwloc_topology_t topology, std::vector<GpuInfo>& gpus);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_GPU_ISLANDS_H_
