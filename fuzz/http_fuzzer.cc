// What the REST API reads from a request line and headers before any handler runs, and the
// query parameters the handlers read: ParseTarget (net/http_types.h: the percent-decoded path
// and query string), the values of ?limit=&offset=&after=&rank= (ParseInt,
// scheduler/rest_responses.h), ?from=&to= (PeriodQuery, ParseRfc3339), ?state= (ParseJobState);
// BearerToken (the Authorization header); ParseUrl (agent and CLI configuration) and
// ParseHostPort (core/host_port.h, listen addresses).
//
// Invariants: a parsed target re-encoded with UrlEncode parses to the same path and query;
// integers come back within their bounds; a time ParseRfc3339 accepts has the shape it
// documents (digits in every field) and FormatRfc3339 writes it back to the same instant; a
// bearer token is never empty nor padded; a parsed URL or host:port written back parses the
// same.
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>

#include "core/clock.h"
#include "core/host_port.h"
#include "core/job.h"
#include "fuzz/fuzz_util.h"
#include "net/http_types.h"
#include "scheduler/rest_responses.h"

namespace sharc::fuzz {
namespace {

void CheckTarget(std::string_view text) {
  std::string path;
  std::map<std::string, std::string> query;
  if (!net::ParseTarget(text, &path, &query).ok()) return;
  FUZZ_CHECK(!path.empty() && path[0] == '/', path);
  // Written back: each path segment and each key and value percent-encoded.
  std::string target;
  size_t start = 0;
  while (start <= path.size()) {
    size_t slash = path.find('/', start);
    target += net::UrlEncode(path.substr(start, slash - start));
    if (slash == std::string::npos) break;
    target += '/';
    start = slash + 1;
  }
  std::string separator = "?";
  for (const auto& [key, value] : query) {
    target += separator + net::UrlEncode(key) + "=" + net::UrlEncode(value);
    separator = "&";
  }
  std::string path_again;
  std::map<std::string, std::string> query_again;
  Status again = net::ParseTarget(target, &path_again, &query_again);
  FUZZ_CHECK(again.ok(), again.message() + "\n" + target);
  FUZZ_CHECK(path_again == path && query_again == query, "changed through UrlEncode: " + target);

  // The handlers' reading of the query.
  net::HttpRequest request;
  request.target = std::string(text);
  request.path = path;
  request.query = query;
  for (const auto& [key, min, max] : {std::tuple<const char*, int64_t, int64_t>{"limit", 1, 10000},
                                      {"offset", 0, INT64_MAX},
                                      {"after", 0, INT64_MAX},
                                      {"rank", 0, kMaxNodesPerJob - 1}}) {
    StatusOr<int64_t> value =
        scheduler::ParseInt(key, scheduler::Query(request, key, "0"), min, max);
    if (value.ok()) FUZZ_CHECK(*value >= min && *value <= max, std::to_string(*value));
  }
  (void)scheduler::PeriodQuery(request);
  std::string states = scheduler::Query(request, "state");
  for (size_t s = 0; s <= states.size();) {
    size_t comma = states.find(',', s);
    (void)ParseJobState(states.substr(s, comma - s));
    if (comma == std::string::npos) break;
    s = comma + 1;
  }
}

bool AllDigits(std::string_view text, std::initializer_list<std::pair<size_t, size_t>> fields) {
  for (auto [at, length] : fields) {
    for (size_t i = at; i < at + length; ++i) {
      if (i >= text.size() || !std::isdigit(static_cast<unsigned char>(text[i]))) return false;
    }
  }
  return true;
}

void CheckTime(std::string_view text) {
  StatusOr<UnixMillis> t = ParseRfc3339(text);
  if (!t.ok()) return;
  // "2026-11-30", then "T06:03:40", then ".123", then "Z" or "+02:00".
  bool shaped = AllDigits(text, {{0, 4}, {5, 2}, {8, 2}}) &&
                (text.size() == 10 || AllDigits(text, {{11, 2}, {14, 2}, {17, 2}}));
  size_t zone = text.find_last_of("+-");
  if (text.size() > 10 && zone != std::string_view::npos && zone >= 19) {
    shaped = shaped && AllDigits(text, {{zone + 1, 2}, {zone + 4, 2}}) &&
             text.substr(zone + 1, 2) <= "23" && text.substr(zone + 4, 2) <= "59";
  }
  FUZZ_CHECK(shaped, "ParseRfc3339 accepted '" + std::string(text) + "'");
  if (*t >= 0 && *t <= kMaxRfc3339Millis) {
    std::string formatted = FormatRfc3339(*t);
    StatusOr<UnixMillis> again = ParseRfc3339(formatted);
    FUZZ_CHECK(again.ok() && *again == *t, formatted + " != " + std::to_string(*t));
  }
}

void CheckBearer(std::string_view text) {
  net::HttpRequest request;
  request.headers["authorization"] = std::string(text);
  std::optional<std::string> token = net::BearerToken(request);
  if (!token) return;
  FUZZ_CHECK(!token->empty(), "an empty token");
  for (char edge : {token->front(), token->back()}) {
    FUZZ_CHECK(edge != ' ' && edge != '\t', "a padded token");
  }
}

void CheckUrl(std::string_view text) {
  StatusOr<net::Url> url = net::ParseUrl(text);
  if (!url.ok()) return;
  FUZZ_CHECK(!url->host.empty() && url->port != 0, url->host);
  FUZZ_CHECK(url->path.empty() || (url->path[0] == '/' && url->path.back() != '/'), url->path);
  FUZZ_CHECK(url->path.find_first_of("?#") == std::string::npos, url->path);
  std::string written =
      url->scheme + "://" + url->host + ":" + std::to_string(url->port) + url->path;
  StatusOr<net::Url> again = net::ParseUrl(written);
  FUZZ_CHECK(again.ok(), again.status().message());
  FUZZ_CHECK(again->scheme == url->scheme && again->host == url->host && again->port == url->port &&
                 again->path == url->path,
             written);
}

void CheckHostPort(std::string_view text) {
  std::string host;
  uint16_t port = 0;
  if (!ParseHostPort(text, &host, &port).ok()) return;
  std::string written = "[" + host + "]:" + std::to_string(port);
  std::string host_again;
  uint16_t port_again = 0;
  FUZZ_CHECK(ParseHostPort(written, &host_again, &port_again).ok(), written);
  FUZZ_CHECK(host_again == host && port_again == port, written);
}

}  // namespace
}  // namespace sharc::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace sharc::fuzz;
  std::string_view text = AsText(data, size);
  CheckTarget(text);
  CheckTime(text);
  CheckBearer(text);
  CheckUrl(text);
  CheckHostPort(text);
  return 0;
}
