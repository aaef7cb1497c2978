// One-time join tokens for nodes. An admin or operator issues one for a node by name
// (`sharc admin node token issue NAME --expires 1h`) and hands it to that node's agent
// (agent config join_token_file). The agent presents it once, at its first registration, and
// gets the node's own credential in exchange (node_sessions.h); the token is then gone. A token
// works for its node only and until it expires; a new one for the same node replaces the
// earlier one. Only SHA-256 hashes are kept, in the store.
//
// State thread only.
#ifndef SHARC_SCHEDULER_JOIN_TOKENS_H_
#define SHARC_SCHEDULER_JOIN_TOKENS_H_

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "core/clock.h"
#include "core/status.h"
#include "store/store.h"

namespace sharc::scheduler {

inline constexpr std::chrono::hours kMaxJoinTokenLifetime{24 * 7};

class JoinTokens {
 public:
  void Restore(const std::vector<store::JoinTokenRecord>& stored);

  // A new token for `node`, valid for `lifetime` (1s to kMaxJoinTokenLifetime); returns its
  // record and the token itself, which is never stored or shown again.
  StatusOr<std::pair<store::JoinTokenRecord, std::string>> Issue(const std::string& node,
                                                                 std::chrono::milliseconds lifetime,
                                                                 UnixMillis now,
                                                                 const std::string& issued_by,
                                                                 std::vector<store::Mutation>* out);
  // The node `token` lets join, if it is a join token that has not expired at `now`.
  std::optional<std::string> NodeOf(const std::string& token, UnixMillis now) const;
  // `node`'s token was used (or its agent has a credential now): it is gone.
  void Consume(const std::string& node, std::vector<store::Mutation>* out);
  const store::JoinTokenRecord* Find(const std::string& node) const;

 private:
  std::map<std::string, store::JoinTokenRecord> by_node_;
  std::map<std::string, std::string> node_by_hash_;
};

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_JOIN_TOKENS_H_
