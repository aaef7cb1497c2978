// The short GPU model names jobs ask for ("gpu/H100"), derived from the marketing names that
// CUDA, NVML and ROCm report.
#ifndef SHARC_AGENT_GPU_MODEL_H_
#define SHARC_AGENT_GPU_MODEL_H_

#include <string>
#include <string_view>

namespace sharc::agent {

// The first word (words split at spaces and '-') made of capital letters followed by digits
// and then any letters or digits: "NVIDIA H100 80GB HBM3" -> "H100", "NVIDIA A100-SXM4-40GB"
// -> "A100", "Tesla V100-SXM2-16GB" -> "V100", "AMD Instinct MI250X" -> "MI250X", "NVIDIA
// RTX A6000" -> "A6000". Names without such a word ("NVIDIA GeForce RTX 4090") come back
// whole, trimmed of surrounding spaces; "" stays "".
std::string ShortGpuModel(std::string_view full_name);

// Where the NVIDIA driver describes each GPU it drives, one directory per PCI bus id.
inline constexpr char kNvidiaDriverGpusDir[] = "/proc/driver/nvidia/gpus";

// The short model of the NVIDIA GPU at `pci_bus_id` ("0000:17:00.0") from the "Model:" line
// of <gpus_dir>/<pci_bus_id>/information, as the driver writes it ("Model: \t\t NVIDIA H100
// 80GB HBM3"); "" if there is no such file or line. For hosts whose hwloc has no CUDA or
// NVML plugin (Debian's has neither), where GPUs are known only as PCI devices.
std::string NvidiaDriverGpuModel(const std::string& gpus_dir, const std::string& pci_bus_id);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_GPU_MODEL_H_
