// JSON shapes of node hardware and inventory, as agents register them and the store keeps
// them. Decoding validates what an agent claims: indices unique, references consistent,
// sizes in range, so the scheduler never trusts a malformed inventory.
//
//   {"name":"gpu1","labels":{"zone":"a"},"binding_simulated":true,"agent_version":"0.1.0",
//    "topology":{"packages":2,"cores":16,"memory_bytes":...,
//      "numa_nodes":[{"os_index":0,"memory_bytes":...}],
//      "pus":[{"os_index":0,"core":0,"numa":0,"package":0}],
//      "gpus":[{"index":0,"name":"cuda0","vendor":"10de","model":"H100",
//               "pci_bus_id":"0000:17:00.0","numa":0,"island":0}]}}
//
// A GPU's "island" (GpuInfo::island, 0..255) is written only when known: absent means -1
// (unknown), which is what records from agents that predate islands decode to, and what keeps
// an island-less inventory encoded exactly as before.
#ifndef SHARC_PROTOCOL_NODE_CODEC_H_
#define SHARC_PROTOCOL_NODE_CODEC_H_

#include "core/node.h"
#include "protocol/json_fields.h"

namespace sharc::protocol {

inline constexpr size_t kMaxPusPerNode = 1 << 14;
inline constexpr size_t kMaxGpusPerNode = 256;

Json EncodeTopology(const NodeTopology& topology);
StatusOr<NodeTopology> DecodeTopology(const Json& json, const std::string& where);

Json EncodeInventory(const NodeInventory& inventory);
StatusOr<NodeInventory> DecodeInventory(const Json& json, const std::string& where);

// Node names: 1..63 characters of [A-Za-z0-9._-], starting with a letter or digit.
Status ValidateNodeName(std::string_view name);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_NODE_CODEC_H_
