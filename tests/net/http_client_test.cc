// HttpClient against HttpServer and against a scripted raw server.
#include "net/http_client.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <memory>

#include "net/http_server.h"
#include "tests/net/net_test_support.h"

namespace sharc::net {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using testing::IoThread;
using namespace std::chrono_literals;

// A server that answers connection i's first answers[i] requests with 200 "ok", keeping the
// connection alive, and closes it without a word when the next request arrives. Runs on the
// io thread; create and destroy it there.
class ScriptedServer {
 public:
  ScriptedServer(asio::io_context& io, std::vector<int> answers)
      : acceptor_(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        answers_(std::move(answers)) {
    Accept();
  }

  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  int connections() const { return connections_; }
  int requests() const { return requests_; }

 private:
  struct Session {
    explicit Session(tcp::socket s) : socket(std::move(s)) {}
    tcp::socket socket;
    asio::streambuf buffer;
    int answers_left = 0;
  };

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto session = std::make_shared<Session>(std::move(socket));
      size_t index = static_cast<size_t>(connections_++);
      session->answers_left = index < answers_.size() ? answers_[index] : 1000;
      sessions_.push_back(session);
      Read(session);
      Accept();
    });
  }

  void Read(std::shared_ptr<Session> session) {
    asio::async_read_until(
        session->socket, session->buffer, "\r\n\r\n",
        [this, session](boost::system::error_code ec, size_t bytes) {
          if (ec) return;
          session->buffer.consume(bytes);
          ++requests_;
          if (session->answers_left-- <= 0) {
            session->socket.close();
            return;
          }
          static const std::string kAnswer = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
          asio::async_write(session->socket, asio::buffer(kAnswer),
                            [this, session](boost::system::error_code ec, size_t) {
                              if (!ec) Read(session);
                            });
        });
  }

  tcp::acceptor acceptor_;
  std::vector<int> answers_;
  std::vector<std::shared_ptr<Session>> sessions_;
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
};

class HttpClientTest : public ::testing::Test {
 protected:
  void TearDown() override {
    io_.Run([this] {
      scripted_.reset();
      server_.reset();
    });
    io_.Join();
  }

  uint16_t StartScripted(std::vector<int> answers) {
    scripted_ = io_.Run([&] { return std::make_unique<ScriptedServer>(io_.io(), answers); });
    return scripted_->port();
  }

  std::unique_ptr<HttpClient> Client(uint16_t port, std::string path = "",
                                     std::chrono::milliseconds timeout = 5s) {
    auto client = HttpClient::Create("http://127.0.0.1:" + std::to_string(port) + path, timeout);
    EXPECT_TRUE(client.ok()) << client.status().ToString();
    return std::move(client).value();
  }

  IoThread io_;  // first member: destroyed last
  std::unique_ptr<ScriptedServer> scripted_;
  std::unique_ptr<HttpServer> server_;
};

// A port nothing listens on (bound, then released).
uint16_t ClosedPort() {
  asio::io_context io;
  tcp::acceptor acceptor(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

TEST_F(HttpClientTest, ConnectionRefusedIsUnavailable) {
  uint16_t port = ClosedPort();
  StatusOr<HttpResponse> response = Client(port)->Send("GET", "/");
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(response.status().message(),
            "cannot reach http://127.0.0.1:" + std::to_string(port) + ": Connection refused");
}

TEST_F(HttpClientTest, ServerThatNeverAnswersTimesOut) {
  // The kernel completes the TCP handshake into the backlog; nobody ever accepts.
  asio::io_context io;
  tcp::acceptor silent(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  auto client = Client(silent.local_endpoint().port(), "", 200ms);
  auto start = std::chrono::steady_clock::now();
  StatusOr<HttpResponse> response = client->Send("POST", "/v1/jobs", "{}");
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("no response within 200 ms"), std::string::npos)
      << response.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

TEST_F(HttpClientTest, GetOnAStaleKeepAliveConnectionIsRetriedOnce) {
  // Connection 1 answers once, then drops the second request; connection 2 answers.
  auto client = Client(StartScripted({1, 1}));
  ASSERT_TRUE(client->Send("GET", "/a").ok());
  StatusOr<HttpResponse> response = client->Send("GET", "/b");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(scripted_->connections(), 2);
  EXPECT_EQ(scripted_->requests(), 3);
}

TEST_F(HttpClientTest, GetIsRetriedOnlyOnce) {
  auto client = Client(StartScripted({1, 0}));
  ASSERT_TRUE(client->Send("GET", "/a").ok());
  StatusOr<HttpResponse> response = client->Send("GET", "/b");
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(scripted_->connections(), 2);
  // The next call reconnects.
  response = client->Send("GET", "/c");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(scripted_->connections(), 3);
}

TEST_F(HttpClientTest, PostIsNeverRetried) {
  auto client = Client(StartScripted({1, 1}));
  ASSERT_TRUE(client->Send("POST", "/a", "{}").ok());
  StatusOr<HttpResponse> response = client->Send("POST", "/b", "{}");
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(response.status().message().find("POST http://127.0.0.1:"), std::string::npos)
      << response.status().message();
  EXPECT_EQ(scripted_->connections(), 1);
  EXPECT_EQ(scripted_->requests(), 2);
}

TEST_F(HttpClientTest, GetOnAFreshConnectionIsNotRetried) {
  auto client = Client(StartScripted({0, 1}));
  StatusOr<HttpResponse> response = client->Send("GET", "/a");
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(scripted_->connections(), 1);
}

TEST_F(HttpClientTest, PrefixesTheBasePathAndReconnectsAfterConnectionClose) {
  std::set<std::string> peers;  // io thread only
  server_ = io_.Run([&] {
    auto server = std::make_unique<HttpServer>(
        io_.io(), HttpServerOptions{},
        [&](HttpRequest request, Responder respond) {
          peers.insert(request.peer);
          HttpResponse response{.body = request.target};
          if (request.query.count("close")) response.headers.emplace_back("Connection", "close");
          respond(std::move(response));
        },
        std::vector<WebSocketRoute>{});
    EXPECT_TRUE(server->Start().ok());
    return server;
  });
  auto client = Client(server_->port(), "/base/");
  StatusOr<HttpResponse> response = client->Send("GET", "/v1/x?close=1");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "/base/v1/x?close=1");
  response = client->Send("DELETE", "/v1/y");
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->body, "/base/v1/y");
  EXPECT_EQ(io_.Run([&] { return peers.size(); }), 2u);
}

TEST(HttpClientCreateTest, RejectsUrlsItCannotServe) {
  EXPECT_EQ(HttpClient::Create("ws://127.0.0.1:1", 1s).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpClient::Create("https://127.0.0.1:1", 1s, {.ca_file = "/nonexistent.pem"})
                .status()
                .code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(HttpClient::Create("http://127.0.0.1:1", 0ms).status().code(),
            StatusCode::kInvalidArgument);
}

TEST(HttpClientCreateTest, RejectsInvalidRequestsWithoutSending) {
  auto client = HttpClient::Create("http://127.0.0.1:1", 1s);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Send("GE T", "/").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*client)->Send("GET", "no-slash").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ((*client)->Send("GET", "/", "", {{"X-Evil", "a\r\nb: c"}}).status().code(),
            StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sharc::net
