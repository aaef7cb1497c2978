// How the efficiency report (`sharc report efficiency`) and the facility meter's readings look
// to people: a plain-text page, CSV and Markdown (the document an operator hands to an
// evaluation). Each takes the JSON the REST API sends (scheduler/efficiency_report.h); figures
// the server left out (null: a ratio with nothing to divide by) are shown as "-". A report
// without its "cluster" object or "method" is refused (InvalidArgument).
#ifndef SHARC_AGENT_CLI_EFFICIENCY_VIEWS_H_
#define SHARC_AGENT_CLI_EFFICIENCY_VIEWS_H_

#include <string>

#include "core/status.h"
#include "protocol/json_fields.h"

namespace sharc::cli {

StatusOr<std::string> RenderEfficiencyTable(const protocol::Json& report);
// One row per line (the cluster first, then each tenant), RFC 4180.
StatusOr<std::string> RenderEfficiencyCsv(const protocol::Json& report);
StatusOr<std::string> RenderEfficiencyMarkdown(const protocol::Json& report);

// `sharc admin facility reading list|add`: TIME, ENERGY, NOTE.
std::string RenderFacilityReadings(const protocol::Json& readings);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_EFFICIENCY_VIEWS_H_
