// HttpConnection: one accepted TCP connection of HttpServer, serving HTTP/1.1 requests one
// at a time (keep-alive) until it closes or is upgraded to a WebSocket. Internal to net/:
// includes Beast.
//
// Lifetime: outstanding reads and writes, and an outstanding Responder, each hold a
// shared_ptr to the connection. The connection holds its server only weakly (ConnectionHost),
// so neither a connection nor a Responder keeps a stopped server alive.
#ifndef SHARC_NET_HTTP_CONNECTION_H_
#define SHARC_NET_HTTP_CONNECTION_H_

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>
#include <memory>
#include <optional>
#include <string>

#include "net/http_server.h"
#include "net/transport_stream.h"
#include "net/websocket_channel.h"

namespace sharc::net::internal {

// What a connection needs from its server. All calls happen on the io_context thread.
class ConnectionHost {
 public:
  virtual ~ConnectionHost() = default;
  // False once the server is stopping: connections then close instead of dispatching.
  virtual bool accepting() const = 0;
  // Runs the HTTP handler. May throw (the caller turns that into a 500).
  virtual void HandleRequest(HttpRequest request, Responder respond) = 0;
  // The WebSocket route for `path`, or nullptr.
  virtual const WebSocketRoute* FindWebSocketRoute(const std::string& path) const = 0;
  // Tracks a channel so that Stop() closes it; called before its handshake starts.
  virtual void TrackChannel(const std::shared_ptr<WebSocketChannel>& channel) = 0;
  // Runs HttpServerOptions::check_head: a refusal, or nullopt to read the body.
  virtual std::optional<HttpResponse> CheckHead(const HttpRequest& head) = 0;
  // Takes `bytes` of HttpServerOptions::max_pending_body_bytes; false if they do not fit.
  virtual bool ReserveBodyBytes(size_t bytes) = 0;
  virtual void ReleaseBodyBytes(size_t bytes) = 0;
};

class HttpConnection : public std::enable_shared_from_this<HttpConnection> {
 public:
  // `slot` (ConnectionSlots) is held for as long as the connection, or the WebSocket channel
  // upgraded from it, lives. With `tls`, the connection serves HTTPS only: a client that
  // speaks plain HTTP gets a plain 400 telling it to use https://.
  HttpConnection(boost::asio::ip::tcp::socket socket, const HttpServerOptions& options,
                 std::weak_ptr<ConnectionHost> host, std::shared_ptr<const void> slot,
                 std::shared_ptr<boost::asio::ssl::context> tls);
  ~HttpConnection();

  // Starts reading the first request (after the TLS handshake, with TLS).
  void Start();
  // Answers `refusal` without reading anything, and closes. With TLS it closes at once: an
  // answer would cost a handshake.
  void Refuse(HttpResponse refusal);
  // Closes the socket now; a pending Responder becomes a no-op.
  void Abort();

 private:
  using Request = boost::beast::http::request<boost::beast::http::string_body>;
  using Response = boost::beast::http::response<boost::beast::http::string_body>;

  // TLS: tells TLS from plain HTTP by the first bytes, then handshakes.
  void DetectTls();
  void OnDetectTls(boost::beast::error_code ec, bool is_tls);
  void OnTlsHandshake(boost::beast::error_code ec, size_t bytes_used);
  void ReadRequest();
  void ReadHeader();
  void OnHeader(boost::beast::error_code ec);
  void ReadBody();
  void OnBody(boost::beast::error_code ec);
  // Answers a failed read (400, 413, 431) or just closes.
  void OnReadError(boost::beast::error_code ec);
  // The request's head (method, target, headers, peer) as handlers see it; false (after
  // answering 400) if its target is malformed.
  bool ReadHead();
  // Reserves the body's bytes and checks the head; false (after answering) if refused.
  bool AdmitBody();
  void ReleaseBody();
  void Dispatch();
  void Upgrade(ConnectionHost& host, HttpRequest request, Request message);
  void SendResponse(HttpResponse response, bool close);
  void OnWrite(boost::beast::error_code ec);
  // Half-closes, then drains what the client still sends for a moment, so that it can read
  // the last response before the connection goes away.
  void CloseGracefully();
  void Drain();

  TransportStream stream_;
  const HttpServerOptions options_;
  const std::shared_ptr<boost::asio::ssl::context> tls_;  // null: plain HTTP
  const std::weak_ptr<ConnectionHost> host_;
  const std::string peer_;
  const std::shared_ptr<const void> slot_;
  boost::beast::flat_buffer buffer_;
  std::optional<boost::beast::http::request_parser<boost::beast::http::string_body>> parser_;
  std::optional<boost::beast::http::response<boost::beast::http::empty_body>> continue_;
  std::optional<Response> response_;
  HttpRequest head_;                // the current request, its body not yet read
  size_t body_bytes_reserved_ = 0;  // of the server's max_pending_body_bytes
  bool first_request_ = true;
  bool closed_ = false;  // aborted, closing, or handed to a WebSocket channel
  bool close_after_write_ = false;
  // What the current request asked for, for its response.
  unsigned request_version_ = 11;
  bool request_keep_alive_ = false;
  bool request_is_head_ = false;
  char drain_buffer_[4096];
};

}  // namespace sharc::net::internal

#endif  // SHARC_NET_HTTP_CONNECTION_H_
