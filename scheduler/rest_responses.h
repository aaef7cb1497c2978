// Small helpers the REST handlers share: JSON and error responses, query parameters.
#ifndef SHARC_SCHEDULER_REST_RESPONSES_H_
#define SHARC_SCHEDULER_REST_RESPONSES_H_

#include <cstdint>
#include <string>
#include <string_view>

#include "core/clock.h"
#include "core/status.h"
#include "net/http_types.h"
#include "protocol/json_fields.h"

namespace sharc::scheduler {

net::HttpResponse JsonResponse(int status, const protocol::Json& body);
// The error body and status of protocol/rest_errors.h (401s carry WWW-Authenticate).
net::HttpResponse ErrorResponse(const Status& status);
// 405 for `request`'s method on its path, with an Allow header, e.g. allowed = "GET, POST".
net::HttpResponse MethodNotAllowed(const net::HttpRequest& request, const std::string& allowed);
// `text` as an integer in [min, max]; the error names `name`.
StatusOr<int64_t> ParseInt(std::string_view name, std::string_view text, int64_t min, int64_t max);
// A query parameter, or `fallback`.
std::string Query(const net::HttpRequest& request, const std::string& key,
                  std::string fallback = "");
// The query's `from` and `to` (RFC 3339 or a bare date); errors are prefixed with the name.
struct Period {
  UnixMillis from = 0;
  UnixMillis to = 0;
};
StatusOr<Period> PeriodQuery(const net::HttpRequest& request);
// The request body as a JSON object; errors are prefixed "body".
StatusOr<protocol::Json> JsonBody(const net::HttpRequest& request);

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_REST_RESPONSES_H_
