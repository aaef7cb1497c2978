// What every verb shares: printing a failure or a usage error the CLI's way, printing a
// server object as JSON, and connecting to the scheduler.
#ifndef SHARC_AGENT_CLI_COMMAND_SUPPORT_H_
#define SHARC_AGENT_CLI_COMMAND_SUPPORT_H_

#include <functional>
#include <string>

#include "agent/cli/api_client.h"
#include "agent/cli/commands.h"
#include "core/status.h"
#include "protocol/json_fields.h"

namespace sharc::cli {

// Prints "sharc: <message>" on stderr and returns kExitFailed.
int Fail(const Status& status);
// Prints "sharc: <message>" on stderr and returns kExitUsage.
int Usage(const std::string& message);
// Pretty-prints `json` on stdout, unchanged (the `-o json` contract).
void PrintJson(const protocol::Json& json);
StatusOr<ApiClient> Connect(const GlobalOptions& global);

// Connects, sends one request and prints its answer: unchanged with -o json, else as `render`
// makes it. 0, or 1 (with the server's message on stderr) if the request failed.
int RunRequest(const GlobalOptions& global,
               const std::function<StatusOr<protocol::Json>(ApiClient&)>& request,
               const std::function<std::string(const protocol::Json&)>& render);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_COMMAND_SUPPORT_H_
