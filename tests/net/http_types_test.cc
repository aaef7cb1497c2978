#include "net/http_types.h"

#include <gtest/gtest.h>

namespace sharc::net {
namespace {

TEST(ParseTargetTest, SplitsPathAndDecodesQuery) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/v1/jobs?state=RUNNING&name=a%20b&x=1+2", &path, &query).ok());
  EXPECT_EQ(path, "/v1/jobs");
  EXPECT_EQ(query, (std::map<std::string, std::string>{
                       {"state", "RUNNING"}, {"name", "a b"}, {"x", "1 2"}}));
}

TEST(ParseTargetTest, DecodesPathButKeepsPlusInPath) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/a%2Fb/c+d%7e", &path, &query).ok());
  EXPECT_EQ(path, "/a/b/c+d~");
  EXPECT_TRUE(query.empty());
}

TEST(ParseTargetTest, BareKeysAreEmptyAndEmptyPairsAreSkipped) {
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/x?a=1&&flag&", &path, &query).ok());
  EXPECT_EQ(query, (std::map<std::string, std::string>{{"a", "1"}, {"flag", ""}}));
}

TEST(ParseTargetTest, RefusesAParameterGivenTwiceOrWithoutAName) {
  std::string path;
  std::map<std::string, std::string> query;
  Status twice = ParseTarget("/v1/jobs?state=RUNNING&state=PENDING", &path, &query);
  EXPECT_EQ(twice.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(twice.message().find("query parameter \"state\" is given twice"), std::string::npos)
      << twice.message();
  Status nameless = ParseTarget("/x?=v", &path, &query);
  EXPECT_EQ(nameless.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(nameless.message().find("has no name"), std::string::npos) << nameless.message();
}

TEST(ParseTargetTest, RejectsBadPercentEncoding) {
  std::string path;
  std::map<std::string, std::string> query;
  for (std::string_view target : {"/a%zz", "/a%4", "/a%", "/x?k=%g1", "/x?%=1"}) {
    Status status = ParseTarget(target, &path, &query);
    EXPECT_EQ(status.code(), StatusCode::kInvalidArgument) << target;
    EXPECT_NE(status.message().find("two hex digits"), std::string::npos) << status.message();
  }
}

TEST(ParseTargetTest, RejectsNulAndRelativeTargets) {
  std::string path;
  std::map<std::string, std::string> query;
  EXPECT_EQ(ParseTarget("/a%00b", &path, &query).code(), StatusCode::kInvalidArgument);
  Status relative = ParseTarget("v1/jobs", &path, &query);
  EXPECT_EQ(relative.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(relative.message().find("must start with '/'"), std::string::npos);
  EXPECT_EQ(ParseTarget("", &path, &query).code(), StatusCode::kInvalidArgument);
}

TEST(UrlEncodeTest, KeepsUnreservedAndEncodesTheRest) {
  EXPECT_EQ(UrlEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(UrlEncode("a b/c?d=e&f+g%"), "a%20b%2Fc%3Fd%3De%26f%2Bg%25");
  EXPECT_EQ(UrlEncode("\xc3\xa9"), "%C3%A9");
  EXPECT_EQ(UrlEncode(""), "");
}

TEST(UrlEncodeTest, RoundTripsThroughParseTarget) {
  const std::string value = "50% off + tax & more/less?=";
  std::string path;
  std::map<std::string, std::string> query;
  ASSERT_TRUE(ParseTarget("/p?v=" + UrlEncode(value), &path, &query).ok());
  EXPECT_EQ(query.at("v"), value);
}

HttpRequest WithAuthorization(std::string value) {
  HttpRequest request;
  request.headers["authorization"] = std::move(value);
  return request;
}

TEST(BearerTokenTest, AcceptsTheSchemeInAnyCase) {
  EXPECT_EQ(BearerToken(WithAuthorization("Bearer abc.def")), "abc.def");
  EXPECT_EQ(BearerToken(WithAuthorization("bearer abc")), "abc");
  EXPECT_EQ(BearerToken(WithAuthorization("BEARER   abc  ")), "abc");
}

TEST(BearerTokenTest, RejectsOtherSchemesAndEmptyTokens) {
  EXPECT_EQ(BearerToken(HttpRequest{}), std::nullopt);
  EXPECT_EQ(BearerToken(WithAuthorization("Basic dXNlcjpwYXNz")), std::nullopt);
  EXPECT_EQ(BearerToken(WithAuthorization("Bearer ")), std::nullopt);
  EXPECT_EQ(BearerToken(WithAuthorization("Bearer")), std::nullopt);
  EXPECT_EQ(BearerToken(WithAuthorization("Bearerabc")), std::nullopt);
}

TEST(ParseUrlTest, ParsesHttpAndWs) {
  StatusOr<Url> http = ParseUrl("http://127.0.0.1:7400");
  ASSERT_TRUE(http.ok()) << http.status().ToString();
  EXPECT_EQ(http->scheme, "http");
  EXPECT_EQ(http->host, "127.0.0.1");
  EXPECT_EQ(http->port, 7400);
  EXPECT_EQ(http->path, "");

  StatusOr<Url> ws = ParseUrl("WS://sched-1.example.com/v1/agent/connect");
  ASSERT_TRUE(ws.ok()) << ws.status().ToString();
  EXPECT_EQ(ws->scheme, "ws");
  EXPECT_EQ(ws->host, "sched-1.example.com");
  EXPECT_EQ(ws->port, 80);
  EXPECT_EQ(ws->path, "/v1/agent/connect");
}

TEST(ParseUrlTest, DropsTrailingSlashesOfTheBasePath) {
  StatusOr<Url> url = ParseUrl("http://localhost:8080/base/");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(url->path, "/base");
  StatusOr<Url> root = ParseUrl("http://localhost/");
  ASSERT_TRUE(root.ok());
  EXPECT_EQ(root->path, "");
  EXPECT_EQ(root->port, 80);
}

TEST(ParseUrlTest, TlsSchemesDefaultToPort443) {
  StatusOr<Url> https = ParseUrl("HTTPS://sched.example.org/base");
  ASSERT_TRUE(https.ok()) << https.status().ToString();
  EXPECT_EQ(https->scheme, "https");
  EXPECT_TRUE(https->tls());
  EXPECT_EQ(https->port, 443);
  EXPECT_EQ(https->Origin(), "https://sched.example.org:443");
  StatusOr<Url> wss = ParseUrl("wss://h:7400");
  ASSERT_TRUE(wss.ok());
  EXPECT_TRUE(wss->tls());
  EXPECT_EQ(wss->port, 7400);
}

TEST(ParseUrlTest, RejectsWhatIsNotSupportedWithAClearMessage) {
  struct Case {
    std::string_view url;
    std::string_view message_part;
  };
  for (const Case& c :
       {Case{"ftp://h", "unsupported scheme"}, Case{"127.0.0.1:7400", "http://"},
        Case{"http://[::1]:7400", "IPv6"}, Case{"http://:7400", "host"}, Case{"http://h:0", "port"},
        Case{"http://h:70000", "port"}, Case{"http://h:7x", "port"}, Case{"http://h:", "port"},
        Case{"http://u@h", "user"}, Case{"http://h/p?q=1", "query"}, Case{"http://h$/", "host"}}) {
    StatusOr<Url> url = ParseUrl(c.url);
    ASSERT_FALSE(url.ok()) << c.url;
    EXPECT_EQ(url.status().code(), StatusCode::kInvalidArgument) << c.url;
    EXPECT_NE(url.status().message().find(c.message_part), std::string::npos)
        << c.url << " -> " << url.status().message();
  }
}

}  // namespace
}  // namespace sharc::net
