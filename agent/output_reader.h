// Reads a slice of a job's captured output for the scheduler's output requests.
#ifndef SHARC_AGENT_OUTPUT_READER_H_
#define SHARC_AGENT_OUTPUT_READER_H_

#include <cstdint>
#include <string>

#include "core/status.h"

namespace sharc::agent {

struct OutputSlice {
  std::string data;
  int64_t total_size = 0;
};

// Up to `limit` bytes from `offset` of the regular file `path`, never following a symlink.
// NotFound if the file does not exist.
StatusOr<OutputSlice> ReadOutputSlice(const std::string& path, int64_t offset, int64_t limit);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_OUTPUT_READER_H_
