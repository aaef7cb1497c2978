#include "store/node_record_codec.h"

#include <cstdint>
#include <optional>

#include "protocol/node_codec.h"

namespace sharc::store {

protocol::Json EncodeNodeRecord(const NodeRecord& node) {
  protocol::Json json{{"inventory", protocol::EncodeInventory(node.inventory)},
                      {"state", NodeStateName(node.state)},
                      {"reason", node.reason},
                      {"last_seen", node.last_seen}};
  if (!node.credential_sha256.empty()) json["credential_sha256"] = node.credential_sha256;
  return json;
}

StatusOr<NodeRecord> DecodeNodeRecord(const protocol::Json& json, const std::string& where) {
  protocol::FieldReader reader(json, where);
  NodeRecord node;
  const protocol::Json* inventory = reader.RequiredRaw("inventory");
  std::string state;
  reader.RequiredString("state", &state);
  if (reader.ok()) {
    std::optional<NodeState> parsed = ParseNodeState(state);
    if (!parsed) reader.Fail("state", "unknown node state '" + state + "'");
    if (parsed) node.state = *parsed;
  }
  reader.OptionalString("reason", &node.reason);
  reader.RequiredInt("last_seen", &node.last_seen, 0, INT64_MAX);
  reader.OptionalString("credential_sha256", &node.credential_sha256);
  SHARC_RETURN_IF_ERROR(reader.Finish());
  SHARC_ASSIGN_OR_RETURN(node.inventory,
                         protocol::DecodeInventory(*inventory, reader.Path("inventory")));
  return node;
}

}  // namespace sharc::store
