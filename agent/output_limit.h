// Caps a job's output file (stdout or stderr) at a size: what the job wrote beyond it is cut
// away and replaced by one line saying so. The job writes with O_APPEND (job_monitor.cc), so
// after a cut its writes land after that line, and the next cut removes them again: the file
// stays within the limit (plus what the job writes between two checks).
#ifndef SHARC_AGENT_OUTPUT_LIMIT_H_
#define SHARC_AGENT_OUTPUT_LIMIT_H_

#include <cstdint>
#include <string>

#include "core/status.h"

namespace sharc::agent {

// The line that marks the cut in a file capped at `limit_bytes`.
std::string OutputCutMarker(int64_t limit_bytes);

// If the file at `path` holds more than `limit_bytes` plus the marker, keeps its first
// `limit_bytes` and appends the marker. True if it cut. A missing file is not an error.
StatusOr<bool> CapOutputFile(const std::string& path, int64_t limit_bytes);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_OUTPUT_LIMIT_H_
