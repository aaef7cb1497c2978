// The one HTTP/1.1 server of a sharc daemon (Boost.Beast on Boost.Asio): REST, /metrics,
// /healthz, and WebSocket upgrades for the agent channel, all on one port.
//
// Threading: the server runs on the given io_context; handlers are called on it, and the
// caller must run that io_context on exactly one thread (all daemon state lives there).
// Only http_server.cc includes Beast.
#ifndef SHARC_NET_HTTP_SERVER_H_
#define SHARC_NET_HTTP_SERVER_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "net/http_types.h"
#include "net/message_channel.h"
#include "net/tls.h"

namespace boost::asio {
class io_context;
}

namespace sharc::net {

struct HttpServerOptions {
  std::string address = "127.0.0.1";
  uint16_t port = 0;  // 0 = pick a free port
  // HTTPS (and wss) only, on the same port; nullopt = plain HTTP.
  std::optional<TlsServerOptions> tls;
  size_t max_body_bytes = 64 << 20;       // larger bodies get 413
  size_t max_header_bytes = 16 << 10;     // larger headers get 431
  size_t max_message_bytes = 16 << 20;    // largest WebSocket message accepted
  std::chrono::seconds idle_timeout{60};  // idle keep-alive connections are closed
  std::chrono::seconds read_timeout{30};  // a request must arrive within this
  // A WebSocket that brings no message for this long is closed ("websocket_idle"); the
  // peer's pings do not count. Peers that must stay connected send messages more often.
  std::chrono::milliseconds websocket_idle_timeout{60'000};
  // The most body bytes all connections may be reading at once, counted by each request's
  // Content-Length (max_body_bytes when chunked); a request beyond it gets 503 before its
  // body is read.
  size_t max_pending_body_bytes = 256 << 20;
  // Open connections (a WebSocket counts as the connection it was upgraded from), in total
  // and from one peer IP address; beyond either, a new connection is answered 503 (with
  // Retry-After) and closed before anything is read from it. 0 = no limit.
  size_t max_connections = 4096;
  size_t max_connections_per_peer = 256;
  // Called with each request's head (no body yet, not for WebSocket upgrades) before its body
  // is read: a response refuses the request (e.g. 401 for a bad token) and closes the
  // connection, so that nobody unauthenticated makes the server hold a body. May be empty.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> check_head;
  // Called for each request refused before a handler or check_head saw it, with the reason:
  // "body_too_large", "headers_too_large", "malformed", "busy", "too_slow",
  // "too_many_connections", "too_many_from_peer", with TLS "plain_http" (answered 400) and
  // "tls_handshake" (failed), and for WebSockets "websocket_idle" (closed after
  // websocket_idle_timeout without a message) and "message_too_large" (a message over
  // max_message_bytes). May be empty.
  std::function<void(std::string_view reason)> on_refused;
};

// Answers one request. `respond` must be called exactly once, possibly later (after a store
// commit, or an agent's reply), on the io_context thread. If the connection closed meanwhile
// the response is dropped. The server sets Content-Length and "Server: sharc"; an extra
// header "Connection: close" closes the connection after the response.
using Responder = std::function<void(HttpResponse)>;
using HttpHandler = std::function<void(HttpRequest request, Responder respond)>;

// A path that accepts WebSocket upgrades.
struct WebSocketRoute {
  std::string path;
  // Inspects the upgrade request (e.g. its Authorization header). Returns a response to
  // refuse the upgrade with, or nullopt to accept.
  std::function<std::optional<HttpResponse>(const HttpRequest&)> authorize;
  // Called with the accepted channel; the callee calls channel->Start(...).
  std::function<void(const HttpRequest&, std::shared_ptr<MessageChannel>)> on_open;
};

class HttpServer {
 public:
  HttpServer(boost::asio::io_context& io, HttpServerOptions options, HttpHandler handler,
             std::vector<WebSocketRoute> websocket_routes);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Start, Stop and the destructor run on the io_context's thread (or while it is not
  // running). The destructor calls Stop().
  //
  // Binds and starts accepting. Unavailable with the OS error if the address is taken;
  // InvalidArgument naming the file if a TLS file cannot be loaded.
  Status Start();
  // The bound port (useful with port 0). Precondition: Start() succeeded.
  uint16_t port() const;
  // Stops accepting and closes every connection (HTTP and WebSocket). Outstanding
  // Responders become no-ops. Open channels' close handlers run (Unavailable) on the
  // io_context afterwards, if it keeps running.
  void Stop();

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace sharc::net

#endif  // SHARC_NET_HTTP_SERVER_H_
