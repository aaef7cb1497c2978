// The build's version and revision, for --version and sharc_build_info.
#ifndef SHARC_CORE_VERSION_H_
#define SHARC_CORE_VERSION_H_

#include <string_view>

namespace sharc {

std::string_view Version();       // "0.1.0"
std::string_view GitRevision();   // short hash, or "unknown"

}  // namespace sharc

#endif  // SHARC_CORE_VERSION_H_
