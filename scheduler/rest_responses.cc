#include "scheduler/rest_responses.h"

#include <charconv>

#include "protocol/rest_errors.h"

namespace sharc::scheduler {

net::HttpResponse JsonResponse(int status, const protocol::Json& body) {
  net::HttpResponse response;
  response.status = status;
  response.body = protocol::DumpJson(body);
  return response;
}

net::HttpResponse ErrorResponse(const Status& status) {
  net::HttpResponse response;
  response.status = protocol::HttpStatusFor(status.code());
  response.body = protocol::ErrorBody(status);
  if (status.code() == StatusCode::kUnauthenticated) {
    response.headers.emplace_back("WWW-Authenticate", "Bearer");
  }
  return response;
}

StatusOr<int64_t> ParseInt(std::string_view name, std::string_view text, int64_t min, int64_t max) {
  int64_t value = 0;
  auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || p != text.data() + text.size() || value < min || value > max) {
    return InvalidArgumentError(std::string(name) + ": '" + std::string(text) +
                                "' is not a number between " + std::to_string(min) + " and " +
                                std::to_string(max));
  }
  return value;
}

std::string Query(const net::HttpRequest& request, const std::string& key, std::string fallback) {
  auto it = request.query.find(key);
  return it == request.query.end() ? fallback : it->second;
}

StatusOr<protocol::Json> JsonBody(const net::HttpRequest& request) {
  StatusOr<protocol::Json> body = protocol::ParseJson(request.body.empty() ? "{}" : request.body,
                                                             protocol::kMaxRequestBodyBytes);
  if (!body.ok()) return body.status().WithPrefix("body");
  return body;
}

net::HttpResponse MethodNotAllowed(const net::HttpRequest& request, const std::string& allowed) {
  net::HttpResponse r = ErrorResponse(InvalidArgumentError(request.method + " is not allowed on " +
                                                           request.path + "; use " + allowed));
  r.status = 405;
  r.headers.emplace_back("Allow", allowed);
  return r;
}

StatusOr<Period> PeriodQuery(const net::HttpRequest& request) {
  StatusOr<UnixMillis> from = ParseRfc3339(Query(request, "from"));
  if (!from.ok()) return from.status().WithPrefix("from");
  StatusOr<UnixMillis> to = ParseRfc3339(Query(request, "to"));
  if (!to.ok()) return to.status().WithPrefix("to");
  return Period{*from, *to};
}

}  // namespace sharc::scheduler
