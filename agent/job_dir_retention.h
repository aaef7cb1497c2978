// How long an ended attempt's files stay on the node, and their removal.
//
// Each attempt leaves <state_dir>/jobs/<job>.<attempt>/ (stdout and stderr, which `sharc logs`
// reads through the agent, and a gang's hostfile) and <state_dir>/status/<job>.<attempt> (its
// exit status). Kept for good, they fill a busy node's disk. Both are removed once
//   - the runner no longer knows the attempt: it is not running or starting, and the scheduler
//     has acknowledged its end (so the report that the status file feeds is durable), and
//   - its status file is older than `keep_for`. That file is root's alone and written at the
//     job's end, so a job cannot put off its own removal (it owns its directory and every
//     file in it). An attempt that ended without one (its launch failed, or its monitor was
//     killed) is given an empty one by the first sweep that finds it: its age counts from then.
// Only names of the form <job>.<attempt> (ParseAttemptDirName) are touched.
//
// Threading: JobDirRetention runs on the io_context's thread; SweepJobDirs is a plain function.
#ifndef SHARC_AGENT_JOB_DIR_RETENTION_H_
#define SHARC_AGENT_JOB_DIR_RETENTION_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>

#include "core/clock.h"
#include "core/ids.h"

namespace boost::asio {
class io_context;
}

namespace sharc::agent {

struct JobDirSweep {
  int removed = 0;          // attempts whose files were removed
  int64_t freed_bytes = 0;  // the sizes of the files removed
  bool more = false;        // expired attempts were left for the next sweep (max_removals)
  std::string error;        // the first removal that failed, if any ("" = none)
};

// One pass over `state_dir`: removes the files of at most `max_removals` attempts that are not
// in `in_use` and whose status file was last modified more than `keep_for` before `now`.
JobDirSweep SweepJobDirs(const std::string& state_dir, std::chrono::milliseconds keep_for,
                         UnixMillis now, const std::set<AttemptId>& in_use, int max_removals);

class JobDirRetention {
 public:
  // `in_use`: the attempts the runner still knows (AttemptRunner::Reports).
  JobDirRetention(boost::asio::io_context& io, std::string state_dir,
                  std::chrono::milliseconds keep_for, const Clock& clock,
                  std::function<std::set<AttemptId>()> in_use);
  ~JobDirRetention();
  JobDirRetention(const JobDirRetention&) = delete;
  JobDirRetention& operator=(const JobDirRetention&) = delete;

  // Sweeps now (call after the runner has re-adopted its journal), then every tenth of
  // keep_for (at least a second, at most ten minutes), and again a second later while a sweep
  // leaves expired attempts behind. Logs what each sweep removed.
  void Start();
  void Stop();

  // The answer to an output request for an attempt that has no directory (removed, or never
  // made because its launch failed first).
  std::string GoneMessage() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sharc::agent

#endif  // SHARC_AGENT_JOB_DIR_RETENTION_H_
