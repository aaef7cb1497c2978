#include "scheduler/rest_route_table.h"

namespace sharc::scheduler {
namespace {

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (true) {
    size_t slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) return out;
    path.remove_prefix(slash + 1);
  }
}

bool IsParameter(std::string_view segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

// Matches pattern segments [p, end) against path segments [s, end).
bool MatchFrom(const std::vector<std::string_view>& pattern, size_t p,
               const std::vector<std::string_view>& path, size_t s, PathParams* params) {
  if (p == pattern.size()) return s == path.size();
  if (s == path.size() || path[s].empty()) return false;
  if (!IsParameter(pattern[p])) {
    return pattern[p] == path[s] && MatchFrom(pattern, p + 1, path, s + 1, params);
  }
  std::string name(pattern[p].substr(1, pattern[p].size() - 2));
  // A tenant's path is "enterprise" or "enterprise/project".
  const size_t widest = name == "tenant" ? 2 : 1;
  for (size_t width = 1; width <= widest && s + width <= path.size(); ++width) {
    if (path[s + width - 1].empty()) break;
    if (!MatchFrom(pattern, p + 1, path, s + width, params)) continue;
    std::string value(path[s]);
    for (size_t i = 1; i < width; ++i) value += "/" + std::string(path[s + i]);
    params->insert_or_assign(std::move(name), std::move(value));
    return true;
  }
  return false;
}

}  // namespace

bool MatchPattern(std::string_view pattern, std::string_view path, PathParams* params) {
  params->clear();
  return MatchFrom(Segments(pattern), 0, Segments(path), 0, params);
}

Status CheckQueryNames(std::string_view accepted, const std::map<std::string, std::string>& query,
                       std::string_view route) {
  for (const auto& [name, value] : query) {
    bool known = false;
    std::string_view rest = accepted;
    while (!rest.empty() && !known) {
      size_t comma = rest.find(',');
      known = rest.substr(0, comma) == name;
      rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    }
    if (known) continue;
    std::string takes =
        accepted.empty() ? "takes no query parameters" : "takes " + std::string(accepted);
    for (size_t comma = takes.find(','); comma != std::string::npos;
         comma = takes.find(',', comma + 2)) {
      takes.replace(comma, 1, ", ");
    }
    return InvalidArgumentError("unknown query parameter '" + name + "': " + std::string(route) +
                                " " + takes);
  }
  return Status::Ok();
}

}  // namespace sharc::scheduler
