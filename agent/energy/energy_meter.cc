#include "agent/energy/energy_meter.h"

#include <algorithm>

#include "core/log.h"

namespace sharc::agent {

std::unique_ptr<EnergyMeter> EnergyMeter::Open(const NodeTopology& topology,
                                               const EnergyMeterOptions& options) {
  std::unique_ptr<RaplReader> rapl;
  if (StatusOr<std::unique_ptr<RaplReader>> opened = RaplReader::Open(options.rapl_root);
      opened.ok()) {
    rapl = std::move(*opened);
    LogInfo("agent", "CPU energy: measured by RAPL (" + std::to_string(rapl->packages()) +
                         " packages) at " + options.rapl_root);
  } else {
    LogInfo("agent", "CPU energy: MODELLED from CPU utilisation (" +
                         std::to_string(options.model.node_idle_milliwatts / 1000) + "-" +
                         std::to_string(options.model.node_peak_milliwatts / 1000) +
                         " W), no RAPL: " + opened.status().message());
  }
  std::unique_ptr<NvmlReader> nvml;
  if (!topology.gpus.empty()) {
    if (StatusOr<std::unique_ptr<NvmlReader>> opened = NvmlReader::Open(options.nvml_library);
        opened.ok()) {
      nvml = std::move(*opened);
      LogInfo("agent", "GPU energy: measured by NVML (" + std::to_string(nvml->gpus()) + " GPUs)");
    } else {
      LogInfo("agent",
              "GPU energy: MODELLED (held GPUs at peak, free ones at idle watts), no "
              "NVML: " +
                  opened.status().message());
      for (const GpuInfo& gpu : topology.gpus) {
        if (GpuWatts(options.model, gpu.model) == nullptr) {
          LogWarning("agent", "GPU " + std::to_string(gpu.index) + " (model '" + gpu.model +
                                  "'): no power figure configured and no \"default\"; its "
                                  "energy is reported as 0");
        }
      }
    }
  }
  return std::make_unique<EnergyMeter>(topology, options.model, std::move(rapl), std::move(nvml));
}

EnergyMeter::EnergyMeter(const NodeTopology& topology, PowerModelConfig model,
                         std::unique_ptr<RaplReader> rapl, std::unique_ptr<NvmlReader> nvml)
    : model_(std::move(model)), rapl_(std::move(rapl)), nvml_(std::move(nvml)) {
  for (const PuInfo& pu : topology.pus) {
    cpu_package_[pu.os_index] = pu.package;
    ++package_cpus_[pu.package];
  }
  for (const GpuInfo& gpu : topology.gpus) gpu_model_[gpu.index] = gpu.model;
  node_.cpu_source = rapl_ ? EnergySource::kRapl : EnergySource::kModel;
  if (!gpu_model_.empty()) node_.gpu_source = nvml_ ? EnergySource::kNvml : EnergySource::kModel;
}

EnergyMeter::~EnergyMeter() = default;

void EnergyMeter::LogOnce(const std::string& message) {
  if (message == last_error_) return;
  last_error_ = message;
  LogWarning("agent", "energy: " + message + " (counted as 0 for the interval)");
}

void EnergyMeter::MeasureCpus(int64_t interval_ms, int64_t busy_permille, IntervalEnergy* energy) {
  if (rapl_) {
    StatusOr<std::vector<RaplDomainEnergy>> read = rapl_->Read();
    if (!read.ok()) return LogOnce(read.status().message());
    for (const RaplDomainEnergy& domain : *read) {
      energy->package_microjoules[domain.package] += domain.microjoules;
      (domain.dram ? node_.dram_uj : node_.package_uj) += domain.microjoules;
    }
    return;
  }
  const int64_t total = ModelledMicrojoules(
      model_.node_idle_milliwatts, model_.node_peak_milliwatts, busy_permille, interval_ms);
  node_.package_uj += total;
  if (package_cpus_.empty()) {
    energy->package_microjoules[0] = total;  // no CPUs known: all idle
    return;
  }
  // Evenly over the packages; the rounding remainder goes to the first.
  const int64_t packages = static_cast<int64_t>(package_cpus_.size());
  for (const auto& [package, cpus] : package_cpus_) {
    energy->package_microjoules[package] = total / packages;
  }
  energy->package_microjoules.begin()->second += total % packages;
}

void EnergyMeter::MeasureGpus(int64_t interval_ms, const std::vector<AttemptCpuTime>& running,
                              IntervalEnergy* energy) {
  if (nvml_) {
    StatusOr<std::vector<GpuEnergy>> read = nvml_->Read();
    if (!read.ok()) return LogOnce(read.status().message());
    for (const GpuEnergy& gpu : *read) {
      energy->gpu_microjoules[gpu.index] = gpu.millijoules * 1000;
      node_.gpu_milliwatts[gpu.index] = gpu.milliwatts;
      node_.gpu_uj += gpu.millijoules * 1000;
    }
    return;
  }
  for (const auto& [index, model] : gpu_model_) {
    const bool held = std::any_of(running.begin(), running.end(), [&](const AttemptCpuTime& a) {
      return std::find(a.gpus.begin(), a.gpus.end(), index) != a.gpus.end();
    });
    const PowerModelConfig::Watts* watts = GpuWatts(model_, model);
    const int64_t idle = watts ? watts->idle_milliwatts : 0;
    const int64_t peak = watts ? watts->peak_milliwatts : 0;
    const int64_t microjoules = ModelledMicrojoules(idle, peak, held ? 1000 : 0, interval_ms);
    energy->gpu_microjoules[index] = microjoules;
    node_.gpu_milliwatts[index] = held ? peak : idle;
    node_.gpu_uj += microjoules;
  }
}

void EnergyMeter::Sample(int64_t now_ms, std::optional<int64_t> cpu_busy_permille,
                         const std::vector<AttemptCpuTime>& running) {
  if (!last_ms_) {
    // Priming: the counters' first read is a baseline, and so is every attempt's CPU time.
    if (rapl_) (void)rapl_->Read();
    if (nvml_) (void)nvml_->Read();
    for (const AttemptCpuTime& a : running) last_cpu_us_[a.attempt] = a.cpu_us;
    last_ms_ = now_ms;
    return;
  }
  const int64_t interval_ms = std::max<int64_t>(now_ms - *last_ms_, 0);
  last_ms_ = now_ms;

  // Packages and GPUs are attributed separately, so each attempt's share splits into its CPU
  // and GPU parts.
  IntervalEnergy cpu_energy{interval_ms, {}, package_cpus_, {}};
  IntervalEnergy gpu_energy{interval_ms, {}, {}, {}};
  MeasureCpus(interval_ms, cpu_busy_permille.value_or(0), &cpu_energy);
  MeasureGpus(interval_ms, running, &gpu_energy);

  std::vector<JobActivity> cpu_jobs, gpu_jobs;
  for (const AttemptCpuTime& a : running) {
    auto last = last_cpu_us_.find(a.attempt);
    if (last == last_cpu_us_.end()) {
      last = last_cpu_us_
                 .emplace(a.attempt, a.new_since_previous ? std::map<int, int64_t>{} : a.cpu_us)
                 .first;
    }
    JobActivity cpu_job{a.attempt, {}, {}};
    for (const auto& [cpu, us] : a.cpu_us) {
      auto package = cpu_package_.find(cpu);
      if (package == cpu_package_.end()) continue;  // not a CPU of this node's topology
      auto before = last->second.find(cpu);
      const int64_t delta = us - (before == last->second.end() ? 0 : before->second);
      if (delta > 0) cpu_job.package_cpu_us[package->second] += delta;
    }
    last->second = a.cpu_us;
    cpu_jobs.push_back(std::move(cpu_job));
    gpu_jobs.push_back(JobActivity{a.attempt, {}, a.gpus});
  }
  const Attribution cpu = Attribute(cpu_energy, cpu_jobs);
  const Attribution gpu = Attribute(gpu_energy, gpu_jobs);
  for (const auto& [id, microjoules] : cpu.job_microjoules) attempts_[id].cpu_uj += microjoules;
  for (const auto& [id, microjoules] : gpu.job_microjoules) attempts_[id].gpu_uj += microjoules;
  node_.idle_uj += cpu.idle_microjoules + gpu.idle_microjoules;
  node_.measured = true;
}

AttemptEnergy EnergyMeter::attempt(const AttemptId& id) const {
  auto it = attempts_.find(id);
  return it == attempts_.end() ? AttemptEnergy{} : it->second;
}

void EnergyMeter::Forget(const AttemptId& id) {
  attempts_.erase(id);
  last_cpu_us_.erase(id);
}

}  // namespace sharc::agent
