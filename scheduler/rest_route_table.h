// Route patterns of the REST API and how a request's path finds its route.
//
// A pattern is "/"-separated segments: literals, and parameters in braces. "{tenant}" matches a
// tenant's path, one segment or two ("acme", "acme/vision" for a project); any other parameter
// matches exactly one non-empty segment. The first pattern (in table order) that matches a
// path owns it, so a table lists "/v1/tenants/{tenant}/usage" before "/v1/tenants/{tenant}"
// (project names never equal such an action word; TenantService refuses them).
#ifndef SHARC_SCHEDULER_REST_ROUTE_TABLE_H_
#define SHARC_SCHEDULER_REST_ROUTE_TABLE_H_

#include <cstddef>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/status.h"

namespace sharc::scheduler {

using PathParams = std::map<std::string, std::string, std::less<>>;

// Whether `path` matches `pattern`; fills `params` (cleared first) when it does.
bool MatchPattern(std::string_view pattern, std::string_view path, PathParams* params);

// OK if every name in `query` is one of `accepted` (comma-separated names, "" for none);
// otherwise InvalidArgument naming the first unknown one and what `route` ("GET /v1/jobs")
// takes, so a misspelt filter is an error rather than a listing of everything.
Status CheckQueryNames(std::string_view accepted, const std::map<std::string, std::string>& query,
                       std::string_view route);

// The route a request found: its index in the table, and the path's parameters.
struct RouteMatch {
  size_t index = 0;
  PathParams params;
};

// What a request that found no route is told.
struct RouteMiss {
  Status status;        // NotFound, or InvalidArgument standing for 405 (see `allowed`)
  std::string allowed;  // for a known path with another method: "GET, POST"; else ""
};

// Finds the route for (method, path) in `routes`, whose elements have `method` and `pattern`.
// HEAD finds a GET route. A path no pattern matches is NotFound; a path whose pattern has no
// route for the method is a miss with `allowed` set (the 405 answer's Allow header).
template <typename Route>
std::variant<RouteMatch, RouteMiss> FindRoute(const std::vector<Route>& routes,
                                              std::string_view method, std::string_view path) {
  RouteMatch match;
  size_t first = 0;
  while (first < routes.size() && !MatchPattern(routes[first].pattern, path, &match.params)) {
    ++first;
  }
  if (first == routes.size()) {
    return RouteMiss{NotFoundError("no such endpoint: " + std::string(path)), ""};
  }
  std::string allowed;
  for (size_t i = first; i < routes.size(); ++i) {
    if (routes[i].pattern != routes[first].pattern) continue;
    if (routes[i].method == method || (method == "HEAD" && routes[i].method == "GET")) {
      match.index = i;
      return match;
    }
    if (!allowed.empty()) allowed += ", ";
    allowed += routes[i].method;
  }
  return RouteMiss{InvalidArgumentError(std::string(method) + " is not allowed on " +
                                        std::string(path) + ": use " + allowed),
                   allowed};
}

}  // namespace sharc::scheduler

#endif  // SHARC_SCHEDULER_REST_ROUTE_TABLE_H_
