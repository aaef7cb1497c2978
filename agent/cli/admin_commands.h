// The `sharc admin ...` verbs: tenants, tokens, grants and the ledger check. Like the other
// verbs (commands.h), each prints data on stdout and diagnostics on stderr and returns the exit
// code: 0 success, 1 the request failed, 2 bad usage (found before any request is sent).
#ifndef SHARC_AGENT_CLI_ADMIN_COMMANDS_H_
#define SHARC_AGENT_CLI_ADMIN_COMMANDS_H_

#include <string>

#include "agent/cli/admin_requests.h"
#include "agent/cli/commands.h"

namespace sharc::cli {

int RunTenantCreate(const GlobalOptions& global, const TenantOptions& options);
int RunTenantUpdate(const GlobalOptions& global, const TenantOptions& options);
int RunTenantList(const GlobalOptions& global);
int RunTenantShow(const GlobalOptions& global, const std::string& name);
// `admin tenant disable` (enabled = false) and `admin tenant enable`.
int RunTenantSetEnabled(const GlobalOptions& global, const std::string& name, bool enabled);

// Prints the new token alone on stdout (table mode), and on stderr that it is shown only once.
int RunTokenIssue(const GlobalOptions& global, const TokenIssueOptions& options);
int RunTokenList(const GlobalOptions& global, const std::string& tenant);
int RunTokenRevoke(const GlobalOptions& global, const std::string& id);

int RunGrantAdd(const GlobalOptions& global, const GrantAddOptions& options);
int RunGrantList(const GlobalOptions& global, const std::string& tenant);

// 0 when every grant's balances agree with the ledger; 1 (mismatches on stdout) otherwise.
int RunLedgerVerify(const GlobalOptions& global);
// `admin node drain NODE --reason R` / `admin node resume NODE`: prints the node's row.
int RunNodeDrain(const GlobalOptions& global, const std::string& node, const std::string& reason);
int RunNodeResume(const GlobalOptions& global, const std::string& node);
// `admin node revoke NODE`: NODE's credential and join token stop working, its agent is cut
// off at once and the node is DOWN (its jobs requeued or failed) until it joins again.
int RunNodeRevoke(const GlobalOptions& global, const std::string& node);

// `admin node token issue NODE [--expires D]`: prints the one-time join token alone on stdout.
int RunNodeJoinTokenIssue(const GlobalOptions& global, const std::string& node,
                          const std::string& expires);

// `admin facility reading add|list`.
int RunFacilityReadingAdd(const GlobalOptions& global, const FacilityReadingOptions& options);
int RunFacilityReadingList(const GlobalOptions& global);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_ADMIN_COMMANDS_H_
