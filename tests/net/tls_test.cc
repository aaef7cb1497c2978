// HTTPS and wss on HttpServer's one port, against HttpClient and ConnectWebSocket, with
// certificates from a throwaway CA made by scripts/make-ca.sh (the openssl command).
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "net/http_client.h"
#include "net/http_server.h"
#include "net/websocket_client.h"
#include "tests/net/net_test_support.h"
#include "tests/testing/temp_dir.h"

namespace sharc::net {
namespace {

using testing::BlockingQueue;
using testing::IoThread;
using namespace std::chrono_literals;

// Runs scripts/make-ca.sh with `args`; true on success.
bool MakeCa(const std::string& args) {
  std::string command =
      "bash " SHARC_TEST_DATA_DIR "/../../scripts/make-ca.sh " + args + " >/dev/null";
  return std::system(command.c_str()) == 0;
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

class TlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(MakeCa(dir_.path())) << "scripts/make-ca.sh failed";
    ASSERT_TRUE(MakeCa(dir_.path() + " --client alice"));
  }

  void TearDown() override {
    io_.Run([this] { server_.reset(); });
    io_.Flush();
    io_.Join();
  }

  TlsServerOptions ServerTls() const {
    return {.cert_file = dir_.File("scheduler.pem"), .key_file = dir_.File("scheduler-key.pem")};
  }
  TlsClientOptions ClientTls() const { return {.ca_file = dir_.File("ca.pem")}; }

  // An HTTPS server answering every request with "hello <path>" and echoing on "/ws".
  Status StartServer(std::optional<TlsServerOptions> tls) {
    HttpServerOptions options;
    options.tls = std::move(tls);
    options.on_refused = [this](std::string_view reason) { refused_.Push(std::string(reason)); };
    WebSocketRoute echo;
    echo.path = "/ws";
    echo.on_open = [](const HttpRequest&, std::shared_ptr<MessageChannel> channel) {
      std::weak_ptr<MessageChannel> weak = channel;
      channel->Start(
          [weak](std::string message) {
            if (auto self = weak.lock()) self->Send("echo " + message);
          },
          [](Status) {});
    };
    HttpHandler handler = [](HttpRequest request, Responder respond) {
      respond(HttpResponse{.content_type = "text/plain", .body = "hello " + request.path});
    };
    return io_.Run([&] {
      server_ = std::make_unique<HttpServer>(io_.io(), options, handler,
                                             std::vector<WebSocketRoute>{echo});
      Status started = server_->Start();
      if (started.ok()) port_ = server_->port();
      return started;
    });
  }

  std::string Url(const std::string& scheme, const std::string& host = "127.0.0.1") const {
    return scheme + "://" + host + ":" + std::to_string(port_);
  }

  StatusOr<HttpResponse> Get(const std::string& url, const TlsClientOptions& tls) {
    SHARC_ASSIGN_OR_RETURN(std::unique_ptr<HttpClient> client, HttpClient::Create(url, 5s, tls));
    return client->Send("GET", "/v1/x");
  }

  sharc::testing::TempDir dir_{"sharc-tls"};
  IoThread io_;
  std::unique_ptr<HttpServer> server_;
  uint16_t port_ = 0;
  BlockingQueue<std::string> refused_;
};

TEST_F(TlsTest, HttpsRequestsSucceedOnAKeepAliveConnectionWhenTheClientTrustsTheCa) {
  ASSERT_TRUE(StartServer(ServerTls()).ok());
  auto client = HttpClient::Create(Url("https"), 5s, ClientTls());
  ASSERT_TRUE(client.ok()) << client.status().ToString();
  for (const char* path : {"/a", "/b"}) {
    StatusOr<HttpResponse> response = (*client)->Send("POST", path, std::string(100000, 'x'));
    ASSERT_TRUE(response.ok()) << response.status().ToString();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, std::string("hello ") + path);
  }
}

TEST_F(TlsTest, AnUntrustedCertificateIsRefusedAndTheErrorSaysWhichCaToPass) {
  ASSERT_TRUE(StartServer(ServerTls()).ok());
  StatusOr<HttpResponse> response = Get(Url("https"), {});  // the system's CAs only
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_TRUE(Contains(response.status().message(), "not trusted")) << response.status().ToString();
  EXPECT_TRUE(Contains(response.status().message(), "--ca-file")) << response.status().ToString();
}

TEST_F(TlsTest, ACertificateForAnotherAddressIsRefused) {
  sharc::testing::TempDir other("sharc-tls-other");
  ASSERT_TRUE(MakeCa(other.path() + " IP:127.0.0.2"));
  ASSERT_TRUE(StartServer(TlsServerOptions{.cert_file = other.File("scheduler.pem"),
                                           .key_file = other.File("scheduler-key.pem")})
                  .ok());
  StatusOr<HttpResponse> response = Get(Url("https"), {.ca_file = other.File("ca.pem")});
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(Contains(response.status().message(), "not issued for this host"))
      << response.status().ToString();
  // The certificate names localhost too (make-ca.sh's default): by name it is accepted.
  ASSERT_TRUE(StartServer(ServerTls()).ok());
  StatusOr<HttpResponse> by_name = Get(Url("https", "localhost"), ClientTls());
  ASSERT_TRUE(by_name.ok()) << by_name.status().ToString();
  EXPECT_EQ(by_name->status, 200);
}

TEST_F(TlsTest, APlainHttpClientIsToldToUseHttps) {
  ASSERT_TRUE(StartServer(ServerTls()).ok());
  StatusOr<HttpResponse> response = Get(Url("http"), {});
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 400);
  EXPECT_TRUE(Contains(response->body, "https://")) << response->body;
  EXPECT_EQ(refused_.Pop(), "plain_http");
}

TEST_F(TlsTest, AnHttpsClientOfAPlainServerIsToldItServesPlainHttp) {
  ASSERT_TRUE(StartServer(std::nullopt).ok());
  StatusOr<HttpResponse> response = Get(Url("https"), ClientTls());
  ASSERT_FALSE(response.ok());
  EXPECT_TRUE(Contains(response.status().message(), "plain HTTP")) << response.status().ToString();
}

TEST_F(TlsTest, AWssChannelCarriesMessagesBothWays) {
  ASSERT_TRUE(StartServer(ServerTls()).ok());
  WebSocketConnectOptions options;
  options.url = Url("wss") + "/ws";
  options.tls = ClientTls();
  BlockingQueue<StatusOr<std::shared_ptr<MessageChannel>>> connected;
  ConnectWebSocket(io_.io(), options, [&](StatusOr<std::shared_ptr<MessageChannel>> channel) {
    connected.Push(std::move(channel));
  });
  std::optional<StatusOr<std::shared_ptr<MessageChannel>>> channel = connected.Pop();
  ASSERT_TRUE(channel && channel->ok()) << (channel ? channel->status().ToString() : "no answer");
  BlockingQueue<std::string> received;
  io_.Run([&] {
    (**channel)->Start([&](std::string message) { received.Push(std::move(message)); },
                       [](Status) {});
    (**channel)->Send("ping");
  });
  EXPECT_EQ(received.Pop(), "echo ping");
  io_.Run([&] { (**channel)->Close("done"); });

  // Without the CA the channel is never opened, and the error says why.
  options.tls = {};
  ConnectWebSocket(io_.io(), options, [&](StatusOr<std::shared_ptr<MessageChannel>> channel) {
    connected.Push(std::move(channel));
  });
  std::optional<StatusOr<std::shared_ptr<MessageChannel>>> refused = connected.Pop();
  ASSERT_TRUE(refused.has_value());
  ASSERT_FALSE(refused->ok());
  EXPECT_TRUE(Contains(refused->status().message(), "not trusted")) << refused->status().ToString();
}

TEST_F(TlsTest, WithAClientCaOnlyClientsPresentingACertificateFromItAreServed) {
  TlsServerOptions tls = ServerTls();
  tls.client_ca_file = dir_.File("ca.pem");
  ASSERT_TRUE(StartServer(tls).ok());
  EXPECT_FALSE(Get(Url("https"), ClientTls()).ok());
  EXPECT_EQ(refused_.Pop(), "tls_handshake");

  TlsClientOptions alice = ClientTls();
  alice.cert_file = dir_.File("alice.pem");
  alice.key_file = dir_.File("alice-key.pem");
  StatusOr<HttpResponse> response = Get(Url("https"), alice);
  ASSERT_TRUE(response.ok()) << response.status().ToString();
  EXPECT_EQ(response->status, 200);
}

TEST_F(TlsTest, FilesThatCannotBeUsedAreNamedAtStart) {
  TlsServerOptions missing = ServerTls();
  missing.cert_file = dir_.File("nope.pem");
  Status started = StartServer(missing);
  EXPECT_EQ(started.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(started.message(), "tls.cert_file " + dir_.File("nope.pem")))
      << started.ToString();

  TlsServerOptions wrong_key = ServerTls();
  wrong_key.key_file = dir_.File("alice-key.pem");
  started = StartServer(wrong_key);
  EXPECT_EQ(started.code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(Contains(started.message(), "is not the key of the certificate"))
      << started.ToString();

  auto client = HttpClient::Create(Url("https"), 5s, {.ca_file = dir_.File("nope.pem")});
  EXPECT_EQ(client.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace sharc::net
