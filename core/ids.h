// Typed identifiers, so a job id is never passed where a node name is expected.
#ifndef SHARC_CORE_IDS_H_
#define SHARC_CORE_IDS_H_

#include <compare>
#include <cstdint>
#include <functional>
#include <string>

namespace sharc {

// A job's id: assigned by the scheduler, positive, never reused. A requeued job keeps its id
// and gets a higher attempt number.
struct JobId {
  int64_t value = 0;
  friend auto operator<=>(const JobId&, const JobId&) = default;
};

// A launch of a job: the fencing token that keeps one attempt from running on two nodes.
struct AttemptId {
  JobId job;
  int32_t attempt = 0;
  friend auto operator<=>(const AttemptId&, const AttemptId&) = default;
};

// A string-valued name with its own type (tenants, nodes).
template <typename Tag>
struct Name {
  std::string value;
  friend auto operator<=>(const Name&, const Name&) = default;
};
struct TenantTag {};
struct NodeTag {};
using TenantName = Name<TenantTag>;
using NodeName = Name<NodeTag>;

}  // namespace sharc

template <>
struct std::hash<sharc::JobId> {
  size_t operator()(const sharc::JobId& id) const noexcept {
    return std::hash<int64_t>()(id.value);
  }
};
template <typename Tag>
struct std::hash<sharc::Name<Tag>> {
  size_t operator()(const sharc::Name<Tag>& n) const noexcept {
    return std::hash<std::string>()(n.value);
  }
};

#endif  // SHARC_CORE_IDS_H_
