// Detection: a unified hierarchy at the root that offers cpuset, memory and pids wins (v2);
// otherwise the v1 controllers are looked up (mountinfo for the real root, directories for a
// fake one). When neither works, the error says what each lacked.
#include "agent/cgroup_manager.h"

#include <utility>

#include "agent/cgroup_files.h"
#include "agent/cgroup_v1.h"
#include "agent/cgroup_v2.h"

namespace sharc::agent {
namespace {

template <typename T>
StatusOr<std::unique_ptr<CgroupManager>> AsManager(StatusOr<std::unique_ptr<T>> opened) {
  if (!opened.ok()) return opened.status();
  return std::unique_ptr<CgroupManager>(std::move(opened).value());
}

}  // namespace

StatusOr<std::unique_ptr<CgroupManager>> CgroupManager::Open(const CgroupOptions& options) {
  SHARC_RETURN_IF_ERROR(ValidateParentPath(options.parent));
  if (options.force_version == CgroupVersion::kV2) return AsManager(CgroupV2::Open(options));
  if (options.force_version == CgroupVersion::kV1) {
    return AsManager(CgroupV1::Open(options, CgroupV1::Find(options)));
  }
  std::string v2_problem;
  if (PathExists(options.root + "/cgroup.controllers")) {
    StatusOr<std::unique_ptr<CgroupV2>> v2 = CgroupV2::Open(options);
    if (v2.ok()) return AsManager(std::move(v2));
    v2_problem = v2.status().message();
  }
  StatusOr<std::unique_ptr<CgroupV1>> v1 = CgroupV1::Open(options, CgroupV1::Find(options));
  if (v1.ok() || v2_problem.empty()) return AsManager(std::move(v1));
  return UnavailableError(v2_problem + "; and " + v1.status().message());
}

}  // namespace sharc::agent
