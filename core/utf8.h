// UTF-8 as JSON carries it (RFC 3629): text that came from outside (hwloc, a driver, a file)
// must be valid UTF-8 before it goes into a message, or the JSON writer changes it on the way.
#ifndef SHARC_CORE_UTF8_H_
#define SHARC_CORE_UTF8_H_

#include <string>
#include <string_view>

namespace sharc {

// Whether `text` is valid UTF-8: no stray continuation bytes, no truncated, overlong or
// surrogate sequences, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);

// `text` with each byte that does not belong to a valid sequence replaced by U+FFFD (the
// replacement character); valid text comes back unchanged.
std::string ToValidUtf8(std::string_view text);

}  // namespace sharc

#endif  // SHARC_CORE_UTF8_H_
