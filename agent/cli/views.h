// How jobs and nodes look to people: table rows, the `show` page, and small formatters.
// JSON output (`-o json`) prints the server's objects unchanged: that is the stable contract.
#ifndef SHARC_AGENT_CLI_VIEWS_H_
#define SHARC_AGENT_CLI_VIEWS_H_

#include <string>
#include <string_view>

#include "core/clock.h"
#include "protocol/json_fields.h"

namespace sharc::cli {

// How long a job ran (start to end, or to `now` while running), "-" before it started; times
// in RFC 3339 ("" = unset).
std::string ElapsedText(std::string_view start_time, std::string_view end_time, UnixMillis now);
// "REASON: message", or whichever of the two is set.
std::string ReasonText(std::string_view reason, std::string_view message);
// `s`, or "-" when it is empty.
std::string OrDash(std::string_view s);
// `sharc show` page for one job object.
std::string RenderJobDetails(const protocol::Json& job, UnixMillis now);
// `sharc nodes` table for a list of node objects. `wide` (`-o wide`) adds GPU ISLANDS: each
// island's GPU indices, islands joined by '|' ("0-3|4-7"; "0|1|2|3" when no two GPUs share a
// switch); GPUs whose island is unknown (agents that predate islands) last, after "?" ("?"
// alone when no island is known); "-" for a node without GPUs.
std::string RenderNodeTable(const protocol::Json& nodes, bool wide = false);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_VIEWS_H_
