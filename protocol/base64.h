// Standard base64 (RFC 4648, with padding), for carrying job output bytes inside JSON.
#ifndef SHARC_PROTOCOL_BASE64_H_
#define SHARC_PROTOCOL_BASE64_H_

#include <string>
#include <string_view>

#include "core/status.h"

namespace sharc::protocol {

std::string Base64Encode(std::string_view bytes);
StatusOr<std::string> Base64Decode(std::string_view text);

}  // namespace sharc::protocol

#endif  // SHARC_PROTOCOL_BASE64_H_
