// A stand-in for NVIDIA's libnvidia-ml.so.1, built as a loadable module so the NVML reader's
// tests run its real dlopen/dlsym path. It exports the functions NvmlReader binds, with NVML's
// C signatures, and takes its figures from files the test names in the environment:
//   SHARC_FAKE_NVML_FILE        one line per GPU, "energy_mj power_mw utilization_percent",
//                               re-read on every call; an energy of "-" answers Not Supported
//   SHARC_FAKE_NVML_INIT_ERROR  if set, nvmlInit_v2 returns this NVML error code
//   SHARC_FAKE_NVML_LOG         if set, "init" and "shutdown" are appended to it per call
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace {

constexpr int kSuccess = 0;
constexpr int kUninitialized = 1;
constexpr int kInvalidArgument = 2;
constexpr int kNotSupported = 3;

struct FakeGpu {
  std::string energy_mj;
  unsigned int power_mw = 0;
  unsigned int utilization = 0;
};

int initialized = 0;  // nvmlInit_v2 calls not yet matched by nvmlShutdown

std::vector<FakeGpu> ReadGpus() {
  std::vector<FakeGpu> gpus;
  const char* path = std::getenv("SHARC_FAKE_NVML_FILE");
  if (path == nullptr) return gpus;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    FakeGpu gpu;
    if (fields >> gpu.energy_mj >> gpu.power_mw >> gpu.utilization) gpus.push_back(gpu);
  }
  return gpus;
}

void Log(const char* event) {
  const char* path = std::getenv("SHARC_FAKE_NVML_LOG");
  if (path != nullptr) std::ofstream(path, std::ios::app) << event << "\n";
}

// Handles are the GPU index + 1, so a null handle is never valid.
void* HandleOf(unsigned int index) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(index) + 1);
}

// The GPU behind `handle`, or nullptr.
const FakeGpu* Find(const std::vector<FakeGpu>& gpus, void* handle) {
  uintptr_t index = reinterpret_cast<uintptr_t>(handle);
  return index >= 1 && index <= gpus.size() ? &gpus[index - 1] : nullptr;
}

}  // namespace

extern "C" {

int nvmlInit_v2() {
  Log("init");
  if (const char* error = std::getenv("SHARC_FAKE_NVML_INIT_ERROR")) return std::atoi(error);
  ++initialized;
  return kSuccess;
}

int nvmlShutdown() {
  Log("shutdown");
  if (initialized == 0) return kUninitialized;
  --initialized;
  return kSuccess;
}

const char* nvmlErrorString(int code) {
  switch (code) {
    case kSuccess:
      return "Success";
    case kUninitialized:
      return "Uninitialized";
    case kInvalidArgument:
      return "Invalid Argument";
    case kNotSupported:
      return "Not Supported";
    case 9:
      return "Driver Not Loaded";
    default:
      return "Unknown Error";
  }
}

int nvmlDeviceGetCount_v2(unsigned int* count) {
  if (initialized == 0) return kUninitialized;
  *count = static_cast<unsigned int>(ReadGpus().size());
  return kSuccess;
}

int nvmlDeviceGetHandleByIndex_v2(unsigned int index, void** device) {
  if (initialized == 0) return kUninitialized;
  if (index >= ReadGpus().size()) return kInvalidArgument;
  *device = HandleOf(index);
  return kSuccess;
}

int nvmlDeviceGetTotalEnergyConsumption(void* device, unsigned long long* energy) {
  if (initialized == 0) return kUninitialized;
  std::vector<FakeGpu> gpus = ReadGpus();
  const FakeGpu* gpu = Find(gpus, device);
  if (gpu == nullptr) return kInvalidArgument;
  if (gpu->energy_mj == "-") return kNotSupported;
  *energy = std::strtoull(gpu->energy_mj.c_str(), nullptr, 10);
  return kSuccess;
}

int nvmlDeviceGetPowerUsage(void* device, unsigned int* power) {
  if (initialized == 0) return kUninitialized;
  std::vector<FakeGpu> gpus = ReadGpus();
  const FakeGpu* gpu = Find(gpus, device);
  if (gpu == nullptr) return kInvalidArgument;
  *power = gpu->power_mw;
  return kSuccess;
}

struct FakeUtilization {
  unsigned int gpu;
  unsigned int memory;
};

int nvmlDeviceGetUtilizationRates(void* device, FakeUtilization* utilization) {
  if (initialized == 0) return kUninitialized;
  std::vector<FakeGpu> gpus = ReadGpus();
  const FakeGpu* gpu = Find(gpus, device);
  if (gpu == nullptr) return kInvalidArgument;
  utilization->gpu = gpu->utilization;
  utilization->memory = 0;
  return kSuccess;
}

}  // extern "C"
