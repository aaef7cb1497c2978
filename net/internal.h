// Helpers shared by the net/*.cc files only. Includes Asio: never include it from a header
// outside net/.
#ifndef SHARC_NET_INTERNAL_H_
#define SHARC_NET_INTERNAL_H_

#include <boost/asio/ip/tcp.hpp>
#include <string>
#include <string_view>

#include "core/status.h"
#include "net/http_types.h"

namespace sharc::net::internal {

// "127.0.0.1:53122", or "[::1]:53122" for IPv6.
std::string FormatEndpoint(const boost::asio::ip::tcp::endpoint& endpoint);

// ASCII lower-case copy (HTTP header names).
std::string LowerAscii(std::string_view text);

// True if `text` is safe inside an HTTP header line (no CR, LF or NUL).
bool IsSafeHeaderText(std::string_view text);

// A JSON error response in sharc's REST shape:
//   {"error":{"code":"invalid_argument","message":"..."}}
// `status` must not be OK.
HttpResponse JsonErrorResponse(int http_status, const Status& status);

}  // namespace sharc::net::internal

#endif  // SHARC_NET_INTERNAL_H_
