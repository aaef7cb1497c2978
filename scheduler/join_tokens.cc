#include "scheduler/join_tokens.h"

#include "protocol/node_codec.h"
#include "scheduler/auth.h"

namespace sharc::scheduler {

void JoinTokens::Restore(const std::vector<store::JoinTokenRecord>& stored) {
  by_node_.clear();
  node_by_hash_.clear();
  for (const store::JoinTokenRecord& token : stored) {
    by_node_[token.node] = token;
    node_by_hash_[token.sha256] = token.node;
  }
}

StatusOr<std::pair<store::JoinTokenRecord, std::string>> JoinTokens::Issue(
    const std::string& node, std::chrono::milliseconds lifetime, UnixMillis now,
    const std::string& issued_by, std::vector<store::Mutation>* out) {
  SHARC_RETURN_IF_ERROR(protocol::ValidateNodeName(node));
  if (lifetime < std::chrono::seconds(1) || lifetime > kMaxJoinTokenLifetime) {
    return InvalidArgumentError("expires_in: from 1s to 7d (a join token is for one setup)");
  }
  std::string token = NewToken();
  store::JoinTokenRecord record{node, Sha256Hex(token), now, now + lifetime.count(), issued_by};
  if (const store::JoinTokenRecord* earlier = Find(node)) node_by_hash_.erase(earlier->sha256);
  by_node_[node] = record;
  node_by_hash_[record.sha256] = node;
  out->push_back(store::PutJoinToken{record});
  return std::pair{record, token};
}

std::optional<std::string> JoinTokens::NodeOf(const std::string& token, UnixMillis now) const {
  auto it = node_by_hash_.find(Sha256Hex(token));
  if (it == node_by_hash_.end()) return std::nullopt;
  if (now >= by_node_.at(it->second).expires) return std::nullopt;
  return it->second;
}

void JoinTokens::Consume(const std::string& node, std::vector<store::Mutation>* out) {
  auto it = by_node_.find(node);
  if (it == by_node_.end()) return;
  node_by_hash_.erase(it->second.sha256);
  by_node_.erase(it);
  out->push_back(store::DeleteJoinToken{node});
}

const store::JoinTokenRecord* JoinTokens::Find(const std::string& node) const {
  auto it = by_node_.find(node);
  return it == by_node_.end() ? nullptr : &it->second;
}

}  // namespace sharc::scheduler
