// A bidirectional, ordered stream of text messages: the server or client end of a WebSocket.
//
// Threading: every method must be called, and every handler is called, on the io_context
// thread that owns the connection. Handlers may call Send and Close.
#ifndef SHARC_NET_MESSAGE_CHANNEL_H_
#define SHARC_NET_MESSAGE_CHANNEL_H_

#include <functional>
#include <string>

#include "core/status.h"

namespace sharc::net {

class MessageChannel {
 public:
  using MessageHandler = std::function<void(std::string message)>;
  // Called once, when the channel closes for any reason (peer close, error, Close()).
  // `why` is OK after this side's Close(); Unavailable when the peer closed (its close code
  // and reason are in the message), the connection failed or timed out, or the server
  // stopped; ResourceExhausted when the peer sent a message over the size limit.
  using CloseHandler = std::function<void(Status why)>;

  virtual ~MessageChannel() = default;

  // Installs the handlers; messages received before this are held, not dropped. Call once.
  virtual void Start(MessageHandler on_message, CloseHandler on_close) = 0;

  // Queues a text message; messages are written in order. A no-op after close.
  virtual void Send(std::string message) = 0;

  // Closes gracefully with a reason the peer can read; the close handler then runs.
  virtual void Close(std::string reason) = 0;

  // Bytes queued but not yet written, for backpressure decisions.
  virtual size_t queued_bytes() const = 0;

  // "127.0.0.1:53122".
  virtual const std::string& peer() const = 0;
};

}  // namespace sharc::net

#endif  // SHARC_NET_MESSAGE_CHANNEL_H_
