#include "core/version.h"

namespace sharc {

std::string_view Version() { return SHARC_VERSION; }
std::string_view GitRevision() { return SHARC_GIT_REVISION; }

}  // namespace sharc
