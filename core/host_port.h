// "host:port" as the daemons' listen settings take it.
#ifndef SHARC_CORE_HOST_PORT_H_
#define SHARC_CORE_HOST_PORT_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"

namespace sharc {

// "127.0.0.1:7400" -> host and port; IPv6 in brackets: "[::1]:7400". Port 0 is allowed (the
// system picks one). The error quotes the text and says what to write.
Status ParseHostPort(std::string_view text, std::string* host, uint16_t* port);

}  // namespace sharc

#endif  // SHARC_CORE_HOST_PORT_H_
