// WebSocket channels: HttpServer's upgrade route on one end, ConnectWebSocket on the other.
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <memory>
#include <string_view>
#include <thread>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/websocket_client.h"
#include "tests/net/net_test_support.h"

namespace sharc::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using testing::BlockingQueue;
using testing::IoThread;
using namespace std::chrono_literals;

using ChannelPtr = std::shared_ptr<MessageChannel>;

// What one end of a channel saw, filled on the io thread and read by the test.
struct Endpoint {
  BlockingQueue<std::string> messages;
  BlockingQueue<Status> closes;
};

// Starts `channel` so that it records into `endpoint` and, if `echo`, sends every message back.
void StartRecording(const ChannelPtr& channel, Endpoint* endpoint, bool echo) {
  std::weak_ptr<MessageChannel> weak = channel;
  channel->Start(
      [weak, endpoint, echo](std::string message) {
        if (echo) {
          if (ChannelPtr self = weak.lock()) self->Send(message);
        }
        endpoint->messages.Push(std::move(message));
      },
      [endpoint](Status why) { endpoint->closes.Push(std::move(why)); });
}

HttpResponse Refusal(int status, std::string message) {
  return HttpResponse{.status = status,
                      .body = "{\"error\":{\"code\":\"x\",\"message\":\"" + message + "\"}}"};
}

class WebSocketTest : public ::testing::Test {
 protected:
  // The server accepts "/ws" with "Authorization: Bearer good", answers 403 for the token
  // "forbidden", 401 otherwise; accepted channels go to server_channels_ and are started by
  // on_open_ (by default: record into server_end_ and echo).
  void StartServer(HttpServerOptions options = {}) {
    WebSocketRoute route;
    route.path = "/ws";
    route.authorize = [](const HttpRequest& request) -> std::optional<HttpResponse> {
      std::optional<std::string> token = BearerToken(request);
      if (token == "good") return std::nullopt;
      if (token == "forbidden") return Refusal(403, "this node may not connect");
      return Refusal(401, "missing or unknown token");
    };
    route.on_open = [this](const HttpRequest& request, ChannelPtr channel) {
      EXPECT_EQ(request.path, "/ws");
      EXPECT_EQ(channel->peer().rfind("127.0.0.1:", 0), 0u);
      if (on_open_) {
        on_open_(channel);
      } else {
        StartRecording(channel, &server_end_, /*echo=*/true);
      }
      server_channels_.Push(std::move(channel));
    };
    HttpHandler handler = [](HttpRequest request, Responder respond) {
      respond(HttpResponse{.body = "plain " + request.path});
    };
    server_ = io_.Run([&] {
      auto server = std::make_unique<HttpServer>(io_.io(), options, handler,
                                                 std::vector<WebSocketRoute>{route});
      EXPECT_TRUE(server->Start().ok());
      return server;
    });
    port_ = server_->port();
  }

  void TearDown() override {
    io_.Run([this] { server_.reset(); });
    io_.Flush();
    while (server_channels_.Pop(0ms)) {
    }
    io_.Join();
  }

  StatusOr<ChannelPtr> Connect(std::string token, std::string path = "/ws",
                               std::chrono::milliseconds timeout = 5s, uint16_t port = 0) {
    WebSocketConnectOptions options;
    options.url = "ws://127.0.0.1:" + std::to_string(port ? port : port_) + path;
    if (!token.empty()) options.headers["Authorization"] = "Bearer " + token;
    options.timeout = timeout;
    BlockingQueue<StatusOr<ChannelPtr>> result;
    ConnectWebSocket(io_.io(), options,
                     [&result](StatusOr<ChannelPtr> channel) { result.Push(std::move(channel)); });
    std::optional<StatusOr<ChannelPtr>> outcome = result.Pop();
    if (!outcome) return InternalError("ConnectWebSocket never called back");
    return std::move(*outcome);
  }

  // Connects with the good token and starts the client end recording into client_end_.
  ChannelPtr ConnectAndStart(bool echo = false) {
    StatusOr<ChannelPtr> channel = Connect("good");
    EXPECT_TRUE(channel.ok()) << channel.status().ToString();
    if (!channel.ok()) return nullptr;
    io_.Run([&] { StartRecording(*channel, &client_end_, echo); });
    return *channel;
  }

  IoThread io_;  // first member: destroyed last
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  std::function<void(ChannelPtr)> on_open_;
  BlockingQueue<ChannelPtr> server_channels_;
  Endpoint server_end_;
  Endpoint client_end_;
};

TEST_F(WebSocketTest, MissingTokenIsUnauthenticatedWithTheServersMessage) {
  StartServer();
  StatusOr<ChannelPtr> channel = Connect("");
  EXPECT_EQ(channel.status().code(), StatusCode::kUnauthenticated);
  EXPECT_NE(channel.status().message().find("HTTP 401"), std::string::npos);
  EXPECT_NE(channel.status().message().find("missing or unknown token"), std::string::npos)
      << channel.status().message();
  EXPECT_EQ(server_channels_.size(), 0u);
}

TEST_F(WebSocketTest, ForbiddenIsPermissionDenied) {
  StartServer();
  StatusOr<ChannelPtr> channel = Connect("forbidden");
  EXPECT_EQ(channel.status().code(), StatusCode::kPermissionDenied);
  EXPECT_NE(channel.status().message().find("this node may not connect"), std::string::npos);
}

TEST_F(WebSocketTest, UpgradeOnAnUnregisteredPathIs404) {
  StartServer();
  StatusOr<ChannelPtr> channel = Connect("good", "/elsewhere");
  EXPECT_EQ(channel.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(channel.status().message().find("HTTP 404"), std::string::npos);
  EXPECT_NE(channel.status().message().find("not_found"), std::string::npos)
      << channel.status().message();
}

TEST_F(WebSocketTest, PlainRequestOnTheRoutePathGoesToTheHttpHandler) {
  StartServer();
  auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(port_), 5s);
  ASSERT_TRUE(client.ok());
  StatusOr<HttpResponse> response = (*client)->Send("GET", "/ws");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "plain /ws");
}

TEST_F(WebSocketTest, EchoesAThousandMessagesInOrderBothWays) {
  StartServer();
  ChannelPtr client = ConnectAndStart();
  ASSERT_TRUE(client);
  io_.Run([&] {
    for (int i = 0; i < 1000; ++i) client->Send("message " + std::to_string(i));
  });
  for (int i = 0; i < 1000; ++i) {
    ASSERT_EQ(server_end_.messages.Pop(), "message " + std::to_string(i));  // client -> server
    ASSERT_EQ(client_end_.messages.Pop(), "message " + std::to_string(i));  // server -> client
  }
  EXPECT_EQ(io_.Run([&] { return client->queued_bytes(); }), 0u);
}

TEST_F(WebSocketTest, CarriesAOneMebibyteMessage) {
  StartServer();
  ChannelPtr client = ConnectAndStart();
  ASSERT_TRUE(client);
  std::string big(1 << 20, '\0');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + i % 26);
  size_t queued = io_.Run([&] {
    client->Send(big);
    return client->queued_bytes();
  });
  EXPECT_EQ(queued, big.size());
  EXPECT_EQ(client_end_.messages.Pop(), big);
}

TEST_F(WebSocketTest, MessagesSentBeforeStartAreHeld) {
  on_open_ = [](ChannelPtr channel) {
    channel->Send("welcome");
    channel->Start([](std::string) {}, [](Status) {});
  };
  StartServer();
  StatusOr<ChannelPtr> channel = Connect("good");
  ASSERT_TRUE(channel.ok()) << channel.status().ToString();
  ASSERT_TRUE(server_channels_.Pop().has_value());  // the server sent before we start
  io_.Flush();
  io_.Run([&] { StartRecording(*channel, &client_end_, false); });
  EXPECT_EQ(client_end_.messages.Pop(), "welcome");
}

TEST_F(WebSocketTest, ClientCloseRunsEachCloseHandlerOnce) {
  StartServer();
  ChannelPtr client = ConnectAndStart();
  ASSERT_TRUE(client);
  io_.Run([&] {
    client->Send("last words");
    client->Close("agent shutting down");
    client->Close("again");    // ignored
    client->Send("too late");  // ignored
  });
  EXPECT_EQ(server_end_.messages.Pop(), "last words");
  std::optional<Status> server_why = server_end_.closes.Pop();
  ASSERT_TRUE(server_why.has_value());
  EXPECT_EQ(server_why->code(), StatusCode::kUnavailable);
  EXPECT_NE(server_why->message().find("code 1000: agent shutting down"), std::string::npos)
      << server_why->message();
  std::optional<Status> client_why = client_end_.closes.Pop();
  ASSERT_TRUE(client_why.has_value());
  EXPECT_TRUE(client_why->ok()) << client_why->ToString();

  io_.Flush();
  io_.Run([&] { server_.reset(); });  // Stop() must not report the closed channel again
  io_.Flush();
  EXPECT_EQ(server_end_.closes.size(), 0u);
  EXPECT_EQ(client_end_.closes.size(), 0u);
  EXPECT_EQ(server_end_.messages.size(), 0u);
}

TEST_F(WebSocketTest, ServerCloseReachesTheClient) {
  StartServer();
  ChannelPtr client = ConnectAndStart();
  ASSERT_TRUE(client);
  std::optional<ChannelPtr> server_end = server_channels_.Pop();
  ASSERT_TRUE(server_end.has_value());
  io_.Run([&] { (*server_end)->Close("node removed"); });
  std::optional<Status> client_why = client_end_.closes.Pop();
  ASSERT_TRUE(client_why.has_value());
  EXPECT_EQ(client_why->code(), StatusCode::kUnavailable);
  EXPECT_NE(client_why->message().find("node removed"), std::string::npos);
  std::optional<Status> server_why = server_end_.closes.Pop();
  ASSERT_TRUE(server_why.has_value());
  EXPECT_TRUE(server_why->ok()) << server_why->ToString();
}

TEST_F(WebSocketTest, MessageOverTheLimitClosesTheChannelAndIsCounted) {
  BlockingQueue<std::string> refused;
  StartServer(HttpServerOptions{
      .max_message_bytes = 1024,
      .on_refused = [&refused](std::string_view reason) { refused.Push(std::string(reason)); }});
  ChannelPtr client = ConnectAndStart();
  ASSERT_TRUE(client);
  io_.Run([&] { client->Send(std::string(1024, 'k')); });
  EXPECT_EQ(server_end_.messages.Pop(), std::string(1024, 'k'));  // at the limit: fine
  io_.Run([&] { client->Send(std::string(4096, 'x')); });
  std::optional<Status> server_why = server_end_.closes.Pop();
  ASSERT_TRUE(server_why.has_value());
  EXPECT_EQ(server_why->code(), StatusCode::kResourceExhausted);
  EXPECT_NE(server_why->message().find("1024 bytes"), std::string::npos);
  EXPECT_EQ(refused.Pop(), "message_too_large");
  std::optional<Status> client_why = client_end_.closes.Pop();
  ASSERT_TRUE(client_why.has_value());
  // The server fails the connection at once (close code 1009, then teardown); with the
  // unread rest of the message on its side the kernel may reset the connection before the
  // close frame is read, so the client sees either.
  EXPECT_EQ(client_why->code(), StatusCode::kUnavailable) << client_why->ToString();
  EXPECT_EQ(server_end_.messages.size(), 0u);
}

TEST_F(WebSocketTest, AChannelThatSendsNothingIsClosedAtTheIdleLimitAndCounted) {
  BlockingQueue<std::string> refused;
  StartServer(HttpServerOptions{
      .websocket_idle_timeout = 300ms,
      .on_refused = [&refused](std::string_view reason) { refused.Push(std::string(reason)); }});
  auto start = std::chrono::steady_clock::now();
  ChannelPtr client = ConnectAndStart();
  ASSERT_TRUE(client);
  std::optional<Status> server_why = server_end_.closes.Pop();
  ASSERT_TRUE(server_why.has_value());
  EXPECT_GE(std::chrono::steady_clock::now() - start, 300ms);
  EXPECT_EQ(server_why->code(), StatusCode::kUnavailable);
  EXPECT_NE(server_why->message().find("sent nothing within the WebSocket timeout"),
            std::string::npos)
      << server_why->message();
  EXPECT_EQ(refused.Pop(), "websocket_idle");
  EXPECT_TRUE(client_end_.closes.Pop().has_value());
}

TEST_F(WebSocketTest, MessagesKeepAChannelOpenPastTheIdleLimit) {
  StartServer(HttpServerOptions{.websocket_idle_timeout = 1s});
  ChannelPtr client = ConnectAndStart();
  ASSERT_TRUE(client);
  // A message every 100 ms (each echoed back before the next) for three idle limits.
  for (int i = 0; i < 30; ++i) {
    io_.Run([&] { client->Send("beat " + std::to_string(i)); });
    ASSERT_EQ(client_end_.messages.Pop(), "beat " + std::to_string(i));
    std::this_thread::sleep_for(100ms);  // the pace of the peer under test, not a wait
  }
  EXPECT_EQ(server_end_.closes.size(), 0u);
  EXPECT_EQ(client_end_.closes.size(), 0u);
}

TEST_F(WebSocketTest, ServerStopClosesChannels) {
  StartServer();
  ChannelPtr client = ConnectAndStart();
  ASSERT_TRUE(client);
  io_.Run([&] { server_->Stop(); });
  std::optional<Status> server_why = server_end_.closes.Pop();
  ASSERT_TRUE(server_why.has_value());
  EXPECT_EQ(server_why->code(), StatusCode::kUnavailable);
  EXPECT_NE(server_why->message().find("shutting down"), std::string::npos);
  std::optional<Status> client_why = client_end_.closes.Pop();
  ASSERT_TRUE(client_why.has_value());
  EXPECT_EQ(client_why->code(), StatusCode::kUnavailable);
  io_.Run([&] { client->Send("after stop"); });  // a no-op, not a crash
}

TEST_F(WebSocketTest, ConnectionRefusedIsUnavailable) {
  asio::io_context io;
  uint16_t port;
  {
    tcp::acceptor released(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
    port = released.local_endpoint().port();
  }
  StatusOr<ChannelPtr> channel = Connect("good", "/ws", 5s, port);
  EXPECT_EQ(channel.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(channel.status().message().find("Connection refused"), std::string::npos)
      << channel.status().message();
}

TEST_F(WebSocketTest, SilentServerTimesOut) {
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto start = std::chrono::steady_clock::now();
  StatusOr<ChannelPtr> channel = Connect("good", "/ws", 200ms, silent.local_endpoint().port());
  EXPECT_EQ(channel.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(channel.status().message().find("within 200 ms"), std::string::npos)
      << channel.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(WebSocketTest, BadUrlIsInvalidArgument) {
  WebSocketConnectOptions options;
  options.url = "http://127.0.0.1:1/ws";
  BlockingQueue<Status> result;
  ConnectWebSocket(io_.io(), options,
                   [&result](StatusOr<ChannelPtr> channel) { result.Push(channel.status()); });
  std::optional<Status> status = result.Pop();
  ASSERT_TRUE(status.has_value());
  EXPECT_EQ(status->code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sharc::net
