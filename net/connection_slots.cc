#include "net/connection_slots.h"

#include <map>
#include <mutex>

namespace sharc::net {

struct ConnectionSlots::Counts {
  size_t max_total = 0;
  size_t max_per_peer = 0;
  mutable std::mutex mu;
  size_t total = 0;
  std::map<std::string, size_t> per_peer;  // only peers holding a slot
};

ConnectionSlots::ConnectionSlots(size_t max_total, size_t max_per_peer)
    : counts_(std::make_shared<Counts>()) {
  counts_->max_total = max_total;
  counts_->max_per_peer = max_per_peer;
}

ConnectionSlots::Slot ConnectionSlots::TryTake(const std::string& peer_address,
                                               std::string* refusal) {
  std::lock_guard lock(counts_->mu);
  size_t& from_peer = counts_->per_peer[peer_address];
  if (counts_->max_per_peer != 0 && from_peer >= counts_->max_per_peer) {
    *refusal = "too_many_from_peer";
  } else if (counts_->max_total != 0 && counts_->total >= counts_->max_total) {
    *refusal = "too_many_connections";
  } else {
    ++from_peer;
    ++counts_->total;
    // Any non-null pointer: a slot is tested for null, never dereferenced.
    return Slot(static_cast<const void*>(counts_.get()),
                [counts = counts_, peer_address](const void*) {
                  std::lock_guard lock(counts->mu);
                  --counts->total;
                  if (auto it = counts->per_peer.find(peer_address); --it->second == 0) {
                    counts->per_peer.erase(it);
                  }
                });
  }
  if (from_peer == 0) counts_->per_peer.erase(peer_address);
  return nullptr;
}

size_t ConnectionSlots::total() const {
  std::lock_guard lock(counts_->mu);
  return counts_->total;
}

size_t ConnectionSlots::from(const std::string& peer_address) const {
  std::lock_guard lock(counts_->mu);
  auto it = counts_->per_peer.find(peer_address);
  return it == counts_->per_peer.end() ? 0 : it->second;
}

}  // namespace sharc::net
