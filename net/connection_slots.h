// Counts a server's open connections, in total and per peer address, so that no one client (or
// all of them together) can hold more sockets than the server allows, before any request is
// authenticated. A connection holds its slot from accept until it closes (a WebSocket
// upgraded from it holds it on until the channel is gone).
// Thread-safe; a slot may be released on any thread.
#ifndef SHARC_NET_CONNECTION_SLOTS_H_
#define SHARC_NET_CONNECTION_SLOTS_H_

#include <cstddef>
#include <memory>
#include <string>

namespace sharc::net {

class ConnectionSlots {
 public:
  // 0 = no limit.
  ConnectionSlots(size_t max_total, size_t max_per_peer);

  // Released when the last copy of the returned pointer goes.
  using Slot = std::shared_ptr<const void>;
  // A slot for a connection from `peer_address` (an IP address, no port), or nullptr when a
  // limit is reached; then `*refusal` is "too_many_connections" or "too_many_from_peer".
  Slot TryTake(const std::string& peer_address, std::string* refusal);

  size_t total() const;
  size_t from(const std::string& peer_address) const;

 private:
  struct Counts;
  std::shared_ptr<Counts> counts_;  // shared with the slots, which may outlive this object
};

}  // namespace sharc::net

#endif  // SHARC_NET_CONNECTION_SLOTS_H_
