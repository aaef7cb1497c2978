// How jobs and nodes look to people: table rows, the `show` page, and small formatters.
// JSON output (`-o json`) prints the server's objects unchanged: that is the stable contract.
#ifndef SHARC_AGENT_CLI_VIEWS_H_
#define SHARC_AGENT_CLI_VIEWS_H_

#include <string>

#include "core/clock.h"
#include "protocol/json_fields.h"

namespace sharc::cli {

// `sharc jobs` table for a list of job objects. An array job's tasks that have not started fold
// into one line, "12_[40-999]" (PENDING), like squeue; started tasks list as "12_3".
std::string RenderJobTable(const protocol::Json& jobs, UnixMillis now);
// `sharc jobs --start`: pending jobs with their expected start time and nodes ("N/A" without a
// reservation), like squeue --start.
std::string RenderStartTable(const protocol::Json& jobs);
// `sharc show` page for one job object.
std::string RenderJobDetails(const protocol::Json& job, UnixMillis now);
// `sharc nodes` table for a list of node objects. `wide` (`-o wide`) adds GPU ISLANDS: each
// island's GPU indices, islands joined by '|' ("0-3|4-7"; "0|1|2|3" when no two GPUs share a
// switch); GPUs whose island is unknown (agents that predate islands) last, after "?" ("?"
// alone when no island is known); "-" for a node without GPUs.
std::string RenderNodeTable(const protocol::Json& nodes, bool wide = false);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_VIEWS_H_
