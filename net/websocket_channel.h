// WebSocketChannel: the MessageChannel over a Beast WebSocket stream, shared by the server
// (http_server.cc) and the client (websocket_client.cc) so both ends behave the same.
// Internal to net/: includes Beast.
//
// Lifecycle: the owner builds the channel around a connected stream, performs the opening
// handshake on stream(), and then hands it out. Every asynchronous operation holds a
// shared_ptr to the channel, so it lives while reads or writes are outstanding. The close
// handler runs exactly once: after a local Close() (OK status), when the peer closes or the
// connection fails (Unavailable), when the peer sends a message over the limit
// (ResourceExhausted), or after Abort() (the status given).
#ifndef SHARC_NET_WEBSOCKET_CHANNEL_H_
#define SHARC_NET_WEBSOCKET_CHANNEL_H_

#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/websocket/stream.hpp>
#include <deque>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "net/message_channel.h"
#include "net/transport_stream.h"

namespace sharc::net::internal {

class WebSocketChannel final : public MessageChannel,
                               public std::enable_shared_from_this<WebSocketChannel> {
 public:
  using Stream = boost::beast::websocket::stream<TransportStream>;

  // Called when the channel closes because the peer broke a limit: "websocket_idle" (the
  // stream's idle timeout passed without a message) or "message_too_large".
  using RefusalHandler = std::function<void(std::string_view reason)>;

  // `stream` is connected; the handshake may or may not have happened yet. `slot` (a server's
  // ConnectionSlots) is held for the channel's life. `on_refused` may be empty.
  WebSocketChannel(Stream stream, std::string peer, size_t max_message_bytes,
                   std::shared_ptr<const void> slot = nullptr, RefusalHandler on_refused = {});

  // For the opening handshake only, before the channel is handed out.
  Stream& stream() { return stream_; }

  void Start(MessageHandler on_message, CloseHandler on_close) override;
  void Send(std::string message) override;
  void Close(std::string reason) override;
  size_t queued_bytes() const override { return queued_bytes_; }
  const std::string& peer() const override { return peer_; }

  // Closes the TCP connection at once, without a closing handshake; the close handler then
  // runs (posted, never from inside this call) with `why`.
  void Abort(Status why);

 private:
  void DoRead();
  void OnRead(boost::beast::error_code ec);
  void DoWrite();
  void OnWrite(boost::beast::error_code ec);
  // Starts the closing handshake once the write queue is empty.
  void BeginClose(Status why, boost::beast::websocket::close_reason frame);
  void DoClose();
  // Closes the socket and runs the close handler; idempotent. The status of a close this
  // side started wins over `fallback`.
  void Finish(Status fallback);
  Status ReadError(boost::beast::error_code ec) const;

  Stream stream_;
  const std::string peer_;
  const std::shared_ptr<const void> slot_;
  const RefusalHandler on_refused_;
  boost::beast::flat_buffer read_buffer_;
  std::deque<std::string> write_queue_;
  size_t queued_bytes_ = 0;
  bool writing_ = false;
  bool started_ = false;
  bool closing_ = false;
  bool finished_ = false;
  std::optional<Status> close_status_;  // why this side is closing
  boost::beast::websocket::close_reason close_frame_;
  std::optional<Status> finished_status_;  // kept for a Start() after Finish()
  MessageHandler on_message_;
  CloseHandler on_close_;
};

}  // namespace sharc::net::internal

#endif  // SHARC_NET_WEBSOCKET_CHANNEL_H_
