#include "net/websocket_channel.h"

#include <boost/asio/post.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <exception>
#include <utility>

#include "core/log.h"

namespace sharc::net::internal {

namespace beast = boost::beast;
namespace websocket = boost::beast::websocket;

namespace {

// A close frame's reason holds at most 123 bytes.
websocket::close_reason CloseFrame(websocket::close_code code, std::string_view reason) {
  constexpr size_t kMaxReasonBytes = 123;
  websocket::close_reason frame(code);
  frame.reason.assign(reason.data(), std::min(reason.size(), kMaxReasonBytes));
  return frame;
}

}  // namespace

WebSocketChannel::WebSocketChannel(Stream stream, std::string peer, size_t max_message_bytes,
                                   std::shared_ptr<const void> slot, RefusalHandler on_refused)
    : stream_(std::move(stream)),
      peer_(std::move(peer)),
      slot_(std::move(slot)),
      on_refused_(std::move(on_refused)) {
  stream_.read_message_max(max_message_bytes);
  stream_.text(true);
}

void WebSocketChannel::Start(MessageHandler on_message, CloseHandler on_close) {
  assert(!started_ && "MessageChannel::Start may be called once");
  started_ = true;
  on_message_ = std::move(on_message);
  on_close_ = std::move(on_close);
  if (!finished_) {
    DoRead();
    return;
  }
  // Closed before anyone listened: still report it, but never from inside Start().
  boost::asio::post(stream_.get_executor(), [self = shared_from_this()] {
    CloseHandler on_close = std::move(self->on_close_);
    self->on_message_ = nullptr;
    if (on_close) on_close(*self->finished_status_);
  });
}

void WebSocketChannel::Send(std::string message) {
  if (finished_ || closing_) return;
  queued_bytes_ += message.size();
  write_queue_.push_back(std::move(message));
  if (!writing_) DoWrite();
}

void WebSocketChannel::Close(std::string reason) {
  BeginClose(Status::Ok(), CloseFrame(websocket::close_code::normal, reason));
}

void WebSocketChannel::Abort(Status why) {
  if (finished_) return;
  if (!close_status_) close_status_ = why;
  stream_.next_layer().close();
  boost::asio::post(stream_.get_executor(),
                    [self = shared_from_this(), why = std::move(why)] { self->Finish(why); });
}

void WebSocketChannel::DoRead() {
  stream_.async_read(read_buffer_, [self = shared_from_this()](beast::error_code ec, size_t) {
    self->OnRead(ec);
  });
}

void WebSocketChannel::OnRead(beast::error_code ec) {
  if (ec) {
    if (on_refused_ && !finished_ && !closing_) {
      if (ec == beast::error::timeout) on_refused_("websocket_idle");
      if (ec == websocket::error::message_too_big) on_refused_("message_too_large");
    }
    Finish(ReadError(ec));
    return;
  }
  if (finished_) return;
  std::string message = beast::buffers_to_string(read_buffer_.data());
  read_buffer_.consume(read_buffer_.size());
  try {
    on_message_(std::move(message));
  } catch (const std::exception& e) {
    LogError("net", "message handler for " + peer_ + " threw: " + e.what());
    BeginClose(InternalError(std::string("the message handler failed: ") + e.what()),
               CloseFrame(websocket::close_code::internal_error, "internal error"));
  }
  // Keep reading while closing: the peer's close frame arrives on the read side.
  if (!finished_) DoRead();
}

Status WebSocketChannel::ReadError(beast::error_code ec) const {
  if (ec == websocket::error::closed) {
    const websocket::close_reason& frame = stream_.reason();
    std::string text = "peer " + peer_ + " closed the channel (code " +
                       std::to_string(static_cast<unsigned>(frame.code));
    if (!frame.reason.empty()) text += ": " + std::string(frame.reason.data(), frame.reason.size());
    return UnavailableError(text + ")");
  }
  if (ec == websocket::error::message_too_big) {
    return ResourceExhaustedError("peer " + peer_ + " sent a message over the limit of " +
                                  std::to_string(stream_.read_message_max()) + " bytes");
  }
  if (ec == beast::error::timeout) {
    return UnavailableError("peer " + peer_ + " sent nothing within the WebSocket timeout");
  }
  return UnavailableError("connection to " + peer_ + " lost: " + ec.message());
}

void WebSocketChannel::DoWrite() {
  writing_ = true;
  stream_.async_write(
      boost::asio::buffer(write_queue_.front()),
      [self = shared_from_this()](beast::error_code ec, size_t) { self->OnWrite(ec); });
}

void WebSocketChannel::OnWrite(beast::error_code ec) {
  writing_ = false;
  if (finished_) {
    write_queue_.clear();  // safe now: no write refers to these buffers any more
    return;
  }
  if (ec) {
    Finish(UnavailableError("writing to " + peer_ + " failed: " + ec.message()));
    return;
  }
  queued_bytes_ -= write_queue_.front().size();
  write_queue_.pop_front();
  if (!write_queue_.empty()) {
    DoWrite();
  } else if (closing_) {
    DoClose();
  }
}

void WebSocketChannel::BeginClose(Status why, websocket::close_reason frame) {
  if (finished_ || closing_) return;
  closing_ = true;
  close_status_ = std::move(why);
  close_frame_ = std::move(frame);
  if (!writing_) DoClose();
}

void WebSocketChannel::DoClose() {
  stream_.async_close(close_frame_, [self = shared_from_this()](beast::error_code ec) {
    self->Finish(
        ec ? UnavailableError("closing the channel to " + self->peer_ + " failed: " + ec.message())
           : Status::Ok());
  });
}

void WebSocketChannel::Finish(Status fallback) {
  if (finished_) return;
  finished_ = true;
  Status why = close_status_.value_or(std::move(fallback));
  stream_.next_layer().close();  // ends any outstanding operation
  if (!writing_) write_queue_.clear();
  queued_bytes_ = 0;
  if (!started_) {
    finished_status_ = std::move(why);
    return;
  }
  CloseHandler on_close = std::move(on_close_);
  on_close_ = nullptr;
  on_message_ = nullptr;
  if (!on_close) return;
  try {
    on_close(std::move(why));
  } catch (const std::exception& e) {
    LogError("net", "close handler for " + peer_ + " threw: " + e.what());
  }
}

}  // namespace sharc::net::internal
