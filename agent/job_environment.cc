#include "agent/job_environment.h"

#include "core/units.h"

namespace sharc::agent {

std::map<std::string, std::string> BuildJobEnvironment(const protocol::LaunchMsg& launch,
                                                       const NodeAllocation& part,
                                                       const std::string& attempt_dir,
                                                       const std::string& default_path) {
  std::map<std::string, std::string> env;
  env["PATH"] = default_path;
  env["HOME"] = attempt_dir;
  for (const auto& [key, value] : launch.spec.env) env[key] = value;
  std::string gpus;
  for (int gpu : part.gpus) {
    if (!gpus.empty()) gpus += ',';
    gpus += std::to_string(gpu);
  }
  env["SHARC_JOB_ID"] = std::to_string(launch.attempt.job.value);
  env["SHARC_ATTEMPT"] = std::to_string(launch.attempt.attempt);
  env["SHARC_TENANT"] = launch.tenant;
  env["SHARC_NODE"] = part.node;
  env["SHARC_CPUS"] = FormatCpuList(part.cpus);
  env["SHARC_GPUS"] = gpus;
  env["CUDA_VISIBLE_DEVICES"] = gpus;
  // GPU indices are hwloc's, in PCI bus order; make CUDA number them the same way.
  env["CUDA_DEVICE_ORDER"] = "PCI_BUS_ID";
  env["SHARC_MEM_BYTES"] = std::to_string(part.memory_bytes);
  env["SHARC_TIME_LIMIT_SECONDS"] = std::to_string(launch.spec.time_limit_seconds);
  env["SHARC_BINDING"] = part.binding_simulated ? "simulated" : "real";
  if (launch.array_job.value > 0) {
    env["SHARC_ARRAY_JOB_ID"] = std::to_string(launch.array_job.value);
    env["SHARC_ARRAY_TASK_ID"] = std::to_string(launch.array_task);
  }
  const std::vector<NodeAllocation>& ranks = launch.allocation.nodes;
  if (launch.spec.num_nodes > 1 && !ranks.empty()) {
    std::string nodelist;
    for (const NodeAllocation& rank : ranks) nodelist += (nodelist.empty() ? "" : ",") + rank.node;
    const std::string count = std::to_string(ranks.size());
    const std::string rank = std::to_string(launch.rank);
    env["SHARC_NODELIST"] = nodelist;
    env["SHARC_NUM_NODES"] = env["NNODES"] = env["WORLD_SIZE"] = count;
    env["SHARC_NODE_RANK"] = env["NODE_RANK"] = env["RANK"] = rank;
    env["MASTER_ADDR"] = ranks[0].address.empty() ? ranks[0].node : ranks[0].address;
    env["MASTER_PORT"] = std::to_string(ranks[0].port);
    env["SHARC_HOSTFILE"] = attempt_dir + "/hostfile";
  }
  return env;
}

std::string BuildHostfile(const protocol::LaunchMsg& launch) {
  std::string out;
  for (const NodeAllocation& rank : launch.allocation.nodes) {
    out += (rank.address.empty() ? rank.node : rank.address) +
           " slots=" + std::to_string(rank.cpus.size()) + "\n";
  }
  return out;
}

}  // namespace sharc::agent
