// The JSON of an Allocation, the same wherever one is written down (the REST job object, the
// store's job record, the launch message): a list with one object per node, in rank order,
//
//   [{"node":"gpu1","cpus":"0-1","gpus":[0],"mem_bytes":1073741824,"binding":"real"}]
//
// with "cpus" in FormatCpuList's form and "binding" "real" or "simulated".
#ifndef SHARC_PROTOCOL_ALLOCATION_CODEC_H_
#define SHARC_PROTOCOL_ALLOCATION_CODEC_H_

#include <string>

#include "core/job.h"
#include "protocol/json_fields.h"

namespace sharc::protocol {

Json EncodeNodeAllocation(const NodeAllocation& part);
Json EncodeAllocation(const Allocation& allocation);
// Strict: unknown fields, wrong types and an allocation ValidateAllocation refuses are errors
// prefixed by `where` ("launch.allocation[0].cpus: ...").
StatusOr<Allocation> DecodeAllocation(const Json& json, const std::string& where);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_ALLOCATION_CODEC_H_
