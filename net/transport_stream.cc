#include "net/transport_stream.h"

#include <boost/asio/ssl/context.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <boost/beast/websocket/ssl.hpp>
#include <boost/beast/websocket/teardown.hpp>

namespace sharc::net::internal {

namespace asio = boost::asio;
namespace beast = boost::beast;

class TransportStream::TlsStream : public beast::ssl_stream<beast::tcp_stream> {
 public:
  using beast::ssl_stream<beast::tcp_stream>::ssl_stream;
};

TransportStream::TransportStream(beast::tcp_stream tcp)
    : plain_(std::make_unique<beast::tcp_stream>(std::move(tcp))) {}

TransportStream::TransportStream(TransportStream&& other) noexcept = default;

TransportStream::~TransportStream() = default;

void TransportStream::StartTls(asio::ssl::context& context) {
  tls_ = std::make_unique<TlsStream>(std::move(*plain_), context);
  plain_.reset();
}

SSL* TransportStream::native_handle() { return tls_->native_handle(); }

void TransportStream::AsyncServerHandshake(asio::const_buffer already_read, IoHandler handler) {
  tls_->async_handshake(asio::ssl::stream_base::server, already_read, std::move(handler));
}

void TransportStream::AsyncClientHandshake(DoneHandler handler) {
  tls_->async_handshake(asio::ssl::stream_base::client, std::move(handler));
}

beast::tcp_stream& TransportStream::tcp() { return tls_ ? tls_->next_layer() : *plain_; }

void TransportStream::close() {
  if (tls_ || plain_) tcp().close();
}

void TransportStream::ReadSome(std::vector<asio::mutable_buffer> buffers, IoHandler handler) {
  if (tls_) {
    tls_->async_read_some(buffers, std::move(handler));
  } else {
    plain_->async_read_some(buffers, std::move(handler));
  }
}

void TransportStream::WriteSome(std::vector<asio::const_buffer> buffers, IoHandler handler) {
  if (tls_) {
    tls_->async_write_some(buffers, std::move(handler));
  } else {
    plain_->async_write_some(buffers, std::move(handler));
  }
}

void TransportStream::Teardown(beast::role_type role, beast::error_code& ec) {
  using beast::websocket::teardown;
  if (tls_) {
    teardown(role, static_cast<beast::ssl_stream<beast::tcp_stream>&>(*tls_), ec);
  } else {
    teardown(role, *plain_, ec);
  }
}

void TransportStream::AsyncTeardown(beast::role_type role, DoneHandler handler) {
  using beast::websocket::async_teardown;
  if (tls_) {
    async_teardown(role, static_cast<beast::ssl_stream<beast::tcp_stream>&>(*tls_),
                   std::move(handler));
  } else {
    async_teardown(role, *plain_, std::move(handler));
  }
}

}  // namespace sharc::net::internal
