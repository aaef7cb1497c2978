#include "agent/topology_probe.h"

#include <hwloc.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "agent/gpu_islands.h"
#include "agent/gpu_model.h"
#include "agent/hwloc_enum.h"
#include "core/log.h"
#include "core/resources.h"
#include "core/utf8.h"
#include "protocol/json_fields.h"
#include "protocol/node_codec.h"

namespace sharc::agent {
namespace {

struct TopologyDeleter {
  void operator()(hwloc_topology* topology) const { hwloc_topology_destroy(topology); }
};
using TopologyPtr = std::unique_ptr<hwloc_topology, TopologyDeleter>;

std::string ErrnoText(int error) { return error != 0 ? std::strerror(error) : "unknown error"; }

// Exit codes of the child in CheckXmlLoadsWithoutCrashing.
constexpr int kXmlLoaded = 0;
constexpr int kXmlRefused = 3;  // hwloc returned an error: the load here reports it

// What ended a child, in words: "signal 11 (Segmentation fault)" or "exit code 1".
std::string EndOf(int wait_status) {
  if (WIFSIGNALED(wait_status)) {
    int signal = WTERMSIG(wait_status);
    return "signal " + std::to_string(signal) + " (" + strsignal(signal) + ")";
  }
  return "exit code " + std::to_string(WEXITSTATUS(wait_status));
}

// hwloc 2.9 trusts some attributes of an XML file and dereferences NULL in
// hwloc_topology_load when they are missing (e.g. a Core with a cpuset but no
// complete_cpuset; fuzz/corpus/hwloc_xml/regression-hwloc-crash-*). So an XML file is first loaded
// in a child process, with the default action for fatal signals; only if the child survives does
// the caller load it.
Status CheckXmlLoadsWithoutCrashing(const std::string& path) {
  pid_t pid = ::fork();
  if (pid < 0) return InternalError("fork to test-load the hwloc XML file: " + ErrnoText(errno));
  if (pid == 0) {
    for (int signal : {SIGSEGV, SIGBUS, SIGABRT, SIGFPE, SIGILL}) std::signal(signal, SIG_DFL);
    // _exit: none of the parent's exit handlers run in this copy of it.
    ::_exit(HwlocAcceptsXml(path) ? kXmlLoaded : kXmlRefused);
  }
  int wait_status = 0;
  while (::waitpid(pid, &wait_status, 0) < 0) {
    if (errno != EINTR) return InternalError("waitpid: " + ErrnoText(errno));
  }
  if (WIFEXITED(wait_status) &&
      (WEXITSTATUS(wait_status) == kXmlLoaded || WEXITSTATUS(wait_status) == kXmlRefused)) {
    return Status::Ok();
  }
  return InvalidArgumentError(
      "hwloc crashed loading the hwloc XML file '" + path + "' (" + EndOf(wait_status) +
      "): the file is malformed in a way hwloc does not check, e.g. an object with a cpuset "
      "but no complete_cpuset; export it again with lstopo --of xml");
}

// Creates and loads the topology the options name, with the important I/O devices (GPUs,
// NICs, disks) kept. Default flags: the topology holds only the PUs and NUMA nodes this
// process is allowed to use (its cgroup cpuset), which is all an agent can give to jobs.
StatusOr<TopologyPtr> LoadTopology(const ProbeOptions& options, const std::string& source) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) {
    return InternalError("hwloc_topology_init failed: " + ErrnoText(errno));
  }
  TopologyPtr topology(raw);
  if (hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT) != 0) {
    return InternalError("hwloc could not enable I/O discovery: " + ErrnoText(errno));
  }
  if (!options.xml_path.empty() && hwloc_topology_set_xml(raw, options.xml_path.c_str()) != 0) {
    int error = errno;
    return InvalidArgumentError(
        "cannot load hwloc XML file '" + options.xml_path + "': " + ErrnoText(error) +
        (error == EINVAL ? " (not a valid hwloc topology; HWLOC_XML_VERBOSE=1 makes hwloc "
                           "print its parser's messages)"
                         : ""));
  }
  if (!options.synthetic.empty() &&
      hwloc_topology_set_synthetic(raw, options.synthetic.c_str()) != 0) {
    return InvalidArgumentError("invalid hwloc synthetic description '" + options.synthetic +
                                "': " + ErrnoText(errno) +
                                " (HWLOC_SYNTHETIC_VERBOSE=1 makes hwloc print where it "
                                "stopped)");
  }
  if (options.xml_path.empty() && options.synthetic.empty()) {
    // Plugins whose results are not used here. "pci" (libpciaccess) adds only PCI names to
    // what the linux backend finds in sysfs, and leaks its name database each time hwloc
    // unloads it (every probe); "gl" and "opencl" start X and OpenCL drivers.
    for (const char* component : {"pci", "gl", "opencl"}) {
      hwloc_topology_set_components(raw, HWLOC_TOPOLOGY_COMPONENTS_FLAG_BLACKLIST, component);
    }
  }
  if (!options.xml_path.empty() && options.xml_crash_guard) {
    SHARC_RETURN_IF_ERROR(CheckXmlLoadsWithoutCrashing(options.xml_path));
  }
  if (hwloc_topology_load(raw) != 0) {
    std::string message =
        "hwloc could not load the topology of " + source + ": " + ErrnoText(errno);
    if (options.xml_path.empty() && options.synthetic.empty()) {
      return InternalError(std::move(message));
    }
    return InvalidArgumentError(std::move(message));
  }
  return topology;
}

// The NUMA node a PU's memory is local to: of the NUMA nodes whose cpuset holds the PU, the
// one with the smallest cpuset (so a socket's node wins over a machine-wide memory-only node,
// e.g. CXL); ties go to the first in logical order. A machine without NUMA objects has node 0.
int PuNuma(hwloc_topology_t topology, hwloc_obj_t pu) {
  hwloc_obj_t best = nullptr;
  int best_weight = 0;
  for (hwloc_obj_t node = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, nullptr);
       node != nullptr; node = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, node)) {
    if (node->cpuset == nullptr || !hwloc_bitmap_isset(node->cpuset, pu->os_index)) continue;
    int weight = hwloc_bitmap_weight(node->cpuset);
    if (best == nullptr || weight < best_weight) {
      best = node;
      best_weight = weight;
    }
  }
  return best != nullptr ? static_cast<int>(best->os_index) : 0;
}

// PUs sorted by OS index. Without Core objects every PU counts as its own core.
std::vector<PuInfo> CollectPus(hwloc_topology_t topology) {
  std::vector<PuInfo> pus;
  for (hwloc_obj_t obj = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_PU, nullptr);
       obj != nullptr; obj = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_PU, obj)) {
    PuInfo pu;
    pu.os_index = static_cast<int>(obj->os_index);
    hwloc_obj_t core = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_CORE, obj);
    pu.core = static_cast<int>(core != nullptr ? core->logical_index : obj->logical_index);
    pu.numa = PuNuma(topology, obj);
    hwloc_obj_t package = hwloc_get_ancestor_obj_by_type(topology, HWLOC_OBJ_PACKAGE, obj);
    pu.package = package != nullptr ? static_cast<int>(package->logical_index) : 0;
    pus.push_back(pu);
  }
  std::sort(pus.begin(), pus.end(),
            [](const PuInfo& a, const PuInfo& b) { return a.os_index < b.os_index; });
  return pus;
}

std::vector<NumaInfo> CollectNumaNodes(hwloc_topology_t topology, int64_t total_memory) {
  std::vector<NumaInfo> nodes;
  for (hwloc_obj_t obj = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, nullptr);
       obj != nullptr; obj = hwloc_get_next_obj_by_type(topology, HWLOC_OBJ_NUMANODE, obj)) {
    nodes.push_back(
        {static_cast<int>(obj->os_index), static_cast<int64_t>(obj->attr->numanode.local_memory)});
  }
  if (nodes.empty()) nodes.push_back({0, total_memory});
  std::sort(nodes.begin(), nodes.end(),
            [](const NumaInfo& a, const NumaInfo& b) { return a.os_index < b.os_index; });
  return nodes;
}

// --- GPUs -------------------------------------------------------------------------------

// 3 for ("cuda3", "cuda"); nullopt unless the rest is a canonical decimal number.
std::optional<int> DeviceIndex(std::string_view name, std::string_view prefix) {
  if (name.size() <= prefix.size() || name.substr(0, prefix.size()) != prefix) {
    return std::nullopt;
  }
  std::string_view digits = name.substr(prefix.size());
  if (digits.size() > 6 || (digits.size() > 1 && digits[0] == '0')) return std::nullopt;
  int value = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

hwloc_obj_t PciDeviceOf(hwloc_obj_t obj) {
  while (obj != nullptr && obj->type == HWLOC_OBJ_OS_DEVICE) obj = obj->parent;
  return obj != nullptr && obj->type == HWLOC_OBJ_PCI_DEVICE ? obj : nullptr;
}

std::string PciBusId(hwloc_obj_t pci) {
  char text[32];
  std::snprintf(text, sizeof(text), "%04x:%02x:%02x.%01x", pci->attr->pcidev.domain,
                pci->attr->pcidev.bus, pci->attr->pcidev.dev, pci->attr->pcidev.func);
  return text;
}

std::string VendorId(hwloc_obj_t pci) {
  char text[8];
  std::snprintf(text, sizeof(text), "%04x", pci->attr->pcidev.vendor_id);
  return text;
}

// The OS index of the one NUMA node the nearest CPU-side ancestor covers; -1 if it covers
// several (the device hangs off the machine, not a socket) or none.
int DeviceNuma(hwloc_topology_t topology, hwloc_obj_t obj) {
  hwloc_obj_t ancestor = hwloc_get_non_io_ancestor_obj(topology, obj);
  if (ancestor == nullptr || ancestor->nodeset == nullptr ||
      hwloc_bitmap_weight(ancestor->nodeset) != 1) {
    return -1;
  }
  return hwloc_bitmap_first(ancestor->nodeset);
}

// OS devices of `type` named <prefix><N>, as GPU N.
std::vector<GpuInfo> OsDeviceGpus(hwloc_topology_t topology, hwloc_obj_osdev_type_t type,
                                  std::string_view prefix) {
  std::vector<GpuInfo> gpus;
  for (hwloc_obj_t dev = hwloc_get_next_osdev(topology, nullptr); dev != nullptr;
       dev = hwloc_get_next_osdev(topology, dev)) {
    if (HwlocEnumValue(dev->attr->osdev.type) != type || dev->name == nullptr) continue;
    std::optional<int> index = DeviceIndex(dev->name, prefix);
    if (!index) continue;
    if (*index >= static_cast<int>(protocol::kMaxGpusPerNode)) {
      // The scheduler would refuse the whole node for it: leave this one device out, loudly.
      LogWarning("agent", std::string("GPU ") + dev->name +
                              " left out: a node's GPUs are numbered 0 to " +
                              std::to_string(protocol::kMaxGpusPerNode - 1));
      continue;
    }
    GpuInfo gpu;
    gpu.index = *index;
    gpu.name = dev->name;
    hwloc_obj_t pci = PciDeviceOf(dev);
    if (const char* vendor = hwloc_obj_get_info_by_name(dev, "GPUVendor")) {
      gpu.vendor = vendor;
    } else if (pci != nullptr) {
      gpu.vendor = VendorId(pci);
    }
    if (const char* model = hwloc_obj_get_info_by_name(dev, "GPUModel")) {
      gpu.model = ShortGpuModel(model);
    }
    if (pci != nullptr) gpu.pci_bus_id = PciBusId(pci);
    gpu.numa = DeviceNuma(topology, dev);
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

// Display controllers (VGA 0x0300, 3D 0x0302, other 0x0380) of NVIDIA, AMD and Intel. Intel
// devices on bus 0 are integrated graphics, not GPUs a job can be given, and are skipped; so
// are other vendors (e.g. a BMC's ASPEED VGA).
bool IsComputeGpu(hwloc_obj_t pci) {
  const auto& attr = pci->attr->pcidev;
  if (attr.class_id != 0x0300 && attr.class_id != 0x0302 && attr.class_id != 0x0380) {
    return false;
  }
  switch (attr.vendor_id) {
    case 0x10de:
      return true;  // NVIDIA
    case 0x1002:
      return true;  // AMD
    case 0x8086:
      return attr.bus != 0;  // Intel, discrete only
    default:
      return false;
  }
}

// GPUs known only as PCI devices, numbered in PCI bus order. The name is that of the
// device's first OS device (e.g. a DRM "card1"), if hwloc found one. On this machine the
// NVIDIA driver, if loaded, tells the model.
std::vector<GpuInfo> PciGpus(hwloc_topology_t topology, bool this_system) {
  std::vector<hwloc_obj_t> devices;
  for (hwloc_obj_t pci = hwloc_get_next_pcidev(topology, nullptr); pci != nullptr;
       pci = hwloc_get_next_pcidev(topology, pci)) {
    if (IsComputeGpu(pci)) devices.push_back(pci);
  }
  auto bus_order = [](hwloc_obj_t obj) {
    const auto& a = obj->attr->pcidev;
    return std::make_tuple(a.domain, a.bus, a.dev, a.func);
  };
  std::sort(devices.begin(), devices.end(),
            [&](hwloc_obj_t a, hwloc_obj_t b) { return bus_order(a) < bus_order(b); });
  std::vector<GpuInfo> gpus;
  for (hwloc_obj_t pci : devices) {
    GpuInfo gpu;
    gpu.index = static_cast<int>(gpus.size());
    for (hwloc_obj_t child = pci->io_first_child; child != nullptr; child = child->next_sibling) {
      if (child->type == HWLOC_OBJ_OS_DEVICE && child->name != nullptr) {
        gpu.name = child->name;
        break;
      }
    }
    gpu.vendor = VendorId(pci);
    gpu.pci_bus_id = PciBusId(pci);
    if (this_system && pci->attr->pcidev.vendor_id == 0x10de) {
      gpu.model = NvidiaDriverGpuModel(kNvidiaDriverGpusDir, gpu.pci_bus_id);
    }
    gpu.numa = DeviceNuma(topology, pci);
    gpus.push_back(std::move(gpu));
  }
  return gpus;
}

// Makes a GPU's text what the node's inventory carries unchanged: hwloc and drivers hand over
// any bytes, and the JSON writer would replace what is not UTF-8. A name or vendor keeps its
// valid parts; a model no job could ask for (gpu/<model>) is left unknown, and said so.
void MakeGpuTextSendable(GpuInfo& gpu) {
  gpu.name = ToValidUtf8(gpu.name);
  gpu.vendor = ToValidUtf8(gpu.vendor);
  if (gpu.model.empty()) return;
  Status model = CheckGpuModelName(gpu.model);
  if (model.ok()) return;
  LogWarning("agent", "GPU " + std::to_string(gpu.index) + ": model " +
                          protocol::DumpJson(protocol::Json(gpu.model)) +
                          " left out (unknown model): " + model.message() +
                          ", as jobs name it in gpu_model");
  gpu.model.clear();
}

// The first source that yields any GPU wins (see the header): CUDA, then NVML, then ROCm SMI,
// then bare PCI devices. Mixing sources would count one device twice.
StatusOr<std::vector<GpuInfo>> CollectGpus(hwloc_topology_t topology, bool this_system) {
  std::vector<GpuInfo> gpus = OsDeviceGpus(topology, HWLOC_OBJ_OSDEV_COPROC, "cuda");
  if (gpus.empty()) gpus = OsDeviceGpus(topology, HWLOC_OBJ_OSDEV_GPU, "nvml");
  if (gpus.empty()) gpus = OsDeviceGpus(topology, HWLOC_OBJ_OSDEV_GPU, "rsmi");
  if (gpus.empty()) gpus = PciGpus(topology, this_system);
  for (GpuInfo& gpu : gpus) MakeGpuTextSendable(gpu);
  std::sort(gpus.begin(), gpus.end(),
            [](const GpuInfo& a, const GpuInfo& b) { return a.index < b.index; });
  for (size_t i = 1; i < gpus.size(); ++i) {
    if (gpus[i].index == gpus[i - 1].index) {
      return InvalidArgumentError("two GPU devices are both named '" + gpus[i].name +
                                  "'; each GPU index must appear once");
    }
  }
  return gpus;
}

}  // namespace

bool HwlocAcceptsXml(const std::string& path) {
  hwloc_topology_t raw = nullptr;
  if (hwloc_topology_init(&raw) != 0) return false;
  TopologyPtr topology(raw);
  return hwloc_topology_set_io_types_filter(raw, HWLOC_TYPE_FILTER_KEEP_IMPORTANT) == 0 &&
         hwloc_topology_set_xml(raw, path.c_str()) == 0 && hwloc_topology_load(raw) == 0;
}

StatusOr<ProbedNode> ProbeTopology(const ProbeOptions& options) {
  if (!options.xml_path.empty() && !options.synthetic.empty()) {
    return InvalidArgumentError(
        "give either an hwloc XML file or a synthetic description, not both");
  }
  ProbedNode node;
  if (!options.xml_path.empty()) {
    node.source = "xml:" + options.xml_path;
  } else if (!options.synthetic.empty()) {
    node.source = "synthetic:" + options.synthetic;
  } else {
    node.source = "this machine";
  }
  SHARC_ASSIGN_OR_RETURN(TopologyPtr owned, LoadTopology(options, node.source));
  hwloc_topology_t topology = owned.get();

  node.this_system = hwloc_topology_is_thissystem(topology) != 0;
  NodeTopology& out = node.topology;
  out.memory_bytes = static_cast<int64_t>(hwloc_get_root_obj(topology)->total_memory);
  out.pus = CollectPus(topology);
  if (out.pus.empty()) {
    return InvalidArgumentError("the topology of " + node.source + " has no processing units");
  }
  out.numa_nodes = CollectNumaNodes(topology, out.memory_bytes);
  // A machine has at least one package and one core per PU when hwloc shows none.
  out.packages = std::max(1, hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_PACKAGE));
  int cores = hwloc_get_nbobjs_by_type(topology, HWLOC_OBJ_CORE);
  out.cores = cores > 0 ? cores : static_cast<int>(out.pus.size());
  SHARC_ASSIGN_OR_RETURN(out.gpus, CollectGpus(topology, node.this_system));
  AssignGpuIslands(topology, out.gpus);
  // What the scheduler would refuse at registration (a memory size that overflowed, a PU
  // listed twice, an index out of range) is refused here, at start, naming the source.
  StatusOr<protocol::Json> encoded =
      protocol::ParseJson(protocol::DumpJson(protocol::EncodeTopology(out)));
  StatusOr<NodeTopology> accepted =
      encoded.ok() ? protocol::DecodeTopology(*encoded, "topology") : encoded.status();
  if (!accepted.ok()) {
    return InvalidArgumentError(
        "the topology of " + node.source +
        " is not one the scheduler accepts: " + accepted.status().message());
  }
  return node;
}

}  // namespace sharc::agent
