// The JSON record the store keeps for a node (the `record` column of the `nodes` table):
//
//   {"inventory": <protocol::EncodeInventory>, "state": "UP" | "DOWN" | "DRAIN",
//    "reason": "missed heartbeats", "last_seen": 1800000000000}
//
// Decoding is strict (unknown fields, wrong types and an invalid inventory are errors), so a
// damaged row is reported rather than half-loaded.
#ifndef SHARC_STORE_NODE_RECORD_CODEC_H_
#define SHARC_STORE_NODE_RECORD_CODEC_H_

#include <string>

#include "core/status.h"
#include "protocol/json_fields.h"
#include "store/store.h"

namespace sharc::store {

protocol::Json EncodeNodeRecord(const NodeRecord& node);
// `where` prefixes error messages, e.g. "node 'gpu1'".
StatusOr<NodeRecord> DecodeNodeRecord(const protocol::Json& json, const std::string& where);

}  // namespace sharc::store

#endif  // SHARC_STORE_NODE_RECORD_CODEC_H_
