// HttpServer over real sockets on 127.0.0.1, driven by HttpClient and by raw sockets.
#include "net/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <memory>
#include <mutex>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "tests/net/net_test_support.h"
#include "tests/testing/wait_for.h"

namespace sharc::net {
namespace {

using testing::BlockingQueue;
using testing::IoThread;
using testing::RawClient;
using namespace std::chrono_literals;

std::string HeaderValue(const HttpResponse& response, std::string_view name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return "<missing>";
}

class HttpServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpHandler handler, HttpServerOptions options = {}) {
    server_ = io_.Run([&] {
      auto server = std::make_unique<HttpServer>(io_.io(), options, std::move(handler),
                                                 std::vector<WebSocketRoute>{});
      Status status = server->Start();
      EXPECT_TRUE(status.ok()) << status.ToString();
      return server;
    });
    port_ = server_->port();
  }

  void TearDown() override {
    io_.Run([this] { server_.reset(); });
    io_.Join();
  }

  std::unique_ptr<HttpClient> Client(std::chrono::milliseconds timeout = 5s) {
    auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(port_), timeout);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }

  IoThread io_;  // first member: destroyed last
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
};

// Answers each request with the size of its body, counting the calls.
HttpHandler BodySize(std::atomic<int>* calls) {
  return [calls](HttpRequest request, Responder respond) {
    ++*calls;
    HttpResponse response;
    response.body = std::to_string(request.body.size());
    respond(std::move(response));
  };
}

HttpHandler Echo() {
  return [](HttpRequest request, Responder respond) {
    HttpResponse response;
    response.content_type = "text/plain";
    response.body = request.method + " " + request.path + " q=" + request.query["q"] +
                    " h=" + request.headers["x-sharc-test"] + " b=" + request.body;
    response.headers.emplace_back("X-Peer", request.peer);
    respond(std::move(response));
  };
}

TEST_F(HttpServerTest, RoundTripsARequest) {
  StartServer(Echo());
  auto client = Client();
  StatusOr<HttpResponse> response =
      client->Send("POST", "/v1/echo?q=a%20b", "payload", {{"X-Sharc-Test", "yes"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->content_type, "text/plain");
  EXPECT_EQ(response->body, "POST /v1/echo q=a b h=yes b=payload");
  EXPECT_EQ(HeaderValue(*response, "server"), "sharc");
  EXPECT_EQ(HeaderValue(*response, "content-length"), std::to_string(response->body.size()));
  EXPECT_EQ(HeaderValue(*response, "x-peer").rfind("127.0.0.1:", 0), 0u);
}

TEST_F(HttpServerTest, HandlerMayRespondLater) {
  BlockingQueue<Responder> pending;
  StartServer([&](HttpRequest, Responder respond) { pending.Push(std::move(respond)); });
  auto client = Client();
  auto answer = std::async(std::launch::async, [&] { return client->Send("GET", "/later"); });

  std::optional<Responder> respond = pending.Pop();
  ASSERT_TRUE(respond.has_value());
  EXPECT_EQ(answer.wait_for(0ms), std::future_status::timeout);  // nothing sent yet
  // Respond from a task posted to the io_context, as a store commit would.
  boost::asio::post(io_.io(), [respond = std::move(*respond)] {
    HttpResponse response;
    response.status = 201;
    response.body = "{\"done\":true}";
    respond(std::move(response));
  });
  StatusOr<HttpResponse> response = answer.get();
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 201);
  EXPECT_EQ(response->body, "{\"done\":true}");
}

TEST_F(HttpServerTest, ManySequentialRequestsShareOneKeepAliveConnection) {
  std::set<std::string> peers;  // touched on the io thread only
  StartServer([&](HttpRequest request, Responder respond) {
    peers.insert(request.peer);
    respond(HttpResponse{.status = 200, .body = request.query["i"]});
  });
  auto client = Client();
  for (int i = 0; i < 300; ++i) {
    StatusOr<HttpResponse> response = client->Send("GET", "/n?i=" + std::to_string(i));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    ASSERT_EQ(response->body, std::to_string(i));
  }
  EXPECT_EQ(io_.Run([&] { return peers.size(); }), 1u);
}

TEST_F(HttpServerTest, OversizeBodyGets413WithAJsonError) {
  std::atomic<int> calls{0};
  StartServer(
      [&](HttpRequest, Responder respond) {
        ++calls;
        respond(HttpResponse{});
      },
      HttpServerOptions{.max_body_bytes = 1024});
  auto client = Client();
  StatusOr<HttpResponse> response = client->Send("POST", "/big", std::string(4096, 'x'));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 413);
  EXPECT_EQ(response->content_type, "application/json");
  EXPECT_EQ(response->body.rfind("{\"error\":{\"code\":\"invalid_argument\",\"message\":", 0), 0u)
      << response->body;
  EXPECT_NE(response->body.find("1024 bytes"), std::string::npos);
  EXPECT_EQ(calls.load(), 0);
  // A body at the limit is accepted on a fresh connection.
  response = client->Send("POST", "/ok", std::string(1024, 'x'));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST_F(HttpServerTest, HeadCheckRefusesBeforeTheBodyIsSent) {
  std::atomic<int> calls{0};
  HttpServerOptions options;
  options.check_head = [](const HttpRequest& head) -> std::optional<HttpResponse> {
    if (head.headers.count("authorization")) return std::nullopt;
    HttpResponse refusal;
    refusal.status = 401;
    refusal.body = "who are you? " + head.method + " " + head.path;
    return refusal;
  };
  StartServer(BodySize(&calls), options);
  // 60 MiB announced, none of it sent: the refusal arrives from the head alone.
  RawClient raw(port_);
  ASSERT_TRUE(raw.Send("POST /upload HTTP/1.1\r\nHost: x\r\nContent-Length: 62914560\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntil("who are you? POST /upload"));
  EXPECT_EQ(raw.received().rfind("HTTP/1.1 401 Unauthorized\r\n", 0), 0u) << raw.received();
  EXPECT_NE(raw.received().find("Connection: close"), std::string::npos) << raw.received();
  EXPECT_EQ(calls.load(), 0);
  // With the header the body is read and handled; a bodiless request is not checked at all.
  auto client = Client();
  StatusOr<HttpResponse> response =
      client->Send("POST", "/upload", std::string(100, 'x'), {{"Authorization", "Bearer t"}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "100");
  response = client->Send("GET", "/status", "");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(calls.load(), 2);
}

TEST_F(HttpServerTest, BodiesBeyondThePendingBudgetGet503UntilOneFinishes) {
  std::atomic<int> calls{0};
  StartServer(BodySize(&calls),
              HttpServerOptions{.max_body_bytes = 1000, .max_pending_body_bytes = 1500});
  // The first upload takes 1000 of the 1500 bytes while its body is still to come (the
  // interim response says the server has admitted it).
  RawClient slow(port_);
  ASSERT_TRUE(slow.Send(
      "POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nExpect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(slow.ReadUntil("100 Continue"));
  // A second one that does not fit is refused at once, and says when to retry.
  RawClient second(port_);
  ASSERT_TRUE(second.Send("POST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 600\r\n\r\n"));
  ASSERT_TRUE(second.ReadUntil("retry"));
  EXPECT_EQ(second.received().rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u)
      << second.received();
  EXPECT_NE(second.received().find("Retry-After: 1"), std::string::npos);
  // One that fits in what is left goes through.
  auto client = Client();
  StatusOr<HttpResponse> response = client->Send("POST", "/c", std::string(500, 'x'));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "500");
  // Once the first body is complete and handled, its bytes are free again.
  ASSERT_TRUE(slow.Send(std::string(1000, 'x')));
  ASSERT_TRUE(slow.ReadUntil("1000"));
  response = client->Send("POST", "/d", std::string(1000, 'x'));
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "1000");
  EXPECT_EQ(calls.load(), 3);
}

TEST_F(HttpServerTest, ConnectionsBeyondThePeerAndTotalLimitsGet503BeforeAnythingIsRead) {
  std::vector<std::string> refused;
  std::mutex mu;
  StartServer(Echo(), HttpServerOptions{.max_connections = 3,
                                        .max_connections_per_peer = 2,
                                        .on_refused = [&](std::string_view reason) {
                                          std::lock_guard lock(mu);
                                          refused.emplace_back(reason);
                                        }});
  // Two idle connections from one address hold its share.
  RawClient first(port_), second(port_);
  ASSERT_TRUE(first.Send("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(first.ReadUntil("GET /1"));
  ASSERT_TRUE(second.Send("GET /2 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(second.ReadUntil("GET /2"));
  RawClient third(port_);
  ASSERT_TRUE(third.ReadUntilClosed());
  EXPECT_EQ(third.received().rfind("HTTP/1.1 503 Service Unavailable\r\n", 0), 0u)
      << third.received();
  EXPECT_NE(third.received().find("this address (127.0.0.1) already holds 2 connections"),
            std::string::npos)
      << third.received();
  EXPECT_NE(third.received().find("Retry-After: 1"), std::string::npos);
  // Another address still gets in, up to the total.
  RawClient other(port_, "127.0.0.2");
  ASSERT_TRUE(other.connected());
  ASSERT_TRUE(other.Send("GET /3 HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(other.ReadUntil("GET /3"));
  RawClient over(port_, "127.0.0.3");
  ASSERT_TRUE(over.ReadUntilClosed());
  EXPECT_NE(over.received().find("the server already holds 3 connections"), std::string::npos)
      << over.received();
  {
    std::lock_guard lock(mu);
    EXPECT_EQ(refused, (std::vector<std::string>{"too_many_from_peer", "too_many_connections"}));
  }
  // A closed connection frees its slot (once the server has seen it close).
  first.Close();
  EXPECT_TRUE(::sharc::testing::WaitFor([&] {
    StatusOr<HttpResponse> response = Client()->Send("GET", "/4");
    return response.ok() && response->status == 200;
  }));
}

TEST_F(HttpServerTest, OversizeHeadersGet431) {
  StartServer(Echo(), HttpServerOptions{.max_header_bytes = 1024});
  auto client = Client();
  StatusOr<HttpResponse> response =
      client->Send("GET", "/", "", {{"X-Padding", std::string(4096, 'p')}});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 431);
  EXPECT_NE(response->body.find("invalid_argument"), std::string::npos);
}

TEST_F(HttpServerTest, MalformedRequestLineGets400AndTheConnectionCloses) {
  StartServer(Echo());
  RawClient raw(port_);
  ASSERT_TRUE(raw.connected());
  ASSERT_TRUE(raw.Send("GET /a b c HTTP/1.1\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntilClosed());
  EXPECT_EQ(raw.received().rfind("HTTP/1.1 400 Bad Request\r\n", 0), 0u) << raw.received();
  EXPECT_NE(raw.received().find("malformed HTTP request"), std::string::npos);
  EXPECT_NE(raw.received().find("Connection: close"), std::string::npos);
}

TEST_F(HttpServerTest, BadPercentEncodingGets400) {
  std::atomic<int> calls{0};
  StartServer([&](HttpRequest, Responder respond) {
    ++calls;
    respond(HttpResponse{});
  });
  auto client = Client();
  StatusOr<HttpResponse> response = client->Send("GET", "/v1/jobs%zz");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 400);
  EXPECT_NE(response->body.find("two hex digits"), std::string::npos) << response->body;
  EXPECT_EQ(calls.load(), 0);
}

TEST_F(HttpServerTest, HandlerExceptionBecomes500) {
  StartServer(
      [](HttpRequest request, Responder) { throw std::runtime_error("boom at " + request.path); });
  auto client = Client();
  StatusOr<HttpResponse> response = client->Send("GET", "/throw");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 500);
  EXPECT_NE(response->body.find("\"code\":\"internal\""), std::string::npos) << response->body;
  // The server survives and the connection stays usable.
  response = client->Send("GET", "/again");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 500);
}

TEST_F(HttpServerTest, AnswersWithConnectionCloseWhenTheClientAsks) {
  StartServer(Echo());
  RawClient raw(port_);
  ASSERT_TRUE(raw.Send("GET /bye HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntilClosed());
  EXPECT_EQ(raw.received().rfind("HTTP/1.1 200 OK\r\n", 0), 0u) << raw.received();
  EXPECT_NE(raw.received().find("Connection: close\r\n"), std::string::npos);
  EXPECT_NE(raw.received().find("Server: sharc\r\n"), std::string::npos);
}

TEST_F(HttpServerTest, PipelinedRequestsAreHandledOneAtATime) {
  std::vector<std::pair<std::string, Responder>> pending;  // io thread only
  BlockingQueue<std::string> calls;
  StartServer([&](HttpRequest request, Responder respond) {
    calls.Push(request.path);
    pending.emplace_back(request.path, std::move(respond));
  });
  RawClient raw(port_);
  ASSERT_TRUE(
      raw.Send("GET /first HTTP/1.1\r\nHost: x\r\n\r\nGET /second HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_EQ(calls.Pop(), "/first");
  io_.Flush();
  EXPECT_EQ(calls.size(), 0u) << "the second request was read before the first was answered";

  io_.Run([&] { pending.at(0).second(HttpResponse{.body = "one"}); });
  EXPECT_EQ(calls.Pop(), "/second");
  io_.Run([&] { pending.at(1).second(HttpResponse{.body = "two"}); });
  ASSERT_TRUE(raw.ReadUntil("two"));
  EXPECT_LT(raw.received().find("one"), raw.received().find("two"));
}

TEST_F(HttpServerTest, ExpectContinueGetsAnInterimResponse) {
  StartServer(Echo());
  RawClient raw(port_);
  ASSERT_TRUE(
      raw.Send("POST /c HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
               "Expect: 100-continue\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntil("\r\n\r\n"));
  EXPECT_EQ(raw.received().rfind("HTTP/1.1 100 Continue\r\n", 0), 0u) << raw.received();
  ASSERT_TRUE(raw.Send("body"));
  ASSERT_TRUE(raw.ReadUntil("b=body"));
}

TEST_F(HttpServerTest, HeadGetsTheLengthButNoBody) {
  StartServer(Echo());
  RawClient raw(port_);
  ASSERT_TRUE(raw.Send("HEAD /h HTTP/1.1\r\nHost: x\r\n\r\nGET /g HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(raw.ReadUntil("GET /g"));
  const std::string& text = raw.received();
  EXPECT_NE(text.find("Content-Length: 16\r\n"), std::string::npos) << text;  // "HEAD /h q= h= b="
  EXPECT_EQ(text.find("HEAD /h q="), std::string::npos) << "HEAD response carried a body";
}

TEST_F(HttpServerTest, ResponderCalledAfterTheClientLeftIsHarmless) {
  BlockingQueue<Responder> pending;
  StartServer([&](HttpRequest request, Responder respond) {
    if (request.path == "/hold") {
      pending.Push(std::move(respond));
    } else {
      respond(HttpResponse{.body = "alive"});
    }
  });
  {
    RawClient raw(port_);
    ASSERT_TRUE(raw.Send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n"));
    std::optional<Responder> respond = pending.Pop();
    ASSERT_TRUE(respond.has_value());
    raw.Close();
    io_.Run([&] { (*respond)(HttpResponse{.body = std::string(1 << 20, 'x')}); });
    io_.Run([&] { (*respond)(HttpResponse{.body = "twice"}); });  // ignored
  }
  auto client = Client();
  StatusOr<HttpResponse> response = client->Send("GET", "/ping");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "alive");
}

TEST_F(HttpServerTest, StopClosesOpenConnectionsAndDisarmsResponders) {
  BlockingQueue<Responder> pending;
  StartServer([&](HttpRequest, Responder respond) { pending.Push(std::move(respond)); });
  RawClient idle(port_);
  RawClient waiting(port_);
  ASSERT_TRUE(waiting.Send("GET /wait HTTP/1.1\r\nHost: x\r\n\r\n"));
  std::optional<Responder> respond = pending.Pop();
  ASSERT_TRUE(respond.has_value());

  io_.Run([&] { server_->Stop(); });
  EXPECT_TRUE(idle.ReadUntilClosed());
  EXPECT_TRUE(waiting.ReadUntilClosed());
  EXPECT_EQ(waiting.received(), "");
  io_.Run([&] { (*respond)(HttpResponse{.body = "too late"}); });

  StatusOr<HttpResponse> refused = Client()->Send("GET", "/");
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable);

  // The responder does not keep the server alive, and stays safe after it is destroyed.
  io_.Run([&] { server_.reset(); });
  io_.Run([&] { (*respond)(HttpResponse{.body = "later still"}); });
}

TEST_F(HttpServerTest, IdleAndSlowConnectionsAreClosed) {
  StartServer(Echo(), HttpServerOptions{.idle_timeout = 1s, .read_timeout = 1s});
  RawClient idle_after_request(port_);
  RawClient slow(port_);
  ASSERT_TRUE(idle_after_request.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(slow.Send("GET /never-finished HTTP/1.1\r\nHo"));
  auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(idle_after_request.ReadUntilClosed(5s));
  EXPECT_NE(idle_after_request.received().find("GET /a"), std::string::npos);
  EXPECT_TRUE(slow.ReadUntilClosed(5s));
  EXPECT_EQ(slow.received(), "");
  EXPECT_GE(std::chrono::steady_clock::now() - start, 900ms);
}

TEST_F(HttpServerTest, StartReportsAnAddressInUse) {
  StartServer(Echo());
  Status status = io_.Run([&] {
    HttpServer second(io_.io(), HttpServerOptions{.port = port_}, Echo(), {});
    return second.Start();
  });
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "127.0.0.1:" + std::to_string(port_) + ": Address already in use");
}

}  // namespace
}  // namespace sharc::net
