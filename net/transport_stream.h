// TransportStream: one connection's byte stream, plain TCP or TLS over it, chosen at run time,
// so that one HttpConnection, WebSocketChannel and client serve both. It is an Asio
// AsyncReadStream / AsyncWriteStream for callback handlers, and the next layer of a Beast
// WebSocket stream (teardown below). Internal to net/.
//
// Every operation goes through a type-erased handler into transport_stream.cc, so that the
// TLS machinery (Asio SSL's composed operations) is compiled once, there, and not for every
// handler type of every file that reads or writes. The price is one allocation per read or
// write, next to the system call it makes.
#ifndef SHARC_NET_TRANSPORT_STREAM_H_
#define SHARC_NET_TRANSPORT_STREAM_H_

#include <boost/asio/buffer.hpp>
#include <boost/beast/core/role.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <cstddef>
#include <memory>
#include <utility>
#include <vector>

using SSL = struct ssl_st;

namespace boost::asio::ssl {
class context;
}

namespace sharc::net::internal {

// A move-only completion handler of a given signature, its type erased.
template <typename... Args>
class ErasedHandler {
 public:
  template <typename Handler>
  explicit ErasedHandler(Handler&& handler)
      : impl_(std::make_unique<Impl<std::decay_t<Handler>>>(std::forward<Handler>(handler))) {}

  // Calls the handler once.
  void operator()(Args... args) {
    std::unique_ptr<Base> impl = std::move(impl_);
    impl->Call(std::move(args)...);
  }

 private:
  struct Base {
    virtual ~Base() = default;
    virtual void Call(Args... args) = 0;
  };
  template <typename Handler>
  struct Impl final : Base {
    explicit Impl(Handler handler) : handler(std::move(handler)) {}
    void Call(Args... args) override { std::move(handler)(std::move(args)...); }
    Handler handler;
  };
  std::unique_ptr<Base> impl_;
};

using IoHandler = ErasedHandler<boost::beast::error_code, std::size_t>;
using DoneHandler = ErasedHandler<boost::beast::error_code>;

class TransportStream {
 public:
  using executor_type = boost::beast::tcp_stream::executor_type;

  // A plain stream; StartTls() may put TLS over it later.
  explicit TransportStream(boost::beast::tcp_stream tcp);
  // A moved-from stream holds nothing: close() is a no-op, and nothing else may be called.
  TransportStream(TransportStream&& other) noexcept;
  TransportStream& operator=(TransportStream&&) = delete;
  ~TransportStream();

  // Puts TLS (not yet handshaken) over the plain stream. Precondition: !is_tls().
  void StartTls(boost::asio::ssl::context& context);
  bool is_tls() const { return tls_ != nullptr; }
  // The OpenSSL connection, for certificate checks. Precondition: is_tls().
  SSL* native_handle();

  // The TLS handshake as a server; `already_read` are bytes read before TLS was detected. The
  // handler gets how many of them the handshake used.
  void AsyncServerHandshake(boost::asio::const_buffer already_read, IoHandler handler);
  void AsyncClientHandshake(DoneHandler handler);

  // The TCP stream underneath: its socket and deadlines.
  boost::beast::tcp_stream& tcp();
  boost::asio::ip::tcp::socket& socket() { return tcp().socket(); }
  // Closes the socket; outstanding operations end with operation_aborted.
  void close();

  executor_type get_executor() { return tcp().get_executor(); }

  template <class MutableBuffers, class ReadHandler>
  void async_read_some(const MutableBuffers& buffers, ReadHandler&& handler) {
    std::vector<boost::asio::mutable_buffer> list(boost::asio::buffer_sequence_begin(buffers),
                                                  boost::asio::buffer_sequence_end(buffers));
    ReadSome(std::move(list), IoHandler(std::forward<ReadHandler>(handler)));
  }

  template <class ConstBuffers, class WriteHandler>
  void async_write_some(const ConstBuffers& buffers, WriteHandler&& handler) {
    std::vector<boost::asio::const_buffer> list(boost::asio::buffer_sequence_begin(buffers),
                                                boost::asio::buffer_sequence_end(buffers));
    WriteSome(std::move(list), IoHandler(std::forward<WriteHandler>(handler)));
  }

  // How a WebSocket stream over this one closes the connection (found by argument-dependent
  // lookup): TLS close_notify first when TLS is on, then the TCP teardown.
  friend void teardown(boost::beast::role_type role, TransportStream& stream,
                       boost::beast::error_code& ec) {
    stream.Teardown(role, ec);
  }
  template <class TeardownHandler>
  friend void async_teardown(boost::beast::role_type role, TransportStream& stream,
                             TeardownHandler&& handler) {
    stream.AsyncTeardown(role, DoneHandler(std::forward<TeardownHandler>(handler)));
  }
  // How Beast closes the connection when a WebSocket operation times out.
  friend void beast_close_socket(TransportStream& stream) { stream.close(); }

 private:
  class TlsStream;

  void ReadSome(std::vector<boost::asio::mutable_buffer> buffers, IoHandler handler);
  void WriteSome(std::vector<boost::asio::const_buffer> buffers, IoHandler handler);
  void Teardown(boost::beast::role_type role, boost::beast::error_code& ec);
  void AsyncTeardown(boost::beast::role_type role, DoneHandler handler);

  std::unique_ptr<boost::beast::tcp_stream> plain_;  // null once TLS is on, or moved from
  std::unique_ptr<TlsStream> tls_;                   // TLS over the TCP stream
};

}  // namespace sharc::net::internal

#endif  // SHARC_NET_TRANSPORT_STREAM_H_
