// The node's own credential: issued by the scheduler at the node's first join
// (protocol::RegisteredMsg::credential), presented in every later registration, kept in
// <state_dir>/node-credential with mode 0600 so that only the agent's user reads it.
#ifndef SHARC_AGENT_NODE_CREDENTIAL_H_
#define SHARC_AGENT_NODE_CREDENTIAL_H_

#include <string>

#include "core/status.h"

namespace sharc::agent {

std::string NodeCredentialPath(const std::string& state_dir);

// The kept credential; "" if there is none yet. InvalidArgument (naming the file) if the file
// is not a credential, PermissionDenied if others may read it; other errors of reading it.
StatusOr<std::string> LoadNodeCredential(const std::string& state_dir);

// Keeps `credential` (replacing any older one), durably, mode 0600.
Status SaveNodeCredential(const std::string& state_dir, const std::string& credential);

}  // namespace sharc::agent

#endif  // SHARC_AGENT_NODE_CREDENTIAL_H_
