#include "protocol/allocation_codec.h"

#include <climits>

#include "core/units.h"

namespace sharc::protocol {
namespace {

constexpr std::string_view kReal = "real";
constexpr std::string_view kSimulated = "simulated";

// One part's fields, types only; the rules are ValidateAllocation's, applied to the whole.
Status ReadPart(const Json& json, const std::string& where, NodeAllocation* part) {
  using namespace allocation_field;
  FieldReader r(json, where);
  std::string cpus, binding;
  r.RequiredString(kNode, &part->node);
  r.RequiredString(kCpus, &cpus);
  r.OptionalIntList(kGpus, &part->gpus, INT_MIN, INT_MAX);
  r.RequiredInt(kMemoryBytes, &part->memory_bytes);
  r.RequiredString(kBinding, &binding);
  r.OptionalString(kAddress, &part->address);
  r.OptionalInt32(kPort, &part->port, 0, 65535);
  if (r.ok()) {
    StatusOr<std::vector<int>> cpu_list = ParseCpuList(cpus);
    if (!cpu_list.ok()) r.Fail(kCpus, cpu_list.status().message());
    if (cpu_list.ok()) part->cpus = std::move(*cpu_list);
    if (binding != kReal && binding != kSimulated) {
      r.Fail(kBinding, "must be 'real' or 'simulated'");
    }
    part->binding_simulated = binding == kSimulated;
  }
  return r.Finish();
}

}  // namespace

Json EncodeNodeAllocation(const NodeAllocation& part) {
  using namespace allocation_field;
  Json j = Json::object();
  j[kNode] = part.node;
  j[kCpus] = FormatCpuList(part.cpus);
  j[kGpus] = part.gpus;
  j[kMemoryBytes] = part.memory_bytes;
  j[kBinding] = part.binding_simulated ? kSimulated : kReal;
  if (!part.address.empty()) j[kAddress] = part.address;
  if (part.port != 0) j[kPort] = part.port;
  return j;
}

Json EncodeAllocation(const Allocation& allocation) {
  Json parts = Json::array();
  for (const NodeAllocation& part : allocation.nodes) parts.push_back(EncodeNodeAllocation(part));
  return parts;
}

StatusOr<Allocation> DecodeAllocation(const Json& json, const std::string& where) {
  if (!json.is_array()) {
    return InvalidArgumentError(where + ": must be a list of per-node parts");
  }
  Allocation allocation;
  allocation.nodes.resize(json.size());
  for (size_t i = 0; i < json.size(); ++i) {
    SHARC_RETURN_IF_ERROR(
        ReadPart(json[i], where + "[" + std::to_string(i) + "]", &allocation.nodes[i]));
  }
  SHARC_RETURN_IF_ERROR(ValidateAllocation(allocation, where));
  return allocation;
}

}  // namespace sharc::protocol
