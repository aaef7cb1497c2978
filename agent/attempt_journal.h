// The agent's small local journal of the attempts it runs, so that a restarted agent re-adopts
// them: one JSON file per attempt in a root-only directory, written atomically (temporary
// file, fsync, rename) when the attempt starts, when it ends, and removed once the scheduler
// has acknowledged its end. The journal also keeps, per job, the highest attempt started here,
// so that fencing survives restarts.
//
//   {"launch": <the launch message>, "monitor_pid": 123, "job_pid": 124,
//    "monitor_start_ticks": 987654, "cgroup": "job-12.1", "requested_ending": "none",
//    "report": <the attempt report>}
//
// Record files are reused (spare_files.h, in <dir>/spare): a rewrite or a removal keeps the
// replaced file's inode for the next write, so that the journal allocates and frees no inodes
// in the steady state. The records' atomicity and durability are the same.
//
// A launch written by an agent of protocol version 1 (one node's grant in flat fields) is read
// as a one-part allocation with rank 0, so an upgraded agent re-adopts its running jobs.
#ifndef SHARC_AGENT_ATTEMPT_JOURNAL_H_
#define SHARC_AGENT_ATTEMPT_JOURNAL_H_

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "agent/spare_files.h"
#include "core/status.h"
#include "protocol/agent_messages.h"

namespace sharc::agent {

struct JournalRecord {
  protocol::LaunchMsg launch;
  pid_t monitor_pid = -1;
  pid_t job_pid = -1;
  // The monitor's start time in clock ticks since boot (/proc/<pid>/stat field 22): a pid
  // with another start time is a different process that reused the number.
  int64_t monitor_start_ticks = 0;
  std::string cgroup;  // "" when the node has no cgroups
  protocol::AttemptEnding requested_ending = protocol::AttemptEnding::kNone;
  protocol::AttemptReport report;
};

class AttemptJournal {
 public:
  // Creates `dir` (mode 0700) and its spare/ directory if needed.
  static StatusOr<AttemptJournal> Open(const std::string& dir);

  // Every record, sorted by attempt. A file that cannot be read is reported by name in the
  // error (the agent refuses to start rather than forget a job it may be running).
  StatusOr<std::vector<JournalRecord>> LoadAll() const;
  Status Save(const JournalRecord& record) const;
  Status Remove(const AttemptId& attempt) const;

  const std::string& dir() const { return dir_; }

 private:
  AttemptJournal(std::string dir, std::shared_ptr<SpareFiles> spares)
      : dir_(std::move(dir)), spares_(std::move(spares)) {}
  std::string PathOf(const AttemptId& attempt) const;
  std::string dir_;
  std::shared_ptr<SpareFiles> spares_;  // shared by copies; changed by const Save and Remove
};

// The start time of `pid` in clock ticks since boot, or nullopt if it does not exist.
std::optional<int64_t> ProcessStartTicks(pid_t pid);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_ATTEMPT_JOURNAL_H_
