#include "protocol/allocation_codec.h"

#include <climits>

#include "core/units.h"

namespace sharc::protocol {
namespace {

constexpr std::string_view kReal = "real";
constexpr std::string_view kSimulated = "simulated";

}  // namespace

Json EncodeAllocation(const Allocation& allocation) {
  using namespace allocation_field;
  Json part = Json::object();
  part[kNode] = allocation.node;
  part[kCpus] = FormatCpuList(allocation.cpus);
  part[kGpus] = allocation.gpus;
  part[kMemoryBytes] = allocation.memory_bytes;
  part[kBinding] = allocation.binding_simulated ? kSimulated : kReal;
  return Json::array({std::move(part)});
}

StatusOr<Allocation> DecodeAllocation(const Json& json, const std::string& where) {
  using namespace allocation_field;
  if (!json.is_array() || json.size() != 1) {
    return InvalidArgumentError(where + ": must be a list of one node's allocation");
  }
  FieldReader r(json[0], where + "[0]");
  Allocation allocation;
  std::string cpus, binding;
  r.RequiredString(kNode, &allocation.node);
  r.RequiredString(kCpus, &cpus);
  r.OptionalIntList(kGpus, &allocation.gpus, INT_MIN, INT_MAX);
  r.RequiredInt(kMemoryBytes, &allocation.memory_bytes);
  r.RequiredString(kBinding, &binding);
  if (r.ok()) {
    StatusOr<std::vector<int>> cpu_list = ParseCpuList(cpus);
    if (!cpu_list.ok()) r.Fail(kCpus, cpu_list.status().message());
    if (cpu_list.ok()) allocation.cpus = std::move(*cpu_list);
    if (binding != kReal && binding != kSimulated) {
      r.Fail(kBinding, "must be 'real' or 'simulated'");
    }
    allocation.binding_simulated = binding == kSimulated;
  }
  r.Check(ValidateAllocation(allocation));
  SHARC_RETURN_IF_ERROR(r.Finish());
  return allocation;
}

}  // namespace sharc::protocol
