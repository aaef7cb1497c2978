// How long an ended attempt's files stay on the node, and their removal.
//
// Each attempt leaves <state_dir>/jobs/<job>.<attempt>/ (stdout and stderr, which `sharc logs`
// reads through the agent, a gang's hostfile, and whatever the job wrote in its working
// directory) and <state_dir>/status/<job>.<attempt> (its exit status). Kept for good, they fill
// a busy node's disk. Both are removed once
//   - the runner no longer knows the attempt: it is not running or starting, and the scheduler
//     has acknowledged its end (so the report that the status file feeds is durable), and
//   - its status file is older than `keep_for`. That file is root's alone and written at the
//     job's end, so a job cannot put off its own removal (it owns its directory and every
//     file in it). An attempt that ended without one (its launch failed, or its monitor was
//     killed) is given an empty one by the first sweep that finds it: its age counts from then.
// Only names of the form <job>.<attempt> (ParseAttemptDirName) are touched.
//
// The removal itself runs in a child process (`rm -rf --one-file-system`): a job's directory
// may hold millions of files or a tree deeper than this process could hold open, and the
// agent's event loop must go on meanwhile (heartbeats, fencing, launches).
//
// Threading: JobDirRetention runs on the io_context's thread; FindExpiredAttempts is a plain
// function.
#ifndef SHARC_AGENT_JOB_DIR_RETENTION_H_
#define SHARC_AGENT_JOB_DIR_RETENTION_H_

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/ids.h"

namespace boost::asio {
class io_context;
}

namespace sharc::agent {

struct ExpiredAttempts {
  // What to remove, attempt by attempt: its directory, then its status file and that file's
  // leftover temporary (a monitor killed while writing it), which may not exist.
  std::vector<std::string> paths;
  int attempts = 0;
  bool more = false;  // expired attempts were left out (max_attempts)
};

// The expired attempts of `state_dir` (see above) at wall time `now`, at most `max_attempts`
// of them. Gives each unknown attempt that has no status file an empty one.
ExpiredAttempts FindExpiredAttempts(const std::string& state_dir,
                                    std::chrono::milliseconds keep_for, UnixMillis now,
                                    const std::set<AttemptId>& in_use, int max_attempts);

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
  // keep_for (at least a second, at most ten minutes) after the last removal ended, and a
  // second later while expired attempts are left. Logs what each removal did.
  void Start();
  // No new sweep; a removal under way finishes on its own.
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
