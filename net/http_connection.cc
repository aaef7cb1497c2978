#include "net/http_connection.h"

#include <algorithm>
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/detect_ssl.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/field.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <boost/beast/websocket/rfc6455.hpp>
#include <exception>
#include <limits>
#include <utility>

#include "core/log.h"
#include "net/internal.h"

namespace sharc::net::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace websocket = boost::beast::websocket;
using tcp = boost::asio::ip::tcp;

namespace {

constexpr size_t kFirstReadBytes = 4096;
// How long a closing connection keeps reading (and discarding) what the client still sends.
constexpr std::chrono::seconds kDrainTime{2};

std::string PeerOf(const tcp::socket& socket) {
  beast::error_code ec;
  tcp::endpoint endpoint = socket.remote_endpoint(ec);
  return ec ? std::string("unknown") : FormatEndpoint(endpoint);
}

bool IsHttpParseError(beast::error_code ec) {
  return ec.category() == http::make_error_code(http::error::bad_method).category();
}

}  // namespace

HttpConnection::HttpConnection(tcp::socket socket, const HttpServerOptions& options,
                               std::weak_ptr<ConnectionHost> host, std::shared_ptr<const void> slot,
                               std::shared_ptr<asio::ssl::context> tls)
    : stream_(beast::tcp_stream(std::move(socket))),
      options_(options),
      tls_(std::move(tls)),
      host_(std::move(host)),
      peer_(PeerOf(stream_.socket())),
      slot_(std::move(slot)) {}

HttpConnection::~HttpConnection() { ReleaseBody(); }

void HttpConnection::Start() {
  if (tls_) {
    DetectTls();
  } else {
    ReadRequest();
  }
}

void HttpConnection::DetectTls() {
  stream_.tcp().expires_after(options_.read_timeout);
  beast::async_detect_ssl(stream_.tcp(), buffer_,
                          [self = shared_from_this()](beast::error_code ec, bool is_tls) {
                            self->OnDetectTls(ec, is_tls);
                          });
}

void HttpConnection::OnDetectTls(beast::error_code ec, bool is_tls) {
  if (closed_) return;
  if (ec) {
    if (ec == beast::error::timeout && options_.on_refused) options_.on_refused("too_slow");
    Abort();
    return;
  }
  if (!is_tls) {
    if (options_.on_refused) options_.on_refused("plain_http");
    request_version_ = 11;
    request_is_head_ = false;
    SendResponse(JsonErrorResponse(
                     400, InvalidArgumentError("this server speaks HTTPS only: use an https:// "
                                               "URL (and --ca-file or SHARC_CA_FILE for its CA)")),
                 /*close=*/true);
    return;
  }
  stream_.StartTls(*tls_);
  stream_.AsyncServerHandshake(
      buffer_.data(), IoHandler([self = shared_from_this()](beast::error_code ec, size_t used) {
        self->OnTlsHandshake(ec, used);
      }));
}

void HttpConnection::OnTlsHandshake(beast::error_code ec, size_t bytes_used) {
  if (closed_) return;
  if (ec) {
    if (options_.on_refused) {
      options_.on_refused(ec == beast::error::timeout ? "too_slow" : "tls_handshake");
    }
    LogDebug("net", "TLS handshake with " + peer_ + " failed: " + ec.message());
    Abort();
    return;
  }
  buffer_.consume(bytes_used);
  ReadRequest();
}

void HttpConnection::Refuse(HttpResponse refusal) {
  if (tls_) {
    Abort();
    return;
  }
  request_version_ = 11;
  request_is_head_ = false;
  SendResponse(std::move(refusal), /*close=*/true);
}

void HttpConnection::Abort() {
  closed_ = true;
  stream_.close();  // a no-op once the stream was handed to a WebSocket channel
}

void HttpConnection::ReadRequest() {
  parser_.emplace();
  parser_->header_limit(static_cast<uint32_t>(
      std::min<size_t>(options_.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  parser_->body_limit(options_.max_body_bytes);
  if (first_request_ || buffer_.size() > 0) {
    ReadHeader();
    return;
  }
  // Between requests the idle timeout applies until the next request begins.
  stream_.tcp().expires_after(options_.idle_timeout);
  stream_.async_read_some(buffer_.prepare(kFirstReadBytes),
                          [self = shared_from_this()](beast::error_code ec, size_t bytes) {
                            if (self->closed_) return;
                            if (ec) {
                              self->Abort();
                              return;
                            }
                            self->buffer_.commit(bytes);
                            self->ReadHeader();
                          });
}

void HttpConnection::ReadHeader() {
  // One deadline for the whole request: header and body.
  stream_.tcp().expires_after(options_.read_timeout);
  http::async_read_header(
      stream_, buffer_, *parser_,
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
}

void HttpConnection::OnHeader(beast::error_code ec) {
  if (closed_) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  const auto& header = parser_->get();
  request_version_ = header.version();
  request_keep_alive_ = header.keep_alive();
  request_is_head_ = header.method() == http::verb::head;
  if (!ReadHead()) return;
  if (!parser_->is_done() && !AdmitBody()) return;
  if (!parser_->is_done() && beast::iequals(header[http::field::expect], "100-continue")) {
    continue_.emplace(http::status::continue_, header.version());
    http::async_write(stream_, *continue_,
                      [self = shared_from_this()](beast::error_code ec, size_t) {
                        self->continue_.reset();
                        if (self->closed_) return;
                        if (ec) {
                          self->Abort();
                          return;
                        }
                        self->ReadBody();
                      });
    return;
  }
  ReadBody();
}

bool HttpConnection::ReadHead() {
  const auto& header = parser_->get();
  head_ = HttpRequest{};
  head_.method = std::string(header.method_string());
  head_.target = std::string(header.target());
  head_.peer = peer_;
  for (const auto& field : header) {
    auto [it, inserted] =
        head_.headers.emplace(LowerAscii(field.name_string()), std::string(field.value()));
    if (!inserted) it->second += ", " + std::string(field.value());
  }
  Status target_status = ParseTarget(head_.target, &head_.path, &head_.query);
  if (!target_status.ok()) {
    SendResponse(JsonErrorResponse(400, target_status), /*close=*/true);
    return false;
  }
  return true;
}

bool HttpConnection::AdmitBody() {
  std::shared_ptr<ConnectionHost> host = host_.lock();
  if (!host || !host->accepting()) {
    Abort();
    return false;
  }
  if (std::optional<HttpResponse> refusal = host->CheckHead(head_)) {
    SendResponse(std::move(*refusal), /*close=*/true);
    return false;
  }
  // A Content-Length over max_body_bytes already failed the header read (413).
  boost::optional<uint64_t> length = parser_->content_length();
  size_t bytes = length ? static_cast<size_t>(*length) : options_.max_body_bytes;
  if (!host->ReserveBodyBytes(bytes)) {
    if (options_.on_refused) options_.on_refused("busy");
    HttpResponse busy = JsonErrorResponse(
        503, UnavailableError("the server is receiving too many large requests at once; retry "
                              "in a moment"));
    busy.headers.emplace_back("Retry-After", "1");
    SendResponse(std::move(busy), /*close=*/true);
    return false;
  }
  body_bytes_reserved_ = bytes;
  return true;
}

void HttpConnection::ReleaseBody() {
  if (body_bytes_reserved_ == 0) return;
  if (std::shared_ptr<ConnectionHost> host = host_.lock()) {
    host->ReleaseBodyBytes(body_bytes_reserved_);
  }
  body_bytes_reserved_ = 0;
}

void HttpConnection::ReadBody() {
  if (parser_->is_done()) {
    Dispatch();
    return;
  }
  http::async_read(stream_, buffer_, *parser_,
                   [self = shared_from_this()](beast::error_code ec, size_t) { self->OnBody(ec); });
}

void HttpConnection::OnBody(beast::error_code ec) {
  if (closed_) return;
  if (ec) {
    OnReadError(ec);
    return;
  }
  Dispatch();
}

void HttpConnection::OnReadError(beast::error_code ec) {
  request_version_ = 11;
  request_is_head_ = false;
  auto refused = [this](std::string_view reason) {
    if (options_.on_refused) options_.on_refused(reason);
  };
  if (ec == beast::error::timeout) refused("too_slow");
  if (ec == http::error::body_limit) {
    refused("body_too_large");
    SendResponse(JsonErrorResponse(
                     413, InvalidArgumentError("the request body is larger than the limit of " +
                                               std::to_string(options_.max_body_bytes) + " bytes")),
                 /*close=*/true);
  } else if (ec == http::error::header_limit) {
    refused("headers_too_large");
    SendResponse(JsonErrorResponse(431, InvalidArgumentError(
                                            "the request headers are larger than the limit of " +
                                            std::to_string(options_.max_header_bytes) + " bytes")),
                 /*close=*/true);
  } else if (ec == http::error::end_of_stream || ec == http::error::partial_message) {
    Abort();  // the client went away
  } else if (IsHttpParseError(ec)) {
    refused("malformed");
    SendResponse(
        JsonErrorResponse(400, InvalidArgumentError("malformed HTTP request: " + ec.message())),
        /*close=*/true);
  } else {
    Abort();  // timeout, reset, or the server stopped
  }
}

void HttpConnection::Dispatch() {
  std::shared_ptr<ConnectionHost> host = host_.lock();
  if (!host || !host->accepting()) {
    Abort();
    return;
  }
  Request message = parser_->release();
  parser_.reset();
  HttpRequest request = std::move(head_);
  if (websocket::is_upgrade(message)) {
    Upgrade(*host, std::move(request), std::move(message));
    return;
  }
  request.body = std::move(message.body());

  auto responded = std::make_shared<bool>(false);
  Responder respond = [self = shared_from_this(), responded](HttpResponse response) {
    if (*responded) {
      LogWarning("net", "a handler answered one request twice; the second answer was dropped");
      return;
    }
    *responded = true;
    self->SendResponse(std::move(response), /*close=*/false);
  };
  try {
    host->HandleRequest(std::move(request), respond);
  } catch (const std::exception& e) {
    LogError("net", "the request handler threw: " + std::string(e.what()));
    respond(JsonErrorResponse(500, InternalError("internal error while handling the request")));
  } catch (...) {
    LogError("net", "the request handler threw a non-standard exception");
    respond(JsonErrorResponse(500, InternalError("internal error while handling the request")));
  }
  ReleaseBody();  // the handler has taken what it needs from the body
}

void HttpConnection::Upgrade(ConnectionHost& host, HttpRequest request, Request message) {
  const WebSocketRoute* route = host.FindWebSocketRoute(request.path);
  if (route == nullptr) {
    SendResponse(JsonErrorResponse(404, NotFoundError("no WebSocket endpoint at " + request.path)),
                 /*close=*/true);
    return;
  }
  std::optional<HttpResponse> refusal;
  try {
    if (route->authorize) refusal = route->authorize(request);
  } catch (const std::exception& e) {
    LogError("net", "the WebSocket authorizer threw: " + std::string(e.what()));
    refusal = JsonErrorResponse(500, InternalError("internal error while authorizing"));
  }
  if (refusal) {
    SendResponse(std::move(*refusal), /*close=*/true);
    return;
  }

  closed_ = true;  // the stream now belongs to the channel
  stream_.tcp().expires_never();
  WebSocketChannel::Stream ws(std::move(stream_));
  // No pings from this side: a peer stays connected by sending messages, not by answering.
  websocket::stream_base::timeout timeouts =
      websocket::stream_base::timeout::suggested(beast::role_type::server);
  timeouts.idle_timeout = options_.websocket_idle_timeout;
  timeouts.keep_alive_pings = false;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(http::field::server, "sharc"); }));
  auto channel = std::make_shared<WebSocketChannel>(
      std::move(ws), peer_, options_.max_message_bytes, slot_, options_.on_refused);
  host.TrackChannel(channel);
  auto upgrade = std::make_shared<Request>(std::move(message));
  channel->stream().async_accept(*upgrade, [channel, upgrade, request = std::move(request),
                                            weak_host = host_](beast::error_code ec) {
    if (ec) {
      channel->Abort(UnavailableError("WebSocket handshake with " + channel->peer() +
                                      " failed: " + ec.message()));
      return;
    }
    std::shared_ptr<ConnectionHost> server = weak_host.lock();
    if (!server || !server->accepting()) {
      channel->Abort(UnavailableError("the server is shutting down"));
      return;
    }
    const WebSocketRoute* open_route = server->FindWebSocketRoute(request.path);
    if (open_route == nullptr || !open_route->on_open) {
      channel->Close("no handler for this endpoint");
      return;
    }
    try {
      open_route->on_open(request, channel);
    } catch (const std::exception& e) {
      LogError("net", "the WebSocket open handler threw: " + std::string(e.what()));
      channel->Close("internal error");
    }
  });
}

void HttpConnection::SendResponse(HttpResponse response, bool close) {
  if (closed_) return;  // the client left, or the server stopped
  if (response.status < 100 || response.status > 599) {
    LogError("net", "a handler returned HTTP status " + std::to_string(response.status));
    response = JsonErrorResponse(500, InternalError("internal error while handling the request"));
  }
  close_after_write_ = close || !request_keep_alive_;
  for (const auto& [name, value] : response.headers) {
    // A handler may ask to close the connection with "Connection: close".
    if (beast::iequals(name, "connection") && beast::iequals(value, "close")) {
      close_after_write_ = true;
    }
  }
  response_.emplace();
  response_->version(request_version_);
  response_->result(static_cast<unsigned>(response.status));
  response_->set(http::field::server, "sharc");
  bool has_body = response.status >= 200 && response.status != 204 && response.status != 304;
  if (has_body && !response.content_type.empty() && IsSafeHeaderText(response.content_type)) {
    response_->set(http::field::content_type, response.content_type);
  }
  for (const auto& [name, value] : response.headers) {
    if (beast::iequals(name, "connection")) continue;  // set by keep_alive() below
    if (name.empty() || !IsSafeHeaderText(name) || !IsSafeHeaderText(value)) {
      LogWarning("net", "dropped a response header with a line break in it");
      continue;
    }
    response_->insert(name, value);
  }
  if (has_body) {
    response_->content_length(response.body.size());
    if (!request_is_head_) response_->body() = std::move(response.body);
  }
  response_->keep_alive(!close_after_write_);

  stream_.tcp().expires_after(options_.read_timeout);
  http::async_write(stream_, *response_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnWrite(ec);
  });
}

void HttpConnection::OnWrite(beast::error_code ec) {
  response_.reset();
  if (closed_) return;
  if (ec) {
    Abort();
    return;
  }
  if (close_after_write_) {
    CloseGracefully();
    return;
  }
  first_request_ = false;
  ReadRequest();
}

void HttpConnection::CloseGracefully() {
  closed_ = true;
  beast::error_code ignored;
  stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
  stream_.tcp().expires_after(
      std::min<std::chrono::steady_clock::duration>(options_.read_timeout, kDrainTime));
  Drain();
}

void HttpConnection::Drain() {
  stream_.async_read_some(asio::buffer(drain_buffer_),
                          [self = shared_from_this()](beast::error_code ec, size_t) {
                            if (ec) {
                              self->stream_.close();
                              return;
                            }
                            self->Drain();
                          });
}

}  // namespace sharc::net::internal
