// Plain HTTP request/response values, so that REST handlers never include Boost.Beast.
#ifndef SHARC_NET_HTTP_TYPES_H_
#define SHARC_NET_HTTP_TYPES_H_

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace sharc::net {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string target;                          // as received: "/v1/jobs?state=RUNNING"
  std::string path;                            // percent-decoded path: "/v1/jobs"
  std::map<std::string, std::string> query;    // percent-decoded; each name once
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string peer;  // "127.0.0.1:53122"
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
};

// Splits "/a/b?x=1&y=%20" into path "/a/b" and query {x:"1", y:" "} ("x" alone is x:"").
// InvalidArgument on bad percent-encoding, a parameter without a name, or one given twice
// (which value was meant cannot be told).
Status ParseTarget(std::string_view target, std::string* path,
                   std::map<std::string, std::string>* query);

// Percent-encodes a query value or path segment (RFC 3986 unreserved characters kept).
std::string UrlEncode(std::string_view text);

// The token of an "Authorization: Bearer <token>" header, or nullopt.
std::optional<std::string> BearerToken(const HttpRequest& request);

// "https://host:port/base" -> parts. Schemes: https, http, wss and ws; the port defaults to
// 443 with TLS, else 80.
struct Url {
  std::string scheme;  // "https", "http", "wss" or "ws", lower-case
  std::string host;
  uint16_t port = 0;
  std::string path;  // "" or "/base"

  bool tls() const { return scheme == "https" || scheme == "wss"; }
  // "https://host:port", for messages.
  std::string Origin() const { return scheme + "://" + host + ":" + std::to_string(port); }
};
StatusOr<Url> ParseUrl(std::string_view url);

}  // namespace sharc::net

#endif  // SHARC_NET_HTTP_TYPES_H_
