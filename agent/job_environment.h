// The environment a job starts with: clean (nothing inherited from the agent), then the
// defaults, then what the job asked for, then sharc's own variables, which a job cannot set:
//   PATH (default, unless the job sets it), HOME (the attempt directory),
//   SHARC_JOB_ID, SHARC_ATTEMPT, SHARC_TENANT, SHARC_NODE, SHARC_CPUS ("0-3,8"),
//   SHARC_GPUS and CUDA_VISIBLE_DEVICES ("0,1"; empty when no GPU was granted),
//   CUDA_DEVICE_ORDER=PCI_BUS_ID (so CUDA numbers GPUs as hwloc does),
//   SHARC_MEM_BYTES, SHARC_TIME_LIMIT_SECONDS, SHARC_BINDING ("real" or "simulated").
// A task of a job array also gets SHARC_ARRAY_JOB_ID (the array's id) and SHARC_ARRAY_TASK_ID
// (the task's index).
// A gang job's ranks (spec.num_nodes > 1, one process per node) also get what torchrun and MPI
// launchers read: SHARC_NODELIST ("n1,n2,n3", rank order), SHARC_NUM_NODES, SHARC_NODE_RANK,
// NNODES, NODE_RANK, RANK (= NODE_RANK), WORLD_SIZE (= NNODES), MASTER_ADDR (rank 0's node
// address), MASTER_PORT (the port the scheduler reserved there) and SHARC_HOSTFILE (the
// attempt directory's "hostfile": one "ADDRESS slots=CPUS" line per rank, for mpirun).
#ifndef SHARC_AGENT_JOB_ENVIRONMENT_H_
#define SHARC_AGENT_JOB_ENVIRONMENT_H_

#include <map>
#include <string>

#include "protocol/agent_messages.h"

namespace sharc::agent {

// `part` is this node's part of the launch's allocation: SHARC_NODE, SHARC_CPUS, SHARC_GPUS,
// SHARC_MEM_BYTES and SHARC_BINDING describe it.
std::map<std::string, std::string> BuildJobEnvironment(const protocol::LaunchMsg& launch,
                                                       const NodeAllocation& part,
                                                       const std::string& attempt_dir,
                                                       const std::string& default_path);

// The hostfile of a gang launch: one "ADDRESS slots=CPUS" line per rank (the node's name when
// its address is unknown).
std::string BuildHostfile(const protocol::LaunchMsg& launch);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_JOB_ENVIRONMENT_H_
