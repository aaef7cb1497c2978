// Route patterns, and the REST API's route table itself: every route is reachable, and the
// words after a tenant's path are the ones TenantService keeps out of project names.
#include "scheduler/rest_route_table.h"

#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "scheduler/rest_api.h"
#include "scheduler/tenant_service.h"

namespace sharc::scheduler {
namespace {

TEST(RouteTableTest, PatternsMatchLiteralsAndParameters) {
  PathParams params;
  EXPECT_TRUE(MatchPattern("/v1/jobs/{job}/cancel", "/v1/jobs/12_3/cancel", &params));
  EXPECT_EQ(params.at("job"), "12_3");
  EXPECT_FALSE(MatchPattern("/v1/jobs/{job}/cancel", "/v1/jobs/12/output", &params));
  EXPECT_FALSE(MatchPattern("/v1/jobs/{job}", "/v1/jobs/", &params)) << "empty segment";
  EXPECT_FALSE(MatchPattern("/v1/jobs/{job}", "/v1/jobs/1/2", &params));
  EXPECT_FALSE(MatchPattern("/v1/jobs", "/v1/jobs/", &params));
  EXPECT_TRUE(MatchPattern("/healthz", "/healthz", &params));
  EXPECT_TRUE(params.empty());
}

TEST(RouteTableTest, ATenantsPathIsAnEnterpriseOrAProject) {
  PathParams params;
  EXPECT_TRUE(MatchPattern("/v1/tenants/{tenant}/tokens", "/v1/tenants/acme/tokens", &params));
  EXPECT_EQ(params.at("tenant"), "acme");
  EXPECT_TRUE(
      MatchPattern("/v1/tenants/{tenant}/tokens", "/v1/tenants/acme/vision/tokens", &params));
  EXPECT_EQ(params.at("tenant"), "acme/vision");
  EXPECT_TRUE(MatchPattern("/v1/tenants/{tenant}", "/v1/tenants/acme/vision", &params));
  EXPECT_EQ(params.at("tenant"), "acme/vision");
  EXPECT_FALSE(MatchPattern("/v1/tenants/{tenant}", "/v1/tenants/a/b/c", &params));
  EXPECT_FALSE(MatchPattern("/v1/tenants/{tenant}", "/v1/tenants/acme/", &params));
}

TEST(RouteTableTest, AnUnknownPathIs404AndAnotherMethod405WithTheAllowedOnes) {
  const auto& routes = RestApi::Routes();
  auto miss = std::get<RouteMiss>(FindRoute(routes, "GET", "/v1/nope"));
  EXPECT_EQ(miss.status.code(), StatusCode::kNotFound);
  EXPECT_EQ(miss.allowed, "");
  miss = std::get<RouteMiss>(FindRoute(routes, "DELETE", "/v1/jobs"));
  EXPECT_EQ(miss.allowed, "GET, POST");
  miss = std::get<RouteMiss>(FindRoute(routes, "POST", "/healthz"));
  EXPECT_EQ(miss.allowed, "GET");
  auto head = std::get<RouteMatch>(FindRoute(routes, "HEAD", "/healthz"));
  EXPECT_EQ(routes[head.index].pattern, "/healthz");
  auto usage = std::get<RouteMatch>(FindRoute(routes, "GET", "/v1/tenants/acme/vision/usage"));
  EXPECT_EQ(routes[usage.index].pattern, "/v1/tenants/{tenant}/usage");
  EXPECT_EQ(usage.params.at("tenant"), "acme/vision");
}

// A path that `pattern` matches: each parameter filled in.
std::string Example(std::string_view pattern) {
  std::string out(pattern);
  for (auto [param, value] : {std::pair{"{job}", "12"},
                              {"{tenant}", "acme/vision"},
                              {"{node}", "n1"},
                              {"{token}", "abc"}}) {
    if (size_t at = out.find(param); at != std::string::npos) out.replace(at, strlen(param), value);
  }
  return out;
}

TEST(RouteTableTest, EveryRouteIsReachableAndNeedsAnActionUnlessItIsTheHealthCheck) {
  const auto& routes = RestApi::Routes();
  std::set<std::pair<std::string_view, std::string_view>> seen;
  for (size_t i = 0; i < routes.size(); ++i) {
    const RestApi::Route& route = routes[i];
    SCOPED_TRACE(std::string(route.method) + " " + std::string(route.pattern));
    EXPECT_TRUE(seen.insert({route.method, route.pattern}).second) << "listed twice";
    EXPECT_NE(route.handler, nullptr);
    EXPECT_EQ(route.action.has_value(), route.pattern != "/healthz");
    auto found = FindRoute(routes, route.method, Example(route.pattern));
    ASSERT_TRUE(std::holds_alternative<RouteMatch>(found)) << "shadowed or unmatched";
    EXPECT_EQ(std::get<RouteMatch>(found).index, i) << "an earlier pattern takes its paths";
    const bool names_subject = route.pattern.find("{tenant}") != std::string_view::npos ||
                               route.pattern.find("{job}") != std::string_view::npos;
    EXPECT_EQ(names_subject,
              route.subject == SubjectFrom::kTenantPath || route.subject == SubjectFrom::kJobPath);
  }
}

TEST(RouteTableTest, TheWordsAfterATenantAreTheOnesNoProjectMayBeNamed) {
  std::set<std::string> words;
  for (const RestApi::Route& route : RestApi::Routes()) {
    std::string_view pattern = route.pattern;
    size_t at = pattern.find("{tenant}/");
    if (at != std::string_view::npos) words.insert(std::string(pattern.substr(at + 9)));
  }
  std::set<std::string> reserved(std::begin(kTenantActions), std::end(kTenantActions));
  EXPECT_EQ(words, reserved);
}

TEST(RouteTableTest, OnlyTheQueryParametersARouteReadsAreAccepted) {
  EXPECT_TRUE(
      CheckQueryNames("state,limit", {{"limit", "5"}, {"state", "RUNNING"}}, "GET /x").ok());
  EXPECT_TRUE(CheckQueryNames("", {}, "GET /x").ok());
  Status unknown = CheckQueryNames("state,limit", {{"stat", "RUNNING"}}, "GET /v1/jobs");
  EXPECT_EQ(unknown.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(unknown.message(), "unknown query parameter 'stat': GET /v1/jobs takes state, limit");
  Status none = CheckQueryNames("", {{"verbose", ""}}, "GET /v1/nodes");
  EXPECT_EQ(none.message(),
            "unknown query parameter 'verbose': GET /v1/nodes takes no query "
            "parameters");
  EXPECT_FALSE(CheckQueryNames("limits", {{"limit", "1"}}, "GET /x").ok()) << "whole names only";
}

}  // namespace
}  // namespace sharc::scheduler
