// The JSON of an Allocation, the same wherever one is written down (the store's job record;
// the REST job object and the launch message use the same part shape): a list with one
// object per node,
//
//   [{"node":"gpu1","cpus":"0-1","gpus":[0],"mem_bytes":1073741824,"binding":"real"}]
//
// with "cpus" in FormatCpuList's form and "binding" "real" or "simulated". An Allocation is one
// node's grant for now, so the list has exactly one element.
#ifndef SHARC_PROTOCOL_ALLOCATION_CODEC_H_
#define SHARC_PROTOCOL_ALLOCATION_CODEC_H_

#include <string>

#include "core/job.h"
#include "protocol/json_fields.h"

namespace sharc::protocol {

Json EncodeAllocation(const Allocation& allocation);
// Strict: unknown fields, wrong types and an allocation ValidateAllocation refuses are errors
// prefixed by `where`.
StatusOr<Allocation> DecodeAllocation(const Json& json, const std::string& where);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_ALLOCATION_CODEC_H_
