#include "agent/gpu_islands.h"

#include <hwloc/distances.h>
#include <hwloc/helper.h>

#include <algorithm>
#include <map>
#include <numeric>

#include "agent/hwloc_enum.h"

namespace sharc::agent {
namespace {

// Disjoint sets over 0..n-1; a set's root is its lowest member.
class DisjointSets {
 public:
  explicit DisjointSets(size_t n) : parent_(n) { std::iota(parent_.begin(), parent_.end(), 0); }
  size_t Find(size_t x) {
    while (parent_[x] != x) x = parent_[x] = parent_[parent_[x]];
    return x;
  }
  void Join(size_t a, size_t b) {
    a = Find(a);
    b = Find(b);
    parent_[std::max(a, b)] = std::min(a, b);
  }

 private:
  std::vector<size_t> parent_;
};

// The topmost PCI-to-PCI bridge between `pci` and its host bridge (the root port or switch
// whose subtree holds it); nullptr if there is none.
hwloc_obj_t TopPciBridge(hwloc_obj_t pci) {
  hwloc_obj_t top = nullptr;
  for (hwloc_obj_t obj = pci->parent; obj != nullptr && obj->type == HWLOC_OBJ_BRIDGE;
       obj = obj->parent) {
    if (HwlocEnumValue(obj->attr->bridge.upstream_type) == HWLOC_OBJ_BRIDGE_PCI) top = obj;
  }
  return top;
}

// The PCI device an object of a distances matrix stands for: itself, or an OS device's.
hwloc_obj_t PciOf(hwloc_obj_t obj) {
  while (obj != nullptr && obj->type == HWLOC_OBJ_OS_DEVICE) obj = obj->parent;
  return obj != nullptr && obj->type == HWLOC_OBJ_PCI_DEVICE ? obj : nullptr;
}

// hwloc's NVLink bandwidth matrix (NVML backend), or nullptr; release it with
// hwloc_distances_release.
hwloc_distances_s* NvlinkBandwidth(hwloc_topology_t topology) {
  unsigned nr = 1;
  hwloc_distances_s* distances = nullptr;
  if (hwloc_distances_get_by_name(topology, "NVLinkBandwidth", &nr, &distances, 0) != 0 ||
      nr == 0) {
    return nullptr;
  }
  return distances;
}

}  // namespace

void AssignGpuIslands(hwloc_topology_t topology, std::vector<GpuInfo>& gpus) {
  const size_t count = gpus.size();
  std::vector<hwloc_obj_t> pci(count, nullptr);
  for (size_t g = 0; g < count; ++g) {
    if (!gpus[g].pci_bus_id.empty()) {
      pci[g] = hwloc_get_pcidev_by_busidstring(topology, gpus[g].pci_bus_id.c_str());
    }
  }
  hwloc_distances_s* nvlink = NvlinkBandwidth(topology);
  const unsigned linked = nvlink != nullptr ? nvlink->nbobjs : 0;
  // Sets 0..count-1 are the GPUs, the matrix's objects (GPUs, NVSwitches, ...) follow.
  DisjointSets sets(count + linked);

  // PCI: GPUs below one topmost PCI-to-PCI bridge share a set; any other GPU is alone.
  std::map<hwloc_obj_t, size_t> first_below;
  for (size_t g = 0; g < count; ++g) {
    hwloc_obj_t top = pci[g] != nullptr ? TopPciBridge(pci[g]) : nullptr;
    if (top == nullptr) continue;
    auto [first, inserted] = first_below.emplace(top, g);
    if (!inserted) sets.Join(first->second, g);
  }
  // NVLink: a matrix object joins its GPU; objects with bandwidth between them join.
  for (unsigned i = 0; i < linked; ++i) {
    hwloc_obj_t dev = PciOf(nvlink->objs[i]);
    for (size_t g = 0; g < count; ++g) {
      if (dev != nullptr && pci[g] == dev) sets.Join(g, count + i);
    }
    for (unsigned j = 0; j < linked; ++j) {
      if (i != j && nvlink->values[i * linked + j] > 0) sets.Join(count + i, count + j);
    }
  }
  if (nvlink != nullptr) hwloc_distances_release(topology, nvlink);

  // A set's root is its lowest GPU (GPUs come first, sorted by index), so numbering roots in
  // GPU order numbers islands by their lowest GPU index.
  std::map<size_t, int> number;
  for (size_t g = 0; g < count; ++g) {
    if (pci[g] == nullptr) continue;  // unknown
    auto [root, inserted] = number.emplace(sets.Find(g), static_cast<int>(number.size()));
    gpus[g].island = root->second;
  }
}

}  // namespace sharc::agent
