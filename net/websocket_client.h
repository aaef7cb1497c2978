// Dials a WebSocket (the agent's end of the agent channel). Only websocket_client.cc
// includes Beast.
#ifndef SHARC_NET_WEBSOCKET_CLIENT_H_
#define SHARC_NET_WEBSOCKET_CLIENT_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "core/status.h"
#include "net/message_channel.h"
#include "net/tls.h"

namespace boost::asio {
class io_context;
}

namespace sharc::net {

struct WebSocketConnectOptions {
  std::string url;                             // "wss://sched:7400/v1/agent/connect"
  std::map<std::string, std::string> headers;  // e.g. Authorization
  TlsClientOptions tls;                        // for wss://
  std::chrono::milliseconds timeout{5000};     // for resolve + connect + handshake
  size_t max_message_bytes = 16 << 20;
};

// Connects asynchronously; `done` runs on the io_context thread with the open channel, or
// with Unavailable (connection refused, timeout, a failed TLS handshake: an untrusted
// certificate, a name mismatch) or PermissionDenied/Unauthenticated (the server refused the
// upgrade with 403/401; the message carries the server's error body), or InvalidArgument (a
// bad URL, TLS files that cannot be loaded).
// `done` is never called from inside ConnectWebSocket. An open channel pings an idle server
// and closes (Unavailable) if it stays silent for 300 s.
void ConnectWebSocket(boost::asio::io_context& io, WebSocketConnectOptions options,
                      std::function<void(StatusOr<std::shared_ptr<MessageChannel>>)> done);

}  // namespace sharc::net

#endif  // SHARC_NET_WEBSOCKET_CLIENT_H_
