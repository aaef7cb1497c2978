// What the agent does to a started attempt's processes and reads back from them, through the
// attempt's cgroup (JournalRecord::cgroup) where it has one, else through its process group:
// signals, the final kill and removal of the group, and the CPU time and usage it measured.
// Used by AttemptRunner; no Asio. Failures are logged, not returned: each of these is done
// again later (the next sample, the next kill) or is past mending (a group that will not go).
#ifndef SHARC_AGENT_ATTEMPT_CGROUP_H_
#define SHARC_AGENT_ATTEMPT_CGROUP_H_

#include <string>

#include "agent/attempt_journal.h"
#include "agent/cgroup_manager.h"
#include "agent/energy/energy_meter.h"
#include "protocol/agent_messages.h"

namespace sharc::agent {

// Sends `signal` to every process of the attempt: SIGKILL through the cgroup's kill (which
// reaches double-forked stragglers), any other signal to each process in the cgroup. Without
// a cgroup (`cgroups` null, or the attempt made none), to the job's process group.
void SignalAttempt(CgroupManager* cgroups, const JournalRecord& record, int signal);

// Kills whatever still runs in the cgroup `name` and removes it: nothing of a job may outlive
// it. Nothing to do without cgroups or with an empty name.
void RemoveAttemptCgroup(CgroupManager* cgroups, const std::string& name);

// The attempt's CPU time per CPU for the usage monitor, with the GPUs it holds. Without a
// cgroup the job's CPU time cannot be told apart from the rest of the node's: it stays empty
// (0), so its CPU energy goes to idle rather than being guessed. `launched_here`: started by
// this agent process, so all its CPU time is new since the previous sample.
AttemptCpuTime MeasureCpuTime(CgroupManager* cgroups, const JournalRecord& record,
                              bool launched_here);

// The attempt's CPU time, peak memory and OOM kill from its cgroup into `report`, before the
// group is removed. Leaves `report` as it is when there is no cgroup to read.
void ReadFinalUsage(CgroupManager* cgroups, const JournalRecord& record,
                    protocol::AttemptReport* report);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ATTEMPT_CGROUP_H_
