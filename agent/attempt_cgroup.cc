#include "agent/attempt_cgroup.h"

#include <csignal>

#include "agent/attempt_setup.h"
#include "agent/process_launcher.h"
#include "core/log.h"

namespace sharc::agent {
namespace {

bool HasCgroup(CgroupManager* cgroups, const JournalRecord& record) {
  return cgroups != nullptr && !record.cgroup.empty();
}

}  // namespace

void SignalAttempt(CgroupManager* cgroups, const JournalRecord& record, int signal) {
  if (HasCgroup(cgroups, record)) {
    if (signal == SIGKILL) {
      if (Status s = cgroups->KillAll(record.cgroup); !s.ok()) LogWarning("agent", s.message());
      return;
    }
    if (StatusOr<std::vector<int>> pids = cgroups->Pids(record.cgroup); pids.ok()) {
      for (int pid : *pids) ::kill(pid, signal);
      return;
    }
  }
  (void)SignalJob(record.job_pid, signal);
}

void RemoveAttemptCgroup(CgroupManager* cgroups, const std::string& name) {
  if (cgroups == nullptr || name.empty()) return;
  if (Status s = cgroups->KillAll(name); !s.ok()) LogWarning("agent", s.message());
  if (Status s = cgroups->Remove(name); !s.ok()) LogWarning("agent", s.message());
}

AttemptCpuTime MeasureCpuTime(CgroupManager* cgroups, const JournalRecord& record,
                              bool launched_here) {
  AttemptCpuTime cpu_time;
  cpu_time.attempt = record.launch.attempt;
  if (const NodeAllocation* part = record.launch.part()) cpu_time.gpus = part->gpus;
  cpu_time.new_since_previous = launched_here;
  if (!HasCgroup(cgroups, record)) return cpu_time;
  StatusOr<std::map<int, int64_t>> per_cpu = cgroups->CpuTimePerCpuMicros(record.cgroup);
  if (per_cpu.ok()) {
    cpu_time.cpu_us = std::move(*per_cpu);
  } else {
    LogDebug("agent",
             AttemptName(record.launch.attempt) + ": no CPU time: " + per_cpu.status().message());
  }
  return cpu_time;
}

void ReadFinalUsage(CgroupManager* cgroups, const JournalRecord& record,
                    protocol::AttemptReport* report) {
  if (!HasCgroup(cgroups, record)) return;
  if (StatusOr<JobUsage> usage = cgroups->Usage(record.cgroup); usage.ok()) {
    report->cpu_time_ms = usage->cpu_time_ms;
    report->peak_memory_bytes = usage->peak_memory_bytes;
    report->oom_killed = usage->oom_killed;
  }
}

}  // namespace sharc::agent
