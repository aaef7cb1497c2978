#include "agent/energy/nvml_reader.h"

#include <dlfcn.h>

namespace sharc::agent {
namespace {

// The few NVML types used, as nvml.h declares them (C ABI).
using nvmlReturn_t = int;
using nvmlDevice_t = struct nvmlDevice_st*;
struct nvmlUtilization_t {
  unsigned int gpu;
  unsigned int memory;
};
constexpr nvmlReturn_t kNvmlSuccess = 0;

}  // namespace

// The loaded library and its functions. Shuts NVML down and unloads it when destroyed.
struct NvmlReader::Api {
  void* library = nullptr;
  bool initialized = false;
  nvmlReturn_t (*init)() = nullptr;
  nvmlReturn_t (*shutdown)() = nullptr;
  const char* (*error_string)(nvmlReturn_t) = nullptr;
  nvmlReturn_t (*device_count)(unsigned int*) = nullptr;
  nvmlReturn_t (*device_by_index)(unsigned int, nvmlDevice_t*) = nullptr;
  nvmlReturn_t (*total_energy)(nvmlDevice_t, unsigned long long*) = nullptr;
  nvmlReturn_t (*power_usage)(nvmlDevice_t, unsigned int*) = nullptr;
  nvmlReturn_t (*utilization)(nvmlDevice_t, nvmlUtilization_t*) = nullptr;
  std::vector<nvmlDevice_t> devices;

  Api() = default;
  Api(const Api&) = delete;
  Api& operator=(const Api&) = delete;
  ~Api() {
    if (initialized) shutdown();
    if (library != nullptr) ::dlclose(library);
  }

  // "nvmlDeviceGetPowerUsage: GPU is lost"
  std::string Error(const char* function, nvmlReturn_t code) const {
    const char* text = error_string(code);
    return std::string(function) + ": " +
           (text != nullptr ? std::string(text) : "NVML error " + std::to_string(code));
  }
};

namespace {

// Sets `*function` to the library's symbol `name`.
template <typename F>
Status Bind(void* library, const std::string& path, const char* name, F* function) {
  void* symbol = ::dlsym(library, name);
  if (symbol == nullptr) {
    return NotFoundError(path + ": has no " + name + ": not NVML, or a driver too old");
  }
  *function = reinterpret_cast<F>(symbol);
  return Status::Ok();
}

}  // namespace

StatusOr<std::unique_ptr<NvmlReader>> NvmlReader::Open(const std::string& library) {
  auto api = std::make_unique<Api>();
  api->library = ::dlopen(library.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (api->library == nullptr) {
    const char* error = ::dlerror();
    // dlerror names the file: "libnvidia-ml.so.1: cannot open shared object file: ...".
    return NotFoundError(
        "cannot load NVML: " + std::string(error != nullptr ? error : library + ": dlopen failed") +
        " (no NVIDIA driver on this node?)");
  }
  void* lib = api->library;
  SHARC_RETURN_IF_ERROR(Bind(lib, library, "nvmlInit_v2", &api->init));
  SHARC_RETURN_IF_ERROR(Bind(lib, library, "nvmlShutdown", &api->shutdown));
  SHARC_RETURN_IF_ERROR(Bind(lib, library, "nvmlErrorString", &api->error_string));
  SHARC_RETURN_IF_ERROR(Bind(lib, library, "nvmlDeviceGetCount_v2", &api->device_count));
  SHARC_RETURN_IF_ERROR(Bind(lib, library, "nvmlDeviceGetHandleByIndex_v2", &api->device_by_index));
  SHARC_RETURN_IF_ERROR(
      Bind(lib, library, "nvmlDeviceGetTotalEnergyConsumption", &api->total_energy));
  SHARC_RETURN_IF_ERROR(Bind(lib, library, "nvmlDeviceGetPowerUsage", &api->power_usage));
  SHARC_RETURN_IF_ERROR(Bind(lib, library, "nvmlDeviceGetUtilizationRates", &api->utilization));

  nvmlReturn_t code = api->init();
  if (code != kNvmlSuccess) {
    return UnavailableError("NVML did not initialise: " + api->Error("nvmlInit_v2", code));
  }
  api->initialized = true;
  unsigned int count = 0;
  code = api->device_count(&count);
  if (code != kNvmlSuccess) return UnavailableError(api->Error("nvmlDeviceGetCount_v2", code));
  for (unsigned int i = 0; i < count; ++i) {
    nvmlDevice_t device = nullptr;
    code = api->device_by_index(i, &device);
    if (code != kNvmlSuccess) {
      return UnavailableError("GPU " + std::to_string(i) + ": " +
                              api->Error("nvmlDeviceGetHandleByIndex_v2", code));
    }
    api->devices.push_back(device);
  }
  return std::unique_ptr<NvmlReader>(new NvmlReader(std::move(api)));
}

NvmlReader::NvmlReader(std::unique_ptr<Api> api)
    : api_(std::move(api)), last_mj_(api_->devices.size(), -1) {}

NvmlReader::~NvmlReader() = default;

StatusOr<std::vector<GpuEnergy>> NvmlReader::Read() {
  // All devices first, so a failed Read leaves the previous counters in place.
  std::vector<GpuEnergy> gpus;
  std::vector<int64_t> now_mj;
  for (size_t i = 0; i < api_->devices.size(); ++i) {
    nvmlDevice_t device = api_->devices[i];
    const std::string gpu = "GPU " + std::to_string(i) + ": ";
    unsigned long long energy_mj = 0;
    unsigned int power_mw = 0;
    nvmlUtilization_t utilization{};
    nvmlReturn_t code = api_->total_energy(device, &energy_mj);
    if (code != kNvmlSuccess) {
      return UnavailableError(gpu + api_->Error("nvmlDeviceGetTotalEnergyConsumption", code));
    }
    code = api_->power_usage(device, &power_mw);
    if (code != kNvmlSuccess) {
      return UnavailableError(gpu + api_->Error("nvmlDeviceGetPowerUsage", code));
    }
    code = api_->utilization(device, &utilization);
    if (code != kNvmlSuccess) {
      return UnavailableError(gpu + api_->Error("nvmlDeviceGetUtilizationRates", code));
    }
    now_mj.push_back(static_cast<int64_t>(energy_mj & 0x7fffffffffffffffULL));
    gpus.push_back({.index = static_cast<int>(i),
                    .milliwatts = power_mw,
                    .utilization_percent = static_cast<int>(utilization.gpu)});
  }
  for (size_t i = 0; i < gpus.size(); ++i) {
    // The counter runs since the driver loaded; one that went down means a reload: start over.
    if (last_mj_[i] >= 0 && now_mj[i] >= last_mj_[i]) gpus[i].millijoules = now_mj[i] - last_mj_[i];
    last_mj_[i] = now_mj[i];
  }
  return gpus;
}

int NvmlReader::gpus() const { return static_cast<int>(api_->devices.size()); }

}  // namespace sharc::agent
