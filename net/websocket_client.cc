#include "net/websocket_client.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/http/field.hpp>
#include <optional>
#include <utility>

#include "net/http_types.h"
#include "net/internal.h"
#include "net/tls_context.h"
#include "net/websocket_channel.h"

namespace sharc::net {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;
using internal::TransportStream;
using internal::WebSocketChannel;

namespace {

// At most this much of a refusal's body goes into the Status message.
constexpr size_t kMaxBodyInMessage = 1024;

using DoneCallback = std::function<void(StatusOr<std::shared_ptr<MessageChannel>>)>;

// The timeouts of an open client channel: those Beast suggests for clients, plus the
// server's idle detection (pings after half the idle time), so that an agent notices a dead
// scheduler even when neither side has anything to say.
websocket::stream_base::timeout ClientTimeouts() {
  websocket::stream_base::timeout timeouts =
      websocket::stream_base::timeout::suggested(beast::role_type::client);
  timeouts.idle_timeout =
      websocket::stream_base::timeout::suggested(beast::role_type::server).idle_timeout;
  timeouts.keep_alive_pings = true;
  return timeouts;
}

// One connection attempt: resolve, connect and handshake under one deadline.
class ConnectOperation : public std::enable_shared_from_this<ConnectOperation> {
 public:
  ConnectOperation(asio::io_context& io, WebSocketConnectOptions options, Url url,
                   std::shared_ptr<asio::ssl::context> tls_context, DoneCallback done)
      : options_(std::move(options)),
        url_(std::move(url)),
        tls_context_(std::move(tls_context)),
        done_(std::move(done)),
        resolver_(io),
        resolve_timer_(io),
        stream_(beast::tcp_stream(io)) {}

  void Run() {
    deadline_ = std::chrono::steady_clock::now() + options_.timeout;
    resolve_timer_.expires_at(deadline_);
    resolve_timer_.async_wait([self = shared_from_this()](beast::error_code ec) {
      if (!ec) {
        self->resolve_timed_out_ = true;
        self->resolver_.cancel();
      }
    });
    resolver_.async_resolve(
        url_.host, std::to_string(url_.port), tcp::resolver::numeric_service,
        [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type results) {
          self->OnResolve(ec, std::move(results));
        });
  }

 private:
  void OnResolve(beast::error_code ec, tcp::resolver::results_type results) {
    resolve_timer_.cancel();
    if (resolve_timed_out_) return Fail(TimedOut());
    if (ec) return Fail(UnavailableError(Where() + ": cannot resolve host: " + ec.message()));
    Tcp().expires_at(deadline_);
    Tcp().async_connect(results,
                        [self = shared_from_this()](beast::error_code ec, const tcp::endpoint&) {
                          self->OnConnect(ec);
                        });
  }

  void OnConnect(beast::error_code ec) {
    if (ec == beast::error::timeout) return Fail(TimedOut());
    if (ec) return Fail(UnavailableError("cannot reach " + Where() + ": " + ec.message()));
    beast::error_code ignored;
    Tcp().socket().set_option(tcp::no_delay(true), ignored);
    if (!tls_context_) return Handshake();
    TransportStream& transport = stream_.next_layer();
    transport.StartTls(*tls_context_);
    if (!internal::ExpectServerName(transport.native_handle(), url_.host)) {
      return Fail(InternalError("cannot set up TLS for " + Where()));
    }
    transport.AsyncClientHandshake(internal::DoneHandler(
        [self = shared_from_this()](beast::error_code ec) { self->OnTlsHandshake(ec); }));
  }

  void OnTlsHandshake(beast::error_code ec) {
    if (ec == beast::error::timeout) return Fail(TimedOut());
    if (ec) {
      std::string why = internal::HandshakeFailure(stream_.next_layer().native_handle(), ec);
      return Fail(UnavailableError("TLS handshake with " + Where() + " failed: " + why));
    }
    Handshake();
  }

  // The WebSocket opening handshake.
  void Handshake() {
    stream_.set_option(websocket::stream_base::decorator(
        [headers = options_.headers](websocket::request_type& request) {
          request.set(http::field::user_agent, "sharc");
          for (const auto& [name, value] : headers) request.set(name, value);
        }));
    std::string host = url_.host;
    if (url_.port != (url_.tls() ? 443 : 80)) host += ":" + std::to_string(url_.port);
    std::string target = url_.path.empty() ? "/" : url_.path;
    // The tcp_stream deadline still runs and bounds the handshake.
    stream_.async_handshake(
        response_, host, target,
        [self = shared_from_this()](beast::error_code ec) { self->OnHandshake(ec); });
  }

  void OnHandshake(beast::error_code ec) {
    if (ec == websocket::error::upgrade_declined) return Fail(Refused());
    if (ec == beast::error::timeout) return Fail(TimedOut());
    if (ec) {
      return Fail(
          UnavailableError("WebSocket handshake with " + Where() + " failed: " + ec.message()));
    }
    beast::error_code endpoint_error;
    tcp::endpoint remote = Tcp().socket().remote_endpoint(endpoint_error);
    std::string peer = endpoint_error ? Where() : internal::FormatEndpoint(remote);
    Tcp().expires_never();
    stream_.set_option(ClientTimeouts());
    auto channel = std::make_shared<WebSocketChannel>(std::move(stream_), std::move(peer),
                                                      options_.max_message_bytes);
    DoneCallback done = std::move(done_);
    done(std::shared_ptr<MessageChannel>(std::move(channel)));
  }

  Status Refused() const {
    int status = response_.result_int();
    std::string body = response_.body().substr(0, kMaxBodyInMessage);
    std::string message = Where() + " refused the WebSocket upgrade with HTTP " +
                          std::to_string(status) + (body.empty() ? "" : ": " + body);
    if (status == 401) return UnauthenticatedError(std::move(message));
    if (status == 403) return PermissionDeniedError(std::move(message));
    return UnavailableError(std::move(message));
  }

  Status TimedOut() const {
    return UnavailableError("cannot reach " + Where() + ": no WebSocket connection within " +
                            std::to_string(options_.timeout.count()) + " ms");
  }

  std::string Where() const { return options_.url; }

  beast::tcp_stream& Tcp() { return stream_.next_layer().tcp(); }

  void Fail(Status status) {
    stream_.next_layer().close();
    DoneCallback done = std::move(done_);
    done(std::move(status));
  }

  const WebSocketConnectOptions options_;
  const Url url_;
  const std::shared_ptr<asio::ssl::context> tls_context_;  // null: plain ws://
  DoneCallback done_;
  tcp::resolver resolver_;
  asio::steady_timer resolve_timer_;
  WebSocketChannel::Stream stream_;
  websocket::response_type response_;
  std::chrono::steady_clock::time_point deadline_;
  bool resolve_timed_out_ = false;
};

}  // namespace

void ConnectWebSocket(asio::io_context& io, WebSocketConnectOptions options,
                      std::function<void(StatusOr<std::shared_ptr<MessageChannel>>)> done) {
  StatusOr<Url> url = ParseUrl(options.url);
  Status invalid;
  if (!url.ok()) {
    invalid = url.status();
  } else if (url->scheme != "ws" && url->scheme != "wss") {
    invalid = InvalidArgumentError("URL \"" + options.url +
                                   "\": a WebSocket URL starts with wss:// or ws://");
  } else if (options.timeout.count() <= 0) {
    invalid = InvalidArgumentError("the WebSocket connect timeout must be positive");
  }
  std::shared_ptr<asio::ssl::context> tls_context;
  if (invalid.ok() && url->tls()) {
    StatusOr<std::shared_ptr<asio::ssl::context>> made =
        internal::MakeClientTlsContext(options.tls);
    if (made.ok()) {
      tls_context = std::move(*made);
    } else {
      invalid = made.status();
    }
  }
  if (!invalid.ok()) {
    asio::post(io, [done = std::move(done), invalid = std::move(invalid)] { done(invalid); });
    return;
  }
  auto operation = std::make_shared<ConnectOperation>(io, std::move(options), std::move(*url),
                                                      std::move(tls_context), std::move(done));
  // Never call `done` from inside this function.
  asio::post(io, [operation] { operation->Run(); });
}

}  // namespace sharc::net
