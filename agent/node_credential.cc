#include "agent/node_credential.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>

#include "core/file_util.h"
#include "protocol/agent_messages.h"

namespace sharc::agent {

std::string NodeCredentialPath(const std::string& state_dir) {
  return state_dir + "/node-credential";
}

StatusOr<std::string> LoadNodeCredential(const std::string& state_dir) {
  const std::string path = NodeCredentialPath(state_dir);
  StatusOr<std::string> text = ReadFile(path, protocol::kMaxNodeCredentialBytes + 1);
  if (!text.ok() && text.status().code() == StatusCode::kNotFound) return std::string();
  if (!text.ok()) return text.status();
  struct stat st;
  if (::stat(path.c_str(), &st) == 0 && (st.st_mode & 077) != 0) {
    return PermissionDeniedError(path + ": others may read this node's credential; chmod 600 " +
                                 path);
  }
  std::string credential = *text;
  while (!credential.empty() && std::isspace(static_cast<unsigned char>(credential.back()))) {
    credential.pop_back();
  }
  bool printable = std::all_of(credential.begin(), credential.end(),
                               [](unsigned char c) { return std::isgraph(c) != 0; });
  if (credential.empty() || credential.size() > protocol::kMaxNodeCredentialBytes || !printable) {
    return InvalidArgumentError(
        path + ": not a node credential (1 to " +
        std::to_string(protocol::kMaxNodeCredentialBytes) +
        " printable characters); remove it, and have an admin issue this node a join token "
        "('sharc admin node token issue NODE') for join_token_file");
  }
  return credential;
}

Status SaveNodeCredential(const std::string& state_dir, const std::string& credential) {
  return WriteFileAtomically(NodeCredentialPath(state_dir), credential + "\n", 0600);
}

}  // namespace sharc::agent
