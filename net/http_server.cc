#include "net/http_server.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <utility>

#include "core/log.h"
#include "net/connection_slots.h"
#include "net/http_connection.h"
#include "net/internal.h"
#include "net/tls_context.h"
#include "net/websocket_channel.h"

namespace sharc::net {

namespace asio = boost::asio;
using tcp = boost::asio::ip::tcp;
using internal::HttpConnection;
using internal::WebSocketChannel;

namespace {

// Weak references to live objects, pruned as it grows so that it stays proportional to the
// number of live entries.
template <typename T>
class WeakRegistry {
 public:
  void Add(const std::shared_ptr<T>& item) {
    if (items_.size() >= prune_at_) {
      std::erase_if(items_, [](const std::weak_ptr<T>& weak) { return weak.expired(); });
      prune_at_ = std::max<size_t>(kMinPruneAt, 2 * items_.size());
    }
    items_.push_back(item);
  }

  // The live entries; the registry is left empty.
  std::vector<std::shared_ptr<T>> TakeLive() {
    std::vector<std::shared_ptr<T>> live;
    for (const std::weak_ptr<T>& weak : items_) {
      if (std::shared_ptr<T> item = weak.lock()) live.push_back(std::move(item));
    }
    items_.clear();
    return live;
  }

 private:
  static constexpr size_t kMinPruneAt = 64;
  std::vector<std::weak_ptr<T>> items_;
  size_t prune_at_ = kMinPruneAt;
};

// After a failed accept (e.g. out of file descriptors) wait this long before the next one.
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};

}  // namespace

class HttpServer::Impl : public internal::ConnectionHost,
                         public std::enable_shared_from_this<HttpServer::Impl> {
 public:
  Impl(asio::io_context& io, HttpServerOptions options, HttpHandler handler,
       std::vector<WebSocketRoute> routes)
      : options_(std::move(options)),
        slots_(options_.max_connections, options_.max_connections_per_peer),
        handler_(std::move(handler)),
        routes_(std::move(routes)),
        acceptor_(io),
        retry_timer_(io) {}

  Status Start() {
    if (started_ || stopping_) {
      return FailedPreconditionError("the HTTP server was already started or stopped");
    }
    if (options_.tls) {
      SHARC_ASSIGN_OR_RETURN(tls_context_, internal::MakeServerTlsContext(*options_.tls));
    }
    const std::string where = options_.address + ":" + std::to_string(options_.port);
    boost::system::error_code ec;
    asio::ip::address address = asio::ip::make_address(options_.address, ec);
    if (ec) {
      return InvalidArgumentError("listen address \"" + options_.address +
                                  "\" is not an IP address");
    }
    tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      boost::system::error_code ignored;
      acceptor_.close(ignored);
      return UnavailableError(where + ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint(ec).port();
    started_ = true;
    DoAccept();
    return Status::Ok();
  }

  uint16_t port() const { return port_; }

  void Stop() {
    if (stopping_) return;
    stopping_ = true;
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    retry_timer_.cancel();
    for (const auto& connection : connections_.TakeLive()) connection->Abort();
    for (const auto& channel : channels_.TakeLive()) {
      channel->Abort(UnavailableError("the server is shutting down"));
    }
  }

  // ConnectionHost:
  bool accepting() const override { return !stopping_; }

  void HandleRequest(HttpRequest request, Responder respond) override {
    if (!handler_) {
      respond(internal::JsonErrorResponse(404, NotFoundError("no handler for " + request.path)));
      return;
    }
    handler_(std::move(request), std::move(respond));
  }

  std::optional<HttpResponse> CheckHead(const HttpRequest& head) override {
    if (!options_.check_head) return std::nullopt;
    try {
      return options_.check_head(head);
    } catch (const std::exception& e) {
      LogError("net", "the request head check threw: " + std::string(e.what()));
      return internal::JsonErrorResponse(500, InternalError("internal error while checking"));
    }
  }

  bool ReserveBodyBytes(size_t bytes) override {
    if (bytes > options_.max_pending_body_bytes - pending_body_bytes_) return false;
    pending_body_bytes_ += bytes;
    return true;
  }

  void ReleaseBodyBytes(size_t bytes) override {
    pending_body_bytes_ -= std::min(bytes, pending_body_bytes_);
  }

  const WebSocketRoute* FindWebSocketRoute(const std::string& path) const override {
    for (const WebSocketRoute& route : routes_) {
      if (route.path == path) return &route;
    }
    return nullptr;
  }

  void TrackChannel(const std::shared_ptr<WebSocketChannel>& channel) override {
    channels_.Add(channel);
  }

 private:
  void DoAccept() {
    acceptor_.async_accept(
        [self = shared_from_this()](boost::system::error_code ec, tcp::socket socket) {
          self->OnAccept(ec, std::move(socket));
        });
  }

  void OnAccept(boost::system::error_code ec, tcp::socket socket) {
    if (stopping_) return;
    if (ec) {
      LogWarning("net", "accepting a connection failed: " + ec.message());
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait([self = shared_from_this()](boost::system::error_code ec) {
        if (!ec && !self->stopping_) self->DoAccept();
      });
      return;
    }
    boost::system::error_code ignored;
    socket.set_option(tcp::no_delay(true), ignored);
    tcp::endpoint remote = socket.remote_endpoint(ignored);
    const std::string address = remote.address().to_string();
    std::string refusal;
    ConnectionSlots::Slot slot = slots_.TryTake(address, &refusal);
    auto connection = std::make_shared<HttpConnection>(std::move(socket), options_,
                                                       weak_from_this(), slot, tls_context_);
    connections_.Add(connection);
    if (slot) {
      connection->Start();
    } else {
      if (options_.on_refused) options_.on_refused(refusal);
      connection->Refuse(TooManyConnections(refusal, address));
    }
    DoAccept();
  }

  // The 503 for a connection over a limit (ConnectionSlots::TryTake's `refusal`).
  HttpResponse TooManyConnections(const std::string& refusal, const std::string& address) const {
    std::string why =
        refusal == "too_many_from_peer"
            ? "this address (" + address + ") already holds " +
                  std::to_string(options_.max_connections_per_peer) +
                  " connections, the most one address may; close some or retry in a moment"
            : "the server already holds " + std::to_string(options_.max_connections) +
                  " connections, the most it takes; retry in a moment";
    HttpResponse busy = internal::JsonErrorResponse(503, UnavailableError(why));
    busy.headers.emplace_back("Retry-After", "1");
    return busy;
  }

  const HttpServerOptions options_;
  ConnectionSlots slots_;
  const HttpHandler handler_;
  const std::vector<WebSocketRoute> routes_;
  std::shared_ptr<asio::ssl::context> tls_context_;  // null: plain HTTP
  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  uint16_t port_ = 0;
  bool started_ = false;
  bool stopping_ = false;
  WeakRegistry<HttpConnection> connections_;
  WeakRegistry<WebSocketChannel> channels_;
  size_t pending_body_bytes_ = 0;  // reserved by connections reading a body
};

HttpServer::HttpServer(asio::io_context& io, HttpServerOptions options, HttpHandler handler,
                       std::vector<WebSocketRoute> websocket_routes)
    : impl_(std::make_shared<Impl>(io, std::move(options), std::move(handler),
                                   std::move(websocket_routes))) {}

HttpServer::~HttpServer() { impl_->Stop(); }

Status HttpServer::Start() { return impl_->Start(); }

uint16_t HttpServer::port() const { return impl_->port(); }

void HttpServer::Stop() { impl_->Stop(); }

}  // namespace sharc::net
