// `sharc usage`, `sharc report usage` and `sharc report efficiency`: what a tenant holds and
// owes now, what tenants used over a period, and how efficiently the data centre ran. Exit codes as
// in commands.h.
#ifndef SHARC_AGENT_CLI_REPORT_COMMANDS_H_
#define SHARC_AGENT_CLI_REPORT_COMMANDS_H_

#include <string>

#include "agent/cli/admin_requests.h"
#include "agent/cli/commands.h"

namespace sharc::cli {

// A tenant's token: its own usage (tenant "" or its own name). An admin must name a tenant.
int RunUsage(const GlobalOptions& global, const std::string& tenant);
// `global.output` may also be "csv" here.
int RunReportUsage(const GlobalOptions& global, const ReportOptions& options);
// Admins. `global.output` may also be "csv" or "md" here.
int RunReportEfficiency(const GlobalOptions& global, const ReportOptions& options);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_REPORT_COMMANDS_H_
