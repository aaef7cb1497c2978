// The request `sharc submit` sends, built from its flags without a server. The flags become a
// protocol::SubmitItem, checked by the rules the scheduler applies to a submit
// (protocol::ValidateSubmitItem, i.e. core's) and encoded by the scheduler's own codec, so the
// CLI states no rule and no field name of its own. Errors name the flag the person typed:
// the rule's field is mapped to its flag ("cpus: ..." becomes "--cpus: ...").
#ifndef SHARC_AGENT_CLI_SUBMIT_REQUEST_H_
#define SHARC_AGENT_CLI_SUBMIT_REQUEST_H_

#include "agent/cli/commands.h"
#include "core/status.h"
#include "protocol/job_spec_codec.h"

namespace sharc::cli {

// What the flags ask for; InvalidArgument naming the flag if the scheduler would refuse it.
// --mem and --time left out (or 0) leave memory_bytes and time_limit_seconds 0: the
// scheduler's defaults; so does --name for the name.
StatusOr<protocol::SubmitItem> SubmitItemFromFlags(const SubmitOptions& options);

// The POST /v1/jobs body for SubmitItemFromFlags(options).
StatusOr<protocol::Json> SubmitBody(const SubmitOptions& options);

// `error` with a leading "<field>: " replaced by the field's flag ("mem_bytes: ..." ->
// "--mem: ..."); other messages are returned unchanged.
Status NameTheFlag(const Status& error);

}  // namespace sharc::cli

#endif  // SHARC_AGENT_CLI_SUBMIT_REQUEST_H_
