// `sharc admin audit` and `sharc admin audit verify`: the scheduler's audit log (admins and
// auditors), over GET /v1/audit and POST /v1/audit/verify.
#ifndef SHARC_AGENT_CLI_AUDIT_COMMANDS_H_
#define SHARC_AGENT_CLI_AUDIT_COMMANDS_H_

#include <cstdint>
#include <string>

#include "agent/cli/commands.h"
#include "protocol/json_fields.h"

namespace sharc::cli {

struct AuditOptions {
  std::string since;  // RFC 3339 time or a date; "" = from the start
  std::string actor;  // "" = everyone
  int64_t limit = 100;
};

// The GET /v1/audit target for `options`; InvalidArgument names a bad option.
StatusOr<std::string> AuditTarget(const AuditOptions& options);
// One line per entry: SEQ TIME ACTOR ACTION STATUS REQUEST DETAIL (cut at 80 characters).
std::string RenderAudit(const protocol::Json& answer);

// Prints the entries; 0, or 1 if the request failed.
int RunAudit(const GlobalOptions& global, const AuditOptions& options);
// Prints the verification; 0 when the hash chain holds, 1 (and where it breaks) otherwise.
int RunAuditVerify(const GlobalOptions& global);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_AUDIT_COMMANDS_H_
